/**
 * One evaluation worker thread (bundled as dist/evaluateWorker.js; started by evaluatePool.ts). It loads the network
 * once, says 'ready', then classifies the images it is handed one at a time until it is asked to stop (then it ends
 * itself once no native call of onnxruntime is in flight: see engines/native.ts). The parallelism
 * of an evaluation is the number of these workers, so each runs its engine on one thread (N workers × several
 * threads each would only oversubscribe the cores; and a fixed count keeps 1 and N workers' results bit-identical).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadClassifier, type Classifier } from './classify';
import { isInputError } from './errors';
import { evaluateBatch } from './evaluate';
import { setThreads } from './tf';
import { stopWhenIdle } from './engines/native';
import type { PoolReply, PoolRequest, PoolWorkerData } from './evaluatePool';

const port = parentPort;
if (!port) throw new Error('evaluateWorker.ts runs as a worker_threads Worker, not as a script');
const data = workerData as PoolWorkerData;
const post = (reply: PoolReply): void => port.postMessage(reply);

setThreads(1);
let classifier: Classifier | undefined;
let log: string | undefined;
let queue = Promise.resolve();

loadClassifier(data.weightsPath, {
  // One fixed grouped-conv method, not 'auto': auto's choice follows timings, which differ from run to run and worker
  // to worker, and an evaluation's numbers must not depend on them (1 or N workers give the same JSON, bit for bit).
  // perGroup is the measured fastest or close to it on every grouped layer shape at 1 thread, the workers' count
  // (DESIGN §2's table).
  groupedMethod: 'perGroup',
  ...(data.preset !== undefined && { preset: data.preset }),
  ...(data.stateDictKey !== undefined && { stateDictKey: data.stateDictKey }),
  ...(data.bytes && { bytes: data.bytes }),
  engine: data.engine,
  onLog: (_level, message) => (log = message),
}).then(
  (c) => {
    classifier = c;
    post({ type: 'ready', model: c.model, title: c.title, labels: c.labels, loadMs: c.loadMs, engine: c.engine.info, ...(log !== undefined && { log }) });
  },
  (error: unknown) => post({ type: 'error', input: isInputError(error), message: error instanceof Error ? error.message : String(error) }),
);

port.on('message', (request: PoolRequest) => {
  if ('stop' in request) return stopWhenIdle(() => process.exit(0));
  // Requests arrive only after 'ready'; they are run one after the other.
  queue = queue.then(async () => {
    const outcomes = await evaluateBatch(classifier!, data.root, request.items, data.options);
    post({ type: 'result', outcomes });
  });
});
