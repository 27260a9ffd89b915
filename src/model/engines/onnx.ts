/**
 * Our architecture as an ONNX model (the `onnxruntime` engine's graph and `resnext export`'s file), encoded with
 * onnx-proto's generated messages (protobufjs). The forward is the one walk every engine runs (shapes.ts
 * `walkForward`), so every family the architecture supports (plain, SE, deep stem, avg-down, CIFAR, WSL; issue 20's
 * BasicBlock, tiered stem, ECA and selective kernels) is here too.
 *
 * - BatchNorm (eval mode) is folded into the conv before it by network.ts's `foldBatchNorm`: the same float32 weights
 *   the wasm engine runs. Grouped 3x3 convs are one `Conv` with `group`.
 * - Every node and value is named after the torchvision (timm, CIFAR-port) module it belongs to, then its op:
 *   `layer1.0.conv2/Conv`, `layer1.0.conv2/Relu` (conv2's fused BN + ReLU: the Conv2d row's time), `layer1.0.relu/Add`.
 *   The module is the first trace row that reports the node's output, else that of the node consuming it, so
 *   onnxruntime's profile (whose fused nodes carry the last op's output name) maps back to the summary's rows.
 * - Outputs: `logits` [N, classes]; with `features`, also the last stage's output (NCHW, the global average pool's
 *   input: what a class activation map weighs) as `features`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { blockConvs, checkBuildable, type Architecture, type BatchNormModule, type Conv1dModule, type ConvModule, type LinearModule } from '../architecture';
import { convOutputSize } from '../config';
import { foldBatchNorm, randomTensorSource } from '../network';
import { checkStateDict, type StateDict } from '../weights/stateDict';
import { ceilPoolOutputSize, walkForward, type ForwardOps, type LeafCall } from '../shapes';

/** PyTorch-layout float32 weights by state-dict key (network.ts's TensorSource). */
export type WeightSource = (key: string, shape: readonly number[]) => Float32Array;

export const DEFAULT_OPSET = 17;
/** The lowest opset whose operators we emit unchanged (Conv, Relu, Add, Mul, Sigmoid, Flatten, Gemm, pools). */
export const MIN_OPSET = 13;
/** The newest opset onnxruntime-node 1.30 implements for these ops; export refuses a higher one. */
export const MAX_OPSET = 21;
/** ONNX IR version 8 (onnx 1.10+): opsets up to 17 need no more; ORT and onnx's checker read it with any later opset. */
const IR_VERSION = 8;
export const PRODUCER = 'resnext-inspector';

export interface OnnxModelOptions {
  /** Default 17. */
  readonly opset?: number;
  /** A symbolic batch dimension (`batch`) instead of 1. */
  readonly dynamicBatch?: boolean;
  /** Symbolic `height` and `width` instead of the configuration's input size (the net is fully convolutional). */
  readonly dynamicSize?: boolean;
  /** A fixed input size instead of the configuration's [height, width]. */
  readonly inputSize?: readonly [number, number];
  /** Also output the last stage's features (`features`, NCHW). */
  readonly features?: boolean;
  /** The producer's version string. */
  readonly producerVersion?: string;
  /** Initializers go to this file instead of the model (ONNX external data), each as soon as it is made. */
  readonly externalData?: ExternalDataSink;
  /**
   * The graph of this one block only (`layer2.0`): input `block_input` [N, C, H, W] (H and W symbolic), output
   * `block_output`, and only the block's initializers (the equivalence's block on an engine).
   */
  readonly block?: string;
}

/**
 * Where a model's initializers are written as ONNX external data: one tensor at a time, each folded just before and
 * dropped just after, so the folded weights of the whole network are never in memory at once (and the model's
 * protobuf holds only their locations). onnxruntime then reads them from the file, without a second in-memory copy
 * of the model (engines/onnxruntime.ts; measured in bench/engines.ts).
 */
export interface ExternalDataSink {
  /** The data file's name as the model refers to it (relative to the model file). */
  readonly location: string;
  /** Appends the bytes; returns where they start. */
  write(bytes: Uint8Array): number;
}

/** Offsets of external data are multiples of this (the allocation granularity onnxruntime maps files with). */
export const EXTERNAL_DATA_ALIGNMENT = 65536;

/** An ExternalDataSink writing to `file` (created or truncated) beside the model; close it before the model is read. */
export function externalDataFile(file: string, location = path.basename(file)): ExternalDataSink & { close(): void } {
  const fd = fs.openSync(file, 'w');
  let end = 0;
  return {
    location,
    write: (bytes) => {
      const offset = Math.ceil(end / EXTERNAL_DATA_ALIGNMENT) * EXTERNAL_DATA_ALIGNMENT;
      for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done, bytes.length - done, offset + done);
      end = offset + bytes.length;
      return offset;
    },
    close: () => fs.closeSync(fd),
  };
}

interface Value {
  /** Index of the producing node, or -1 for the graph input. */
  readonly node: number;
  /** NCHW, or [N, F] after flatten; a symbolic dimension is a string. */
  readonly shape: readonly Dim[];
}
type Dim = number | string;

interface PendingNode {
  readonly op: string;
  readonly inputs: readonly (Value | string)[];
  readonly attributes: readonly onnx.IAttributeProto[];
  /** The trace row that reports this node's output first. */
  owner?: string;
}

const ints = (name: string, values: readonly number[]): onnx.IAttributeProto => ({ name, ints: [...values], type: onnx.AttributeProto.AttributeType.INTS });
const int = (name: string, i: number): onnx.IAttributeProto => ({ name, i, type: onnx.AttributeProto.AttributeType.INT });

function tensorProto(name: string, dims: readonly number[], data: Float32Array, external?: ExternalDataSink): onnx.ITensorProto {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (!external) return { name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, rawData: bytes };
  checkLittleEndian();
  const offset = external.write(bytes);
  return {
    name,
    dims: [...dims],
    dataType: onnx.TensorProto.DataType.FLOAT,
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: external.location },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(bytes.length) },
    ],
  };
}

function int64Proto(name: string, values: readonly number[]): onnx.ITensorProto {
  const data = BigInt64Array.from(values, (v) => BigInt(v));
  return { name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(data.buffer) };
}

function checkLittleEndian(): void {
  if (os.endianness() !== 'LE') throw new Error('ONNX raw_data is little-endian: these float32 arrays are copied as they are in memory');
}

function valueInfo(name: string, shape: readonly Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: onnx.TensorProto.DataType.FLOAT,
        shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

const spatial = (d: Dim, f: (n: number) => number, name: string): Dim => (typeof d === 'number' ? f(d) : `${name}`);

/** The forward of `arch` as an ONNX ModelProto (weights included). */
export function onnxModel(arch: Architecture, get: WeightSource, options: OnnxModelOptions = {}): onnx.IModelProto {
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET)
    throw new RangeError(`opset must be a whole number from ${MIN_OPSET} to ${MAX_OPSET}, got ${opset}`);
  const nodes: PendingNode[] = [];
  const initializers: onnx.ITensorProto[] = [];
  const outputName = new Map<number, string>();
  let sizeParam = 0;
  const emit = (op: string, inputs: (Value | string)[], shape: readonly Dim[], attributes: onnx.IAttributeProto[] = []): Value => {
    nodes.push({ op, inputs, attributes });
    return { node: nodes.length - 1, shape };
  };
  const weight = (name: string, dims: readonly number[], data: Float32Array): string => {
    initializers.push(tensorProto(name, dims, data, options.externalData));
    return name;
  };
  const outSize = (d: Dim, f: (n: number) => number): Dim => spatial(d, f, `${d}_${++sizeParam}`);
  // int64 constants (Reshape's shape, Unsqueeze's and ReduceSum's axes), one initializer per distinct value.
  const int64Names = new Map<string, string>();
  const int64s = (kind: string, values: readonly number[]): string => {
    const name = `${kind}_${values.map((v) => (v < 0 ? `m${-v}` : v)).join('_')}`;
    if (!int64Names.has(name)) {
      int64Names.set(name, name);
      initializers.push(int64Proto(name, values));
    }
    return name;
  };
  let lastMeanInput: Value | undefined;
  const ops: ForwardOps<Value> = {
    shape: (x) => x.shape.map((d) => (typeof d === 'number' ? d : -1)),
    convBn: (x, conv: ConvModule, bn: BatchNormModule | undefined, relu) => {
      const { kernel: k, stride: s, padding: p } = conv;
      const d = conv.dilation ?? 1;
      const dims = [conv.outChannels, conv.inChannels / conv.groups, k, k];
      const raw = get(`${conv.name}.weight`, dims);
      let w = raw;
      let b: Float32Array;
      if (bn) {
        const c = [bn.channels];
        ({ weight: w, bias: b } = foldBatchNorm(raw, conv.outChannels, {
          gamma: get(`${bn.name}.weight`, c),
          beta: get(`${bn.name}.bias`, c),
          runningMean: get(`${bn.name}.running_mean`, c),
          runningVar: get(`${bn.name}.running_var`, c),
        }));
      } else {
        b = conv.bias ? get(`${conv.name}.bias`, [conv.outChannels]) : new Float32Array(conv.outChannels);
      }
      const [n, , h, wd] = x.shape;
      const size = (v: number): number => convOutputSize(v, k, s, p, d);
      const shape = [n!, conv.outChannels, outSize(h!, size), outSize(wd!, size)];
      const y = emit('Conv', [x, weight(`${conv.name}.weight`, dims, w), weight(`${conv.name}.bias`, [conv.outChannels], b)], shape, [
        ints('dilations', [d, d]),
        int('group', conv.groups),
        ints('kernel_shape', [k, k]),
        ints('pads', [p, p, p, p]),
        ints('strides', [s, s]),
      ]);
      return relu ? emit('Relu', [y], shape) : y;
    },
    maxPool: (x) => {
      const [n, c, h, w] = x.shape;
      const size = (v: number): number => convOutputSize(v, 3, 2, 1);
      return emit(
        'MaxPool',
        [x],
        [n!, c!, outSize(h!, size), outSize(w!, size)],
        [ints('kernel_shape', [3, 3]), ints('pads', [1, 1, 1, 1]), ints('strides', [2, 2])],
      );
    },
    avgPool2: (x, stride) => {
      const [n, c, h, w] = x.shape;
      const size = (v: number): number => ceilPoolOutputSize(v, 2, stride);
      return emit(
        'AveragePool',
        [x],
        [n!, c!, outSize(h!, size), outSize(w!, size)],
        [int('ceil_mode', 1), int('count_include_pad', 0), ints('kernel_shape', [2, 2]), ints('strides', [stride, stride])],
      );
    },
    mean: (x) => {
      lastMeanInput = x;
      return emit('GlobalAveragePool', [x], [x.shape[0]!, x.shape[1]!, 1, 1]);
    },
    sigmoid: (x) => emit('Sigmoid', [x], x.shape),
    scale: (x, gate) => emit('Mul', [x, gate], x.shape),
    addRelu: (a, b) => emit('Relu', [emit('Add', [a, b], a.shape)], a.shape),
    flatten: (x) => emit('Flatten', [x], [x.shape[0]!, x.shape[1]!], [int('axis', 1)]),
    linear: (x, fc: LinearModule) => {
      const w = weight(`${fc.name}.weight`, [fc.outFeatures, fc.inFeatures], get(`${fc.name}.weight`, [fc.outFeatures, fc.inFeatures]));
      const b = weight(`${fc.name}.bias`, [fc.outFeatures], get(`${fc.name}.bias`, [fc.outFeatures]));
      return emit('Gemm', [x, w, b], [x.shape[0]!, fc.outFeatures], [int('transB', 1)]);
    },
    scope: (x, run) => run(x),
    // torch's view: Reshape (row-major, as view is); the batch axis is copied from the input (0), so a symbolic batch
    // stays symbolic.
    view: (x, shape) => emit('Reshape', [x, int64s('shape', [0, ...shape.slice(1)])], [x.shape[0]!, ...shape.slice(1)]),
    // ECA's Conv1d(1, 1, k, padding p, bias=False): a 1-D Conv on [N, 1, C].
    conv1d: (x, conv: Conv1dModule) => {
      const w = weight(`${conv.name}.weight`, [1, 1, conv.kernel], get(`${conv.name}.weight`, [1, 1, conv.kernel]));
      return emit('Conv', [x, w], x.shape, [
        ints('dilations', [1]),
        int('group', 1),
        ints('kernel_shape', [conv.kernel]),
        ints('pads', [conv.padding, conv.padding]),
        ints('strides', [1]),
      ]);
    },
    // torch.stack(xs, 1): each [N, C, H, W] unsqueezed to [N, 1, C, H, W], then concatenated on axis 1.
    stack: (xs) => {
      const [n, ...rest] = xs[0]!.shape;
      const parts = xs.map((x) => emit('Unsqueeze', [x, int64s('axes', [1])], [n!, 1, ...rest]));
      return emit('Concat', parts, [n!, xs.length, ...rest], [int('axis', 1)]);
    },
    sumPaths: (x) => {
      const [n, , ...rest] = x.shape;
      return emit('ReduceSum', [x, int64s('axes', [1])], [n!, ...rest], [int('keepdims', 0)]);
    },
    softmaxPaths: (x) => emit('Softmax', [x], x.shape, [int('axis', 1)]),
  };
  const size = options.inputSize ?? [arch.config.inputHeightPx, arch.config.inputWidthPx];
  const inputShape: Dim[] = [options.dynamicBatch ? 'batch' : 1, 3, options.dynamicSize ? 'height' : size[0], options.dynamicSize ? 'width' : size[1]];
  const input: Value = { node: -1, shape: inputShape };
  let blockOutput: Value | undefined;
  const record = (call: LeafCall, value: Value): void => {
    if (call.name === options.block) blockOutput = value;
    const n = nodes[value.node];
    if (n && n.owner === undefined) n.owner = call.name;
  };
  // The walk reports each row with the value it computed: the trace sink sees shapes only, so the last value made is
  // tracked here (every row reports the newest value or one made just before it within the same module).
  let latest: Value = input;
  const tracked: ForwardOps<Value> = {
    ...ops,
    shape: (x) => {
      latest = x;
      return ops.shape(x);
    },
  };
  const out = walkForward(arch, tracked, input, (call) => record(call, latest));
  // A node no row reports (the Conv before its ReLU, the Add before the block's ReLU, a flatten) belongs to the
  // module of the node that consumes it.
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (n.owner !== undefined) continue;
    const consumer = nodes.findIndex((m) => m.inputs.some((v) => typeof v !== 'string' && v.node === i));
    n.owner = consumer >= 0 ? nodes[consumer]!.owner : arch.fc.name;
  }
  const used = new Set<string>();
  nodes.forEach((n, i) => {
    let name = `${n.owner}/${n.op}`;
    for (let k = 1; used.has(name); k++) name = `${n.owner}/${n.op}_${k}`;
    used.add(name);
    outputName.set(i, name);
  });
  outputName.set(out.node, 'logits');
  const nameOf = (v: Value | string): string => (typeof v === 'string' ? v : v.node < 0 ? 'input' : outputName.get(v.node)!);
  const graphOutputs = [valueInfo('logits', out.shape)];
  if (options.features) {
    if (!lastMeanInput) throw new Error('the forward walk took no global average pool'); // a bug if reached
    graphOutputs.push(valueInfo(nameOf(lastMeanInput), lastMeanInput.shape));
  }
  const graph: onnx.IGraphProto = {
    name: 'resnext',
    node: nodes.map((n, i) => ({
      name: outputName.get(i)!,
      opType: n.op,
      input: n.inputs.map(nameOf),
      output: [outputName.get(i)!],
      attribute: [...n.attributes],
    })),
    initializer: initializers,
    input: [valueInfo('input', inputShape)],
    output: graphOutputs,
  };
  return {
    irVersion: IR_VERSION,
    producerName: PRODUCER,
    ...(options.producerVersion !== undefined && { producerVersion: options.producerVersion }),
    graph: options.block === undefined ? graph : blockGraph(graph, arch, options.block, blockOutput && nameOf(blockOutput), blockOutput?.shape, inputShape[0]!),
    opsetImport: [{ domain: '', version: opset }],
  };
}

/**
 * One block's part of the network's graph: its nodes (named `<block>.<module>/<Op>` and `<block>/<Op>`), the one value
 * they take from outside as the input `block_input`, their last value as the output `block_output`.
 */
function blockGraph(
  graph: onnx.IGraphProto,
  arch: Architecture,
  block: string,
  output: string | undefined,
  outputShape: readonly Dim[] | undefined,
  batch: Dim,
): onnx.IGraphProto {
  const spec = arch.blocks.find((b) => b.name === block);
  if (!spec || output === undefined || outputShape === undefined) throw new RangeError(`the network has no block '${block}'`);
  const member = (n: onnx.INodeProto): boolean => n.name!.startsWith(`${block}.`) || n.name!.startsWith(`${block}/`);
  const nodes = (graph.node ?? []).filter(member);
  const produced = new Set(nodes.flatMap((n) => n.output ?? []));
  const weights = new Set((graph.initializer ?? []).map((t) => t.name!));
  const outside = new Set(nodes.flatMap((n) => n.input ?? []).filter((name) => !produced.has(name) && !weights.has(name)));
  if (outside.size !== 1 || !produced.has(output)) throw new Error(`block ${block} takes ${[...outside].join(', ')} from outside (one value expected)`); // a bug if reached
  const input = [...outside][0]!;
  const rename = (name: string): string => (name === input ? 'block_input' : name === output ? 'block_output' : name);
  const used = new Set(nodes.flatMap((n) => n.input ?? []));
  return {
    name: `resnext ${block}`,
    node: nodes.map((n) => ({ ...n, input: (n.input ?? []).map(rename), output: (n.output ?? []).map(rename) })),
    initializer: (graph.initializer ?? []).filter((t) => used.has(t.name!)),
    input: [valueInfo('block_input', [batch, blockConvs(spec)[0]![0].inChannels, 'block_height', 'block_width'])],
    output: [valueInfo('block_output', outputShape)],
  };
}

/** The graph output that holds the features, when asked for (`features` in the options). */
export function featuresOutputName(model: onnx.IModelProto): string | undefined {
  return model.graph?.output?.[1]?.name ?? undefined;
}

/** The model's bytes (protobuf). Deterministic: the same architecture and weights give the same bytes. */
export function encodeOnnxModel(model: onnx.IModelProto): Uint8Array {
  checkLittleEndian();
  return onnx.ModelProto.encode(model).finish();
}

/** What a reader of a model file sees, in plain numbers and strings. */
export interface DecodedModel {
  readonly opset: number;
  readonly nodes: readonly {
    readonly name: string;
    readonly opType: string;
    readonly input: string[];
    readonly output: string[];
    readonly attributes: ReadonlyMap<string, number | number[]>;
  }[];
  readonly initializers: readonly { readonly name: string; readonly dims: number[]; readonly floats: number }[];
  readonly inputs: readonly { readonly name: string; readonly dims: (number | string)[] }[];
  readonly outputs: readonly { readonly name: string; readonly dims: (number | string)[] }[];
}

/** Decodes a model's bytes (tests, and checking what was written). */
export function decodeOnnxModel(bytes: Uint8Array): DecodedModel {
  const m = onnx.ModelProto.decode(bytes);
  const g = m.graph ?? {};
  const info = (v: onnx.IValueInfoProto): { name: string; dims: (number | string)[] } => ({
    name: v.name ?? '',
    dims: (v.type?.tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue ?? 0))),
  });
  return {
    opset: Number(m.opsetImport?.[0]?.version ?? 0),
    nodes: (g.node ?? []).map((n) => ({
      name: n.name ?? '',
      opType: n.opType ?? '',
      input: n.input ?? [],
      output: n.output ?? [],
      attributes: new Map((n.attribute ?? []).map((a) => [a.name ?? '', a.ints && a.ints.length > 0 ? a.ints.map(Number) : Number(a.i ?? 0)])),
    })),
    initializers: (g.initializer ?? []).map((t) => ({ name: t.name ?? '', dims: (t.dims ?? []).map(Number), floats: (t.rawData?.length ?? 0) / 4 })),
    inputs: (g.input ?? []).map(info),
    outputs: (g.output ?? []).map(info),
  };
}

/** The weights a model is built from: a state dict (checked against the architecture first), else seeded random ones. */
export function weightSourceFor(
  arch: Architecture,
  options: { readonly stateDict?: StateDict; readonly source?: string; readonly seed?: number },
): WeightSource {
  checkBuildable(arch);
  const { stateDict } = options;
  if (stateDict) {
    checkStateDict(stateDict, arch, options.source ?? 'the state dict');
    return (key) => {
      const t = stateDict.get(key);
      if (!t) throw new Error(`state dict has no ${key}`); // checkStateDict ran first; this is a bug if reached
      return t.data;
    };
  }
  const random = randomTensorSource(arch, options.seed ?? 0);
  return (key) => random(key).data;
}
