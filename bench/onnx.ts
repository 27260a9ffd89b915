/**
 * An ONNX model of one of our architectures, written from `architecture(config)` and `walkForward` (the forward our
 * TF.js network runs), for the bench's onnxruntime-node baseline: ORT then times the same computation as our engine.
 * BN is folded into each conv with network.ts `foldBatchNorm`, as our network does, so both run conv+bias(+ReLU) with
 * the same float32 weights. Every variant `walkForward` knows is covered (deep stem, SE, avg-down, CIFAR layout).
 *
 * Serialization is a small protobuf writer for the few ONNX messages needed (onnx/onnx.proto, proto2 field numbers
 * below), not a dependency: varints, length-delimited fields, float32 weights as little-endian raw_data.
 */
import * as os from 'node:os';
import type { Architecture, BatchNormModule, ConvModule, LinearModule } from '../src/model/architecture';
import { convOutputSize } from '../src/model/config';
import { foldBatchNorm } from '../src/model/network';
import { ceilPoolOutputSize, walkForward, type ForwardOps } from '../src/model/shapes';

// ---- protobuf wire format -------------------------------------------------------------------------------------

/** An encoded message as chunks (weights are referenced, not copied, until the final `concat`). */
type Encoded = Uint8Array[];

const byteLength = (parts: Encoded): number => parts.reduce((n, p) => n + p.length, 0);

/** Base-128 varint; a negative int64 is written as its 64-bit two's complement (ten bytes), as protobuf does. */
export function varint(value: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v > 0n ? low | 0x80 : low);
  } while (v > 0n);
  return Uint8Array.from(out);
}

const WIRE_VARINT = 0;
const WIRE_BYTES = 2;
const tag = (field: number, wire: number): Uint8Array => varint((field << 3) | wire);
const intField = (field: number, value: number): Encoded => [tag(field, WIRE_VARINT), varint(value)];
const bytesField = (field: number, parts: Encoded): Encoded => [tag(field, WIRE_BYTES), varint(byteLength(parts)), ...parts];
const stringField = (field: number, s: string): Encoded => bytesField(field, [new TextEncoder().encode(s)]);
/** proto2 `repeated int64` unpacked (one tag per element), as onnx.proto declares them; parsers take both forms. */
const intsField = (field: number, values: readonly number[]): Encoded => values.flatMap((v) => intField(field, v));

export function concat(parts: Encoded): Uint8Array {
  const out = new Uint8Array(byteLength(parts));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---- ONNX messages --------------------------------------------------------------------------------------------

export type Attribute = number | readonly number[];

export interface OnnxNode {
  readonly op: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, Attribute>>;
}

export interface Initializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array;
}

export interface ValueInfo {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly Initializer[];
  readonly inputs: readonly ValueInfo[];
  readonly outputs: readonly ValueInfo[];
}

const TENSOR_FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTRIBUTE_INT = 2; // AttributeProto.AttributeType.INT
const ATTRIBUTE_INTS = 7; // AttributeProto.AttributeType.INTS

/** AttributeProto: name 1, i 3, ints 8, type 20. */
function attribute(name: string, value: Attribute): Encoded {
  const body = typeof value === 'number' ? [...intField(3, value), ...intField(20, ATTRIBUTE_INT)] : [...intsField(8, value), ...intField(20, ATTRIBUTE_INTS)];
  return [...stringField(1, name), ...body];
}

/** NodeProto: input 1, output 2, name 3, op_type 4, attribute 5. */
function node(n: OnnxNode): Encoded {
  return [
    ...n.inputs.flatMap((i) => stringField(1, i)),
    ...n.outputs.flatMap((o) => stringField(2, o)),
    ...stringField(3, n.name),
    ...stringField(4, n.op),
    ...Object.entries(n.attributes ?? {}).flatMap(([k, v]) => bytesField(5, attribute(k, v))),
  ];
}

/** TensorProto: dims 1, data_type 2, name 8, raw_data 9 (little-endian float32). */
function tensor(t: Initializer): Encoded {
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  return [...intsField(1, t.dims), ...intField(2, TENSOR_FLOAT), ...stringField(8, t.name), ...bytesField(9, [raw])];
}

/** ValueInfoProto { name 1, type 2: TypeProto { tensor_type 1: { elem_type 1, shape 2: { dim 1: { dim_value 1 } } } } }. */
function valueInfo(v: ValueInfo): Encoded {
  const shape = v.shape.flatMap((d) => bytesField(1, intField(1, d)));
  const tensorType = [...intField(1, TENSOR_FLOAT), ...bytesField(2, shape)];
  return [...stringField(1, v.name), ...bytesField(2, bytesField(1, tensorType))];
}

/** GraphProto: node 1, name 2, initializer 5, input 11, output 12. */
function graphProto(g: OnnxGraph): Encoded {
  return [
    ...g.nodes.flatMap((n) => bytesField(1, node(n))),
    ...stringField(2, g.name),
    ...g.initializers.flatMap((t) => bytesField(5, tensor(t))),
    ...g.inputs.flatMap((v) => bytesField(11, valueInfo(v))),
    ...g.outputs.flatMap((v) => bytesField(12, valueInfo(v))),
  ];
}

/** ModelProto: ir_version 1, producer_name 2, graph 7, opset_import 8 (OperatorSetIdProto: domain 1, version 2). */
export function encodeModel(g: OnnxGraph, opset = 13, irVersion = 8): Uint8Array {
  if (os.endianness() !== 'LE') throw new Error('raw_data is little-endian: this writer copies float32 memory as is');
  return concat([
    ...intField(1, irVersion),
    ...stringField(2, 'resnext-inspector bench'),
    ...bytesField(7, graphProto(g)),
    ...bytesField(8, [...stringField(1, ''), ...intField(2, opset)]),
  ]);
}

// ---- the graph of an architecture ------------------------------------------------------------------------------

/** PyTorch-layout float32 weights by state-dict key (network.ts's TensorSource). */
export type WeightSource = (key: string, shape: readonly number[]) => Float32Array;

interface Value {
  readonly name: string;
  /** NCHW, or [N, F] after flatten. */
  readonly shape: readonly number[];
}

/** The forward of `arch` as an ONNX graph: input `input` [batch, 3, H, W], output `logits` [batch, numClasses]. */
export function onnxGraph(arch: Architecture, get: WeightSource, batch = 1): OnnxGraph {
  const nodes: OnnxNode[] = [];
  const initializers: Initializer[] = [];
  const used = new Map<string, number>();
  const fresh = (base: string): string => {
    const n = used.get(base) ?? 0;
    used.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  };
  const emit = (op: string, base: string, inputs: string[], shape: readonly number[], attributes?: Record<string, Attribute>): Value => {
    const name = fresh(base);
    nodes.push({ op, name, inputs, outputs: [name], ...(attributes ? { attributes } : {}) });
    return { name, shape };
  };
  const weight = (name: string, dims: readonly number[], data: Float32Array): string => {
    initializers.push({ name, dims, data });
    return name;
  };
  const ops: ForwardOps<Value> = {
    shape: (x) => x.shape,
    convBn: (x, conv: ConvModule, bn: BatchNormModule | undefined, relu) => {
      const { kernel: k, stride: s, padding: p } = conv;
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
      const shape = [n!, conv.outChannels, convOutputSize(h!, k, s, p), convOutputSize(wd!, k, s, p)];
      const y = emit('Conv', conv.name, [x.name, weight(`${conv.name}.weight`, dims, w), weight(`${conv.name}.bias`, [conv.outChannels], b)], shape, {
        kernel_shape: [k, k],
        strides: [s, s],
        pads: [p, p, p, p],
        dilations: [1, 1],
        group: conv.groups,
      });
      return relu ? emit('Relu', `${conv.name}.relu`, [y.name], shape) : y;
    },
    maxPool: (x) => {
      const [n, c, h, w] = x.shape;
      return emit('MaxPool', 'maxpool', [x.name], [n!, c!, convOutputSize(h!, 3, 2, 1), convOutputSize(w!, 3, 2, 1)], {
        kernel_shape: [3, 3],
        strides: [2, 2],
        pads: [1, 1, 1, 1],
      });
    },
    avgPool2: (x, stride) => {
      const [n, c, h, w] = x.shape;
      const shape = [n!, c!, ceilPoolOutputSize(h!, 2, stride), ceilPoolOutputSize(w!, 2, stride)];
      return emit('AveragePool', 'avgpool2', [x.name], shape, { kernel_shape: [2, 2], strides: [stride, stride], ceil_mode: 1, count_include_pad: 0 });
    },
    mean: (x) => emit('GlobalAveragePool', 'mean', [x.name], [x.shape[0]!, x.shape[1]!, 1, 1]),
    sigmoid: (x) => emit('Sigmoid', 'sigmoid', [x.name], x.shape),
    scale: (x, gate) => emit('Mul', 'scale', [x.name, gate.name], x.shape),
    addRelu: (a, b) => emit('Relu', 'relu', [emit('Add', 'add', [a.name, b.name], a.shape).name], a.shape),
    flatten: (x) => emit('Flatten', 'flatten', [x.name], [x.shape[0]!, x.shape[1]!], { axis: 1 }),
    linear: (x, fc: LinearModule) => {
      const w = weight(`${fc.name}.weight`, [fc.outFeatures, fc.inFeatures], get(`${fc.name}.weight`, [fc.outFeatures, fc.inFeatures]));
      const b = weight(`${fc.name}.bias`, [fc.outFeatures], get(`${fc.name}.bias`, [fc.outFeatures]));
      return emit('Gemm', fc.name, [x.name, w, b], [x.shape[0]!, fc.outFeatures], { transB: 1 });
    },
    scope: (x, run) => run(x),
  };
  const input: Value = { name: 'input', shape: [batch, 3, arch.config.inputHeightPx, arch.config.inputWidthPx] };
  const out = walkForward(arch, ops, input);
  // The last node's output is renamed to the graph's output name.
  const last = nodes.pop()!;
  nodes.push({ ...last, outputs: ['logits'] });
  return { name: 'resnext', nodes, initializers, inputs: [input], outputs: [{ name: 'logits', shape: out.shape }] };
}
