/**
 * The scan worker (dist/scanWorker.js): Python scanning and counting off the extension host's thread. No TF.js and
 * no vscode: it loads only the scanner, the interpreter and the arithmetic counts (src/python).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ScanService, type ScanRequest } from '../python/scanService';

const { generations } = workerData as { generations: SharedArrayBuffer };
const service = new ScanService(new Int32Array(generations));

parentPort!.on('message', (message: ScanRequest | { forget: string }) => {
  if ('forget' in message) return service.forget(message.forget);
  parentPort!.postMessage(service.handle(message));
});
