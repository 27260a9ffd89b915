/**
 * The worker thread that runs TensorFlow.js for the extension host (DESIGN §1: the host never blocks). It answers
 * one WorkerRequest at a time with plain JSON; the host cancels by terminating the thread. Bundled as dist/worker.js
 * next to the wasm binaries, where src/model/tf.ts finds them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { backendInfo, setThreads } from '../model/tf';
import { setEngine } from '../model/engines';
import { exportOnnx, writeOnnxFile } from '../model/engines/export';
import { isInputError } from '../model/errors';
import { checkedArchitecture, countParams } from '../model/architecture';
import { compare, COMPARISON_PRESET_IDS, COMPARISON_PRESETS, type ComparisonPresetId } from '../model/compare';
import { ConfigError } from '../model/errors';
import { formatComparison } from '../model/report/compare';
import { summarize, TFJS_TRACE_MAX_PARAMS } from '../model/summarize';
import { profile } from '../model/profile';
import { isWorkerRequest, isWorkerStop, type WorkerData, type WorkerRequest, type WorkerResponse } from '../shared/protocol';
import { checkEquivalence } from '../model/equivalence';
import * as fs from 'node:fs';
import { describeWeights, readWeightsBytes, readWeightsFile } from '../model/weights/load';
import { inspectWeights } from '../model/weights/inspect';
import { convertToSafetensors } from '../model/weights/convert';
import { diffCheckpoints } from '../model/weights/diff';
import { checkCheckpoint } from '../model/weights/check';
import { diffCsv } from '../model/weights/diffText';
import { inferWeightsConfig, parseWeightsSpec, resolveWeights } from '../model/weights/resolve';
import { describeProgress } from '../model/weights/download';
import { camPictures, classifyFiles, loadClassifier, preprocessingWith, readImageFile, type Classifier } from '../model/classify';
import { evaluationCsv, predictionsCsv } from '../model/evaluate';
import { evaluateFolder } from '../model/evaluatePool';
import { stopWhenIdle } from '../model/engines/native';
import type { EvaluationData } from '../shared/protocol';
import { buildGraph } from '../model/graph/build';
import { collapseGraph } from '../model/graph/depth';
import { layoutGraph } from '../model/graph/layout';
import { groupedBlocks, withCPaths } from '../model/graph/cpaths';

const port = parentPort;
if (!port) throw new Error('worker.ts runs as a worker_threads Worker (dist/worker.js), not as a script');

const post = (message: WorkerResponse): void => port.postMessage(message);

// The thread count the host asked for (setting resnext.threads), then the backend started at once: nearly every
// request needs it, and its start-up (~1 s of wasm compilation) overlaps the user's next step. The log says what ran.
setThreads((workerData as Partial<WorkerData> | undefined)?.threads);
setEngine((workerData as Partial<WorkerData> | undefined)?.engine);
/** Why `auto` runs on wasm, said once in the ResNeXt log. */
const engineLog = (level: 'info' | 'warn', message: string): void => post({ type: 'log', level, message });
backendInfo().then(
  (info) => {
    post({
      type: 'log',
      level: 'info',
      message: `TensorFlow.js ${info.tfjsVersion}: ${info.backend} backend, SIMD ${info.simd ? 'on' : 'off'}, ${info.threads} thread${info.threads === 1 ? '' : 's'}`,
    });
    if (info.note !== undefined) post({ type: 'log', level: 'warn', message: info.note });
  },
  (error: unknown) => post({ type: 'log', level: 'warn', message: `TensorFlow.js did not start: ${error instanceof Error ? error.message : String(error)}` }),
);

/** The last classifier built, kept while the worker is warm: a second image with the same weights skips the load. */
let warm: { readonly key: string; readonly classifier: Classifier } | undefined;

async function handle(request: WorkerRequest): Promise<WorkerResponse> {
  switch (request.type) {
    case 'summarize': {
      const config = request.config;
      // The host validated already; validate again because the worker must never trust what it is sent.
      checkedArchitecture(config);
      post({ type: 'progress', id: request.id, message: `Building and tracing ${request.model} (1×3×${config.inputHeightPx}×${config.inputWidthPx})…` });
      const summary = await summarize(config, { model: request.model });
      return { type: 'summary', id: request.id, summary };
    }
    case 'graph': {
      let config = request.config;
      if (request.path !== undefined) {
        post({ type: 'progress', id: request.id, message: `Reading ${request.path}…` });
        const weights = readWeightsFile(request.path, { stateDictKey: request.stateDictKey });
        config = inferWeightsConfig(weights.stateDict, request.path, weights.choice);
      }
      if (!config) throw new ConfigError('a graph needs a configuration or a checkpoint');
      const arch = checkedArchitecture(config);
      const graph = buildGraph(arch, request.model).graph;
      const shown = collapseGraph(graph, 'stage');
      return { type: 'graph', id: request.id, graph, config, grouped: groupedBlocks(arch), nodes: shown.nodes, layout: layoutGraph(shown) };
    }
    case 'graphLayout': {
      const start = performance.now();
      // A class of the user's has no configuration (and no C paths to draw).
      const graph = request.config ? withCPaths(request.graph, checkedArchitecture(request.config), request.cPaths) : request.graph;
      const shown = collapseGraph(graph, 'stage', { expanded: new Set(request.expanded) });
      const layout = layoutGraph(shown);
      return { type: 'graphLayout', id: request.id, nodes: shown.nodes, layout, ms: Math.round((performance.now() - start) * 10) / 10 };
    }
    case 'summarizeCheckpoint': {
      post({ type: 'progress', id: request.id, message: `Reading ${request.path}…` });
      const weights = readWeightsFile(request.path, { stateDictKey: request.stateDictKey });
      const { stateDict, format } = weights;
      const config = inferWeightsConfig(stateDict, request.path, weights.choice);
      post({ type: 'progress', id: request.id, message: `Tracing the ${format} checkpoint's architecture…` });
      const summary = await summarize(config, { stateDict, weightsSource: describeWeights(request.path, weights) });
      return { type: 'summary', id: request.id, summary };
    }
    case 'inspectCheckpoint': {
      post({ type: 'progress', id: request.id, message: `Reading ${request.path}…` });
      const inspection = inspectWeights(readWeightsBytes(request.path), request.path, { stateDictKey: request.stateDictKey });
      return { type: 'inspection', id: request.id, inspection };
    }
    case 'convertCheckpoint': {
      post({ type: 'progress', id: request.id, message: `Converting ${request.input} to ${request.dtype}…` });
      const result = convertToSafetensors(request.input, request.output, {
        dtype: request.dtype,
        stateDictKey: request.stateDictKey,
        ...(request.dropClassifier === true && { dropClassifier: true }),
      });
      return { type: 'converted', id: request.id, result };
    }
    case 'diffCheckpoints': {
      post({ type: 'progress', id: request.id, message: 'Comparing tensor by tensor…' });
      const diff = diffCheckpoints(request.a, request.b, { ...(request.stateDictKey !== undefined && { stateDictKey: request.stateDictKey }) });
      return { type: 'diff', id: request.id, diff, csv: diffCsv(diff) };
    }
    case 'checkCheckpoint': {
      checkedArchitecture(request.config);
      const check = checkCheckpoint(request.path, request.config, { ...(request.stateDictKey !== undefined && { stateDictKey: request.stateDictKey }) });
      return { type: 'check', id: request.id, check };
    }
    case 'exportOnnx': {
      let bytes: Uint8Array;
      let model: string;
      if (request.weights) {
        post({ type: 'progress', id: request.id, message: `Reading ${request.weights.path}…` });
        const weights = readWeightsFile(request.weights.path, { stateDictKey: request.weights.stateDictKey });
        const config = inferWeightsConfig(weights.stateDict, request.weights.path, weights.choice);
        model = request.model ?? describeWeights(request.weights.path, weights);
        post({ type: 'progress', id: request.id, message: `Writing ${request.output}…` });
        bytes = exportOnnx(config, { stateDict: weights.stateDict, source: describeWeights(request.weights.path, weights) });
      } else if (request.config) {
        checkedArchitecture(request.config);
        model = request.model ?? 'custom';
        bytes = exportOnnx(request.config);
      } else {
        throw new ConfigError('exportOnnx needs a weights file or a configuration');
      }
      writeOnnxFile(request.output, bytes);
      return { type: 'exported', id: request.id, result: { output: request.output, model, sizeBytes: bytes.length, randomWeights: !request.weights } };
    }
    case 'classify': {
      const weights = await resolveWeights(parseWeightsSpec(request.weights), {
        cacheDir: request.cacheDir,
        baseUrl: request.baseUrl,
        onProgress: (fileName, p) => post({ type: 'progress', id: request.id, message: `Downloading ${fileName}: ${describeProgress(p)}` }),
      });
      const stat = fs.statSync(weights.path, { throwIfNoEntry: false });
      // One warm session per (architecture, weights file and its size/mtime, state dict); engine and threads are the
      // worker's, fixed for its life (a settings change restarts it).
      const key = `${weights.path}:${stat?.size}:${stat?.mtimeMs}:${request.stateDictKey ?? ''}:${weights.preset ?? ''}`;
      let loadMs = 0;
      if (warm?.key !== key) {
        post({ type: 'progress', id: request.id, message: `Loading ${weights.path}…` });
        warm?.classifier.dispose();
        warm = undefined;
        const classifier = await loadClassifier(weights.path, { preset: weights.preset, stateDictKey: request.stateDictKey, onLog: engineLog });
        loadMs = classifier.loadMs;
        post({
          type: 'log',
          level: 'info',
          message: `${classifier.model} loaded on ${classifier.engine.info.version}, ${classifier.engine.threads} thread(s)`,
        });
        warm = { key, classifier };
      }
      const { classifier } = warm;
      post({ type: 'progress', id: request.id, message: `Classifying with ${classifier.model}…` });
      // The network's own preprocessing (timm's pretrained configuration, the CIFAR port's), else torchvision's.
      const pre = preprocessingWith(classifier.config, weights.resizePx);
      const options = { ...pre, topK: Math.min(request.topK, classifier.config.numClasses) };
      const classification = await classifyFiles(classifier, [request.imagePath], { ...options, ...(request.cam === true && { cam: 'top' as const }) });
      const r = classification.results[0]!;
      const pictures = r.cams && camPictures(readImageFile(request.imagePath), request.imagePath, r.cams, options);
      const png = (bytes: Uint8Array): string => `data:image/png;base64,${Buffer.from(bytes).toString('base64')}`;
      return {
        type: 'classification',
        id: request.id,
        result: {
          image: request.imagePath,
          model: classifier.model,
          title: classifier.title,
          weights: classifier.weightsPath,
          top: r.top,
          widthPx: r.widthPx,
          heightPx: r.heightPx,
          mode: r.mode,
          preprocessing: { resizePx: options.resizePx, cropPx: options.cropPx },
          engine: classification.engine,
          timingsMs: { load: Math.round(loadMs), ...r.timingsMs },
          ...(r.cams &&
            pictures && {
              cam: { crop: png(pictures.crop), maps: r.cams.map((m, i) => ({ class: m.class, heatmap: png(pictures.heatmaps[i]!), min: m.min, max: m.max })) },
            }),
        },
      };
    }
    case 'evaluateFolder': {
      const weights = await resolveWeights(parseWeightsSpec(request.weights), {
        cacheDir: request.cacheDir,
        baseUrl: request.baseUrl,
        onProgress: (fileName, p) => post({ type: 'progress', id: request.id, message: `Downloading ${fileName}: ${describeProgress(p)}` }),
      });
      post({ type: 'progress', id: request.id, message: `Loading ${weights.path}…` });
      const e = await evaluating(
        evaluateFolder(request.folder, {
          signal: stopping.signal,
          weightsPath: weights.path,
          ...(weights.preset !== undefined && { preset: weights.preset }),
          ...(request.stateDictKey !== undefined && { stateDictKey: request.stateDictKey }),
          // The network's own preprocessing, as Classify Image uses it.
          torchvisionResizePx: weights.resizePx,
          topK: request.topK,
          ...(request.workers !== undefined && { workers: request.workers }),
          onLog: engineLog,
          thumbnailPx: 64,
          thumbnailLimit: 2000,
          onProgress: (p) => {
            const eta = p.etaSeconds === undefined ? '' : `, about ${Math.ceil(p.etaSeconds)} s left`;
            post({ type: 'progress', id: request.id, message: `${p.done}/${p.total} images, ${p.imagesPerSecond.toFixed(1)} images/s${eta}` });
          },
        }),
      );
      const j = e.json;
      const result: EvaluationData = {
        folder: request.folder,
        model: e.model,
        title: e.title,
        weights: e.weights,
        ...(j.engine && { engine: j.engine }),
        workers: e.workers,
        elapsedMs: Math.round(e.elapsedMs),
        imagesPerSecond: j.imagesPerSecond,
        count: j.count,
        top1: j.top1,
        top5: j.top5,
        classes: j.classes,
        labels: e.labels,
        perClass: j.perClass,
        confusion: j.confusion,
        files: j.files.map((f, i) => {
          const thumbnail = e.thumbnails[i];
          return {
            path: f.path,
            label: f.label,
            top: f.top5,
            probs: f.probs,
            ms: Math.round(e.fileMs[i]!),
            ...(thumbnail && { thumbnail: `data:image/png;base64,${Buffer.from(thumbnail).toString('base64')}` }),
          };
        }),
        failed: j.failed,
        exports: { json: JSON.stringify(j, null, 2) + '\n', csv: evaluationCsv(e), predictions: predictionsCsv(e) },
      };
      return { type: 'evaluation', id: request.id, result };
    }
    case 'listComparisons':
      return {
        type: 'comparisons',
        id: request.id,
        presets: COMPARISON_PRESET_IDS.map((id) => ({ id, title: COMPARISON_PRESETS[id].title, description: COMPARISON_PRESETS[id].description })),
      };
    case 'compare': {
      if (!(COMPARISON_PRESET_IDS as readonly string[]).includes(request.preset)) {
        throw new ConfigError(`unknown comparison '${request.preset}'; accepted: ${COMPARISON_PRESET_IDS.join(', ')}`);
      }
      const preset = COMPARISON_PRESETS[request.preset as ComparisonPresetId];
      const entries = preset.entries();
      post({ type: 'progress', id: request.id, message: `Tracing ${entries.map((e) => e.model).join(', ')}…` });
      const comparison = await compare(entries);
      const markdown = formatComparison(comparison, 'markdown', { title: preset.title, description: preset.description });
      return { type: 'comparison', id: request.id, comparison, markdown };
    }
    case 'compareEntries': {
      const entries = request.entries.map((e) => ({ model: e.model, config: e.config }));
      post({ type: 'progress', id: request.id, message: `Tracing ${entries.map((e) => e.model).join(', ')}…` });
      const comparison = await compare(entries);
      return { type: 'comparison', id: request.id, comparison, markdown: formatComparison(comparison, 'markdown') };
    }
    case 'profile': {
      const config = request.config;
      const arch = checkedArchitecture(config);
      // A forward pass holds every weight in float32 (and XNNPACK's packed copy): the WSL giants would take GBs.
      const params = countParams(arch);
      if (params > TFJS_TRACE_MAX_PARAMS) {
        throw new ConfigError(
          `${request.model} has ${(params / 1e6).toFixed(0)} M params: too large to profile here (at most ${TFJS_TRACE_MAX_PARAMS / 1e6} M)`,
        );
      }
      post({
        type: 'progress',
        id: request.id,
        message: `Timing ${request.runs} forward pass${request.runs === 1 ? '' : 'es'} of ${request.model} and the machine's ceilings…`,
      });
      const result = await profile(config, {
        model: request.model,
        runs: request.runs,
        ...(request.engine && { engine: request.engine }),
        onLog: engineLog,
        onProgress: (message) => post({ type: 'progress', id: request.id, message: `${request.model}: ${message}…` }),
      });
      return { type: 'profile', id: request.id, profile: result };
    }
    case 'equivalence': {
      const config = request.config;
      post({ type: 'progress', id: request.id, message: `Computing ${request.model} ${request.block} in three forms…` });
      const result = await checkEquivalence(config, { model: request.model, block: request.block });
      return { type: 'equivalence', id: request.id, result };
    }
  }
}

function errorReply(id: number, error: unknown): WorkerResponse {
  if (isInputError(error)) return { type: 'error', id, kind: 'input', message: error.message };
  const e = error instanceof Error ? error : new Error(String(error));
  return { type: 'error', id, kind: 'internal', message: e.message, ...(e.stack !== undefined && { stack: e.stack }) };
}

/**
 * Stopping (the host's cancel, an idle or restarting worker): evaluations are cancelled (their pool workers end
 * themselves), then the thread ends once no onnxruntime call is in flight. TF.js work needs no waiting.
 */
const stopping = new AbortController();
const evaluations = new Set<Promise<unknown>>();
function evaluating<T>(job: Promise<T>): Promise<T> {
  evaluations.add(job);
  const done = (): boolean => evaluations.delete(job);
  job.then(done, done);
  return job;
}

port.on('message', (message: unknown) => {
  if (isWorkerStop(message)) {
    stopping.abort();
    void Promise.allSettled([...evaluations]).then(() => stopWhenIdle(() => process.exit(0)));
    return;
  }
  if (!isWorkerRequest(message)) {
    const id = typeof message === 'object' && message !== null && typeof (message as { id?: unknown }).id === 'number' ? (message as { id: number }).id : 0;
    post({ type: 'error', id, kind: 'internal', message: `the worker received a malformed request: ${JSON.stringify(message)?.slice(0, 200)}` });
    return;
  }
  handle(message).then(post, (error: unknown) => post(errorReply(message.id, error)));
});
