// Child of test/unit/stop.test.ts: starts the shipped extension worker (dist/worker.js) on onnxruntime and asks it to
// stop at many moments of a classification and of a folder evaluation (session creation, runs, the evaluation's own
// pool workers loading), as the host does when the user cancels. Terminating a thread inside an onnxruntime call
// aborts the whole process ("terminate called after throwing an instance of 'Napi::Error'", exit 134), so this
// process surviving every stop, each worker having ended, is the check. Prints one line per stop, then "survived".
import { Worker } from 'node:worker_threads';
import * as path from 'node:path';
import * as os from 'node:os';
const [root] = process.argv.slice(2);
const fixtures = path.join(root, 'test', 'fixtures');
const jobs = [
  {
    type: 'classify',
    imagePath: path.join(fixtures, 'chelsea.jpg'),
    weights: path.join(fixtures, 'tiny.pth'),
    topK: 5,
    cacheDir: os.tmpdir(),
    baseUrl: '',
    cam: true,
  },
  {
    type: 'evaluateFolder',
    folder: path.join(fixtures, 'evaluate', 'folder'),
    weights: path.join(fixtures, 'tiny.pth'),
    topK: 5,
    cacheDir: os.tmpdir(),
    baseUrl: '',
    workers: 2,
  },
];
(async () => {
  for (const job of jobs) {
    for (const delayMs of [0, 20, 60, 150, 300, 600, 1200]) {
      const worker = new Worker(path.join(root, 'dist', 'worker.js'), { workerData: { threads: 1, engine: 'onnxruntime' } });
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage({ ...job, id: 1 });
      await new Promise((r) => setTimeout(r, delayMs));
      const t0 = Date.now();
      worker.postMessage({ type: 'stop' });
      const code = await exited;
      console.log(`${job.type} stopped after ${delayMs} ms: ended in ${Date.now() - t0} ms, exit code ${code}`);
    }
  }
  console.log('survived');
})();
