/**
 * The `onnxruntime` engine: onnxruntime-node's CPU execution provider on the graph of onnx.ts (BN folded as the wasm
 * engine folds it, grouped convs as `Conv` with `group`), all graph optimizations, intra-op threads from --threads /
 * resnext.threads. onnxruntime-node is required here only, and only when this engine is chosen: a plain
 * `require('onnxruntime-node')` that the bundles leave external (its native binding ships beside dist/).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type * as Ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { architecture, countParams } from '../architecture';
import type { NetworkConfig } from '../config';
import { staticTrace } from '../shapes';
import { requestedThreadCount } from '../tf';
import type { Engine, EngineOptions, EngineOutput, LayerTimes } from './engine';
import { native } from './native';
import { encodeOnnxModel, externalDataFile, featuresOutputName, onnxModel, weightSourceFor, type WeightSource } from './onnx';

type OrtModule = typeof Ort;
let loaded: { readonly ort: OrtModule } | { readonly error: string } | undefined;

/** onnxruntime-node, or why it cannot load on this platform (tried once per process). */
export function loadOnnxRuntime(): { readonly ort: OrtModule } | { readonly error: string } {
  if (!loaded) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      loaded = { ort: require('onnxruntime-node') as OrtModule };
    } catch (error) {
      const first = (error instanceof Error ? error.message : String(error)).split('\n')[0];
      loaded = { error: `onnxruntime-node cannot load on ${process.platform}/${process.arch}: ${first}` };
    }
  }
  return loaded;
}

function requireOrt(): OrtModule {
  const l = loadOnnxRuntime();
  if ('error' in l) throw new Error(l.error);
  return l.ort;
}

function sessionOptions(threads: number, extra: Ort.InferenceSession.SessionOptions = {}): Ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
    ...extra,
  };
}

/** NCHW [N, K, H, W] → NHWC [N, H, W, K]. */
function toNhwc(data: Float32Array, n: number, k: number, h: number, w: number): Float32Array {
  const out = new Float32Array(data.length);
  const hw = h * w;
  for (let b = 0; b < n; b++) {
    const src = b * k * hw;
    for (let c = 0; c < k; c++) {
      for (let i = 0; i < hw; i++) out[src + i * k + c] = data[src + c * hw + i]!;
    }
  }
  return out;
}

interface TraceEvent {
  readonly cat?: string;
  readonly name?: string;
  readonly ts?: number;
  readonly dur?: number;
  readonly args?: { readonly op_name?: string };
}

/** A node's module: our names are `<module path>/<Op>[_k]`; onnxruntime's fused nodes carry the last op's name with a
 * suffix (`_nchwc`, `_kernel_time`). Nodes the optimizer made itself (layout reorders) have none. */
function moduleOf(nodeName: string): string | undefined {
  const slash = nodeName.lastIndexOf('/');
  return slash > 0 ? nodeName.slice(0, slash) : undefined;
}

class OrtEngine implements Engine {
  private profiled = false;

  constructor(
    private readonly ort: OrtModule,
    private readonly session: Ort.InferenceSession,
    private readonly features: string,
    readonly config: NetworkConfig,
    readonly info: Engine['info'],
    readonly threads: number,
    private readonly fc: Float32Array,
    /** Where the session writes its profile, when built with `profiling`. */
    private readonly profileDir: string | undefined,
    /** A model's temporary folder that could not be removed while the session held its data file. */
    private readonly leftover?: string,
  ) {}

  async run(input: Float32Array, shape: readonly [number, number, number, number], options: { readonly features?: boolean } = {}): Promise<EngineOutput> {
    if (shape[1] !== 3) throw new Error(`input must be [N, 3, H, W], got [${shape.join(', ')}]`);
    const feeds = { input: new this.ort.Tensor('float32', input, [...shape]) };
    const fetches = options.features ? ['logits', this.features] : ['logits'];
    const result = await native(() => this.session.run(feeds, fetches));
    const logits = result.logits!.data as Float32Array;
    if (!options.features) return { logits };
    const f = result[this.features]!;
    const [n, k, h, w] = f.dims as number[];
    return { logits, features: { data: toNhwc(f.data as Float32Array, n!, k!, h!, w!), heightPx: h!, widthPx: w! } };
  }

  fcWeight(): Float32Array {
    return this.fc;
  }

  /**
   * onnxruntime's own profiler (a Chrome trace of every node run): each node's time goes on its module's row; a node
   * the optimizer made itself (ReorderInput/ReorderOutput around NCHWc convs) on the next node run after it, which
   * is the conv it feeds.
   */
  async timeLayers(runs: number, onProgress?: (message: string) => void): Promise<LayerTimes> {
    const { config } = this;
    const arch = architecture(config);
    const calls = staticTrace(arch);
    const rowOf = new Map<string, number>();
    calls.forEach((c, i) => rowOf.set(c.name, i)); // a name called more than once (torchvision's relu) keeps its last row
    const dir = this.profileDir;
    // onnxruntime-node profiles only sessions made with profiling on, and its trace ends once: one profile per engine.
    if (dir === undefined || this.profiled) throw new Error('timeLayers needs an engine built with `profiling` (once)');
    this.profiled = true;
    const session = this.session;
    const shape = [1, 3, config.inputHeightPx, config.inputWidthPx];
    const input = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < input.length; i++) input[i] = Math.sin(i * 0.37) * 2;
    try {
      for (let run = -1; run < runs; run++) {
        const t0 = performance.now();
        await native(() => session.run({ input: new this.ort.Tensor('float32', input, shape) }, ['logits']));
        if (run >= 0) onProgress?.(`warm pass ${run + 1} of ${runs}: ${(performance.now() - t0).toFixed(0)} ms`);
      }
    } finally {
      session.endProfiling();
    }
    let events: TraceEvent[];
    try {
      // The trace is written as <prefix>_<date>.json.
      const trace = fs.readdirSync(dir).find((f) => f.endsWith('.json'));
      if (trace === undefined) throw new Error('onnxruntime wrote no profile');
      events = JSON.parse(fs.readFileSync(path.join(dir, trace), 'utf8')) as TraceEvent[];
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const runEvents = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').sort((a, b) => a.ts! - b.ts!);
    const nodeEvents = events.filter((e) => e.cat === 'Node' && e.name?.endsWith('_kernel_time')).sort((a, b) => a.ts! - b.ts!);
    const perCall: number[][] = calls.map(() => []);
    const totals: number[] = [];
    runEvents.slice(1).forEach((r) => {
      const end = r.ts! + r.dur!;
      const ms = new Array<number>(calls.length).fill(0);
      let carry = 0;
      for (const e of nodeEvents) {
        if (e.ts! < r.ts! || e.ts! > end) continue;
        const module = moduleOf(e.name!.slice(0, -'_kernel_time'.length));
        const row = module === undefined ? undefined : rowOf.get(module);
        if (row === undefined) {
          carry += e.dur! / 1000;
          continue;
        }
        ms[row]! += e.dur! / 1000 + carry;
        carry = 0;
      }
      if (carry > 0) ms[calls.length - 1]! += carry;
      ms.forEach((v, i) => perCall[i]!.push(v));
      totals.push(r.dur! / 1000);
    });
    if (totals.length === 0) throw new Error("onnxruntime's profile holds no warm run");
    return {
      calls,
      perCall,
      totals,
      note:
        "onnxruntime's profiler, per node: conv + BatchNorm + ReLU run as one fused node, timed on the Conv2d row (the BatchNorm2d/ReLU rows after it read 0 ms); " +
        'layout changes around NCHWc convs (ReorderInput/ReorderOutput) are timed on the conv they feed; a block’s add + ReLU on its last ReLU row',
    };
  }

  async ceilings(): Promise<{ gemmGmacPerSecond: number; memoryGBPerSecond: number }> {
    const { ort, threads } = this;
    const fastest = async (bytes: Uint8Array, feeds: Record<string, Ort.Tensor>): Promise<number> => {
      const session = await native(() => ort.InferenceSession.create(bytes, sessionOptions(threads)));
      try {
        const times: number[] = [];
        for (let i = 0; i < 6; i++) {
          const t0 = performance.now();
          await native(() => session.run(feeds));
          times.push(performance.now() - t0);
        }
        return Math.min(...times.slice(1));
      } finally {
        await native(() => session.release());
      }
    };
    const random = (n: number): Float32Array => Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 0.5);
    // One large 1×1 convolution, 56×56, 256 → 512 (as the wasm engine's ceiling).
    const conv = tinyModel(
      [
        {
          opType: 'Conv',
          input: ['x', 'w'],
          output: ['y'],
          name: 'conv',
          attribute: [{ name: 'kernel_shape', ints: [1, 1], type: onnx.AttributeProto.AttributeType.INTS }],
        },
      ],
      [{ name: 'w', dims: [512, 256, 1, 1], data: random(512 * 256) }],
      [['x', [1, 256, 56, 56]]],
      [['y', [1, 512, 56, 56]]],
    );
    const gemmMs = await fastest(conv, { x: new ort.Tensor('float32', random(256 * 56 * 56), [1, 256, 56, 56]) });
    // A large elementwise add: two 32 MiB inputs, one output.
    const n = 8 * 2 ** 20;
    const add = tinyModel(
      [{ opType: 'Add', input: ['a', 'b'], output: ['c'], name: 'add' }],
      [],
      [
        ['a', [n]],
        ['b', [n]],
      ],
      [['c', [n]]],
    );
    const addMs = await fastest(add, {
      a: new ort.Tensor('float32', new Float32Array(n).fill(1), [n]),
      b: new ort.Tensor('float32', new Float32Array(n).fill(2), [n]),
    });
    return { gemmGmacPerSecond: (56 * 56 * 256 * 512) / gemmMs / 1e6, memoryGBPerSecond: (3 * n * 4) / addMs / 1e6 };
  }

  async dispose(): Promise<void> {
    await native(() => this.session.release());
    if (this.profileDir !== undefined) fs.rmSync(this.profileDir, { recursive: true, force: true });
    if (this.leftover !== undefined) removeDir(this.leftover);
  }
}

function tinyModel(
  node: onnx.INodeProto[],
  weights: { name: string; dims: number[]; data: Float32Array }[],
  inputs: [string, number[]][],
  outputs: [string, number[]][],
): Uint8Array {
  const info = ([name, dims]: [string, number[]]): onnx.IValueInfoProto => ({
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } },
  });
  return encodeOnnxModel({
    irVersion: 8,
    graph: {
      name: 'ceiling',
      node,
      initializer: weights.map((w) => ({ name: w.name, dims: w.dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(w.data.buffer) })),
      input: inputs.map(info),
      output: outputs.map(info),
    },
    opsetImport: [{ domain: '', version: 17 }],
  });
}

/** Models from this size of weights on are built as a model file with external data (createEngine). */
export const LARGE_MODEL_BYTES = 128 * 2 ** 20;

/**
 * One block of the network on onnxruntime (the equivalence's block on this engine): the block's part of the graph
 * onnx.ts builds (the same folded weights, the grouped conv as one `Conv` with `group`), on an input NCHW of `shape`.
 * Returns the block's output NHWC (the TF.js forms' layout), and its NCHW shape.
 */
export async function runOnnxRuntimeBlock(
  config: NetworkConfig,
  block: string,
  get: WeightSource,
  input: Float32Array,
  shape: readonly number[],
  threads = requestedThreadCount(),
): Promise<{ readonly info: Engine['info']; readonly output: Float32Array; readonly shape: readonly number[] }> {
  const ort = requireOrt();
  const bytes = encodeOnnxModel(onnxModel(architecture(config), get, { block, dynamicBatch: true, dynamicSize: true }));
  const session = await native(() => ort.InferenceSession.create(bytes, sessionOptions(threads)));
  try {
    const result = await native(() => session.run({ block_input: new ort.Tensor('float32', input, [...shape]) }, ['block_output']));
    const out = result.block_output!;
    const [n, k, h, w] = out.dims as number[];
    return { info: ortInfo(ort), output: toNhwc(out.data as Float32Array, n!, k!, h!, w!), shape: out.dims as number[] };
  } finally {
    await native(() => session.release());
  }
}

const ortInfo = (ort: OrtModule): Engine['info'] => ({ name: 'onnxruntime', version: `onnxruntime-node ${ort.env.versions.node ?? 'unknown'}` });

/** Removes a temporary folder; false where the OS refuses (a file in it still mapped, on Windows). */
function removeDir(dir: string): boolean {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    return true;
  } catch {
    return false;
  }
}

/** A full garbage collection, where V8 allows exposing it (best effort: without it only the peak is higher). */
function collectGarbage(): void {
  try {
    v8.setFlagsFromString('--expose-gc');
    (vm.runInNewContext('gc') as () => void)();
  } catch {
    // not available: the memory is collected later
  }
}

interface PreparedModel {
  /** The model's bytes, or (a large model) the model file whose weights are external data beside it. */
  model: Uint8Array | { readonly file: string; readonly dir: string };
  readonly features: string;
  readonly fcWeight: Float32Array;
}

/**
 * The encoded graph (synchronous): the weights and their folded copies are garbage once this returns. A large model
 * (from `largeModelBytes` of weights) goes to a temporary model file whose initializers are external data, written
 * one folded conv at a time: measured on resnext101_32x8d (355 MB of weights), onnxruntime's peak while loading is
 * 909 MB from the model's bytes or a model file with the weights inside, 673 MB from external data; and the JS
 * side never holds the whole folded model and its protobuf (another 2 × 355 MB) beside the state dict.
 */
function prepareModel(config: NetworkConfig, options: EngineOptions, largeModelBytes: number): PreparedModel {
  const arch = architecture(config);
  const get = weightSourceFor(arch, options);
  const fc = arch.fc;
  const fcWeight = get(`${fc.name}.weight`, [fc.outFeatures, fc.inFeatures]).slice();
  const modelOptions = { dynamicBatch: true, dynamicSize: true, features: true } as const;
  if (countParams(arch) * 4 < largeModelBytes) {
    const model = onnxModel(arch, get, modelOptions);
    return { model: encodeOnnxModel(model), features: featuresOutputName(model)!, fcWeight };
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-onnx-'));
  try {
    const data = externalDataFile(path.join(dir, 'model.onnx.data'));
    let model: ReturnType<typeof onnxModel>;
    try {
      model = onnxModel(arch, get, { ...modelOptions, externalData: data });
    } finally {
      data.close();
    }
    const file = path.join(dir, 'model.onnx');
    fs.writeFileSync(file, encodeOnnxModel(model));
    return { model: { file, dir }, features: featuresOutputName(model)!, fcWeight };
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/** The session on the prepared model; holds no reference to the state dict, so it can be freed while onnxruntime loads. */
async function createEngine(ort: OrtModule, prepared: PreparedModel, config: NetworkConfig, threads: number, profiling: boolean): Promise<Engine> {
  const profileDir = profiling ? fs.mkdtempSync(path.join(os.tmpdir(), 'resnext-profile-')) : undefined;
  const options = sessionOptions(threads, profileDir === undefined ? {} : { enableProfiling: true, profileFilePrefix: path.join(profileDir, 'ort') });
  let session: Ort.InferenceSession;
  let leftover: string | undefined;
  const { model } = prepared;
  if (model instanceof Uint8Array) {
    prepared.model = new Uint8Array(0);
    session = await native(() => ort.InferenceSession.create(model, options));
  } else {
    // A large model: let the caller drop the state dict (this runs after buildEngine has returned), collect it (V8 does
    // not see onnxruntime's native memory, so nothing else prompts it), then let onnxruntime read the files.
    try {
      await new Promise((resolve) => setImmediate(resolve));
      collectGarbage();
      session = await native(() => ort.InferenceSession.create(model.file, options));
    } finally {
      // onnxruntime maps the data file: Windows refuses to delete a mapped file, so then it goes at dispose.
      if (!removeDir(model.dir)) leftover = model.dir;
    }
  }
  return new OrtEngine(ort, session, prepared.features, config, ortInfo(ort), threads, prepared.fcWeight, profileDir, leftover);
}

/**
 * Builds the ONNX graph of `config` with its weights and an onnxruntime session on it (dynamic batch and size). Not
 * async itself: the graph is encoded before it returns, and nothing waiting on the session refers to the weights, so
 * a caller that drops its own reference lets them go while onnxruntime reads the bytes (peak memory).
 */
export function buildOnnxRuntimeEngine(
  config: NetworkConfig,
  options: EngineOptions,
  threads = requestedThreadCount(),
  largeModelBytes = LARGE_MODEL_BYTES,
): Promise<Engine> {
  const ort = requireOrt();
  return createEngine(ort, prepareModel(config, options, largeModelBytes), config, threads, options.profiling === true);
}
