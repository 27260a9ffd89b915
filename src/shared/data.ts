/**
 * The plain-JSON data that crosses every boundary (CLI output, worker → host → webview): one valibot schema each,
 * and the TypeScript types inferred from them. The core builds these types (src/model re-exports them under its own
 * names), the protocol carries them, and the same schemas check them at run time where they arrive from another
 * thread or a page script. One source: a field added here is in the type, the validator and the JSON at once.
 *
 * Pure: no vscode, no DOM, no TF.js, so the webview, the extension host and the worker can all import it.
 */
import * as v from 'valibot';

const ro = <T extends v.GenericSchema>(schema: T) => v.pipe(schema, v.readonly());
const count = v.pipe(v.number(), v.finite(), v.minValue(0));
const integer = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const shape = ro(v.array(integer));
const pair = ro(v.tuple([integer, integer]));
const pair2 = ro(v.tuple([v.number(), v.number()]));
const pngDataUri = v.pipe(v.string(), v.startsWith('data:image/png;base64,'));

export const SUMMARY_SCHEMA = 'resnext-inspector/summary@1';
export const COMPARE_SCHEMA = 'resnext-inspector/compare@1';
export const EQUIVALENCE_SCHEMA = 'resnext-inspector/equivalence@1';
export const EVALUATE_SCHEMA = 'resnext-inspector/evaluate@1';

/**
 * A network configuration (torchvision's ResNet/ResNeXt, timm's SE/deep-stem/avg-down variants, the CIFAR layout).
 * Bottleneck width = int(planes · widthPerGroup / 64) · groups; stage planes are baseWidth · [1, 2, 4, 8]
 * (torchvision/models/resnet.py, Xie et al. 2017).
 */
const NetworkConfigObject = v.object({
  /** Bottleneck blocks per stage: four (layer1..layer4; torchvision: [3,4,6,3] (50), [3,4,23,3] (101), [3,8,36,3]
   * (152)) or three in the CIFAR layout (stage_1..stage_3; ResNeXt-29: [3,3,3]). */
  layers: ro(v.pipe(v.array(integer), v.minLength(3), v.maxLength(4))),
  /** Cardinality C: groups of the 3x3 convolution in every Bottleneck. */
  groups: integer,
  /** Width per group d at base width 64. */
  widthPerGroup: integer,
  /** Stem channels; stage planes are baseWidth * [1, 2, 4, 8]. torchvision: 64. */
  baseWidth: integer,
  /** Outputs of the final Linear layer. ImageNet-1K: 1000. */
  numClasses: integer,
  /** Input height in pixels of the traced 1x3xHxW tensor. */
  inputHeightPx: integer,
  /** Input width in pixels. */
  inputWidthPx: integer,
  /** Squeeze-and-Excitation after bn3, before the residual add (timm `attn_layer='se'`, SEModule): global mean,
   * 1x1 conv C→rd with bias, ReLU, 1x1 conv rd→C with bias, sigmoid gate; rd = make_divisible(C/16, 8, round_limit=0). */
  se: v.optional(v.boolean()),
  /** `deep`: timm's stem_type='deep' (3x3 convs 3→w stride 2, w→w, w→2w, BN+ReLU between; w = stemWidth);
   * `tiered`: timm's 'deep_tiered' (3→3·(w//4), →w, →2w). */
  stem: v.optional(v.picklist(['standard', 'deep', 'tiered'])),
  /** timm stem_width of the deep and tiered stems (their output has 2·stemWidth channels); absent: baseWidth / 2. */
  stemWidth: v.optional(integer),
  /** Residual block: absent = Bottleneck (1x1, grouped 3x3, 1x1; expansion 4); `basic` = BasicBlock (3x3, 3x3;
   * expansion 1; ResNet-18/34); `selective-kernel` = timm SelectiveKernelBottleneck (the 3x3 is SelectiveKernel:
   * a 3x3 and a dilated 3x3 path, mixed by a softmax attention; skresnext50_32x4d). */
  block: v.optional(v.picklist(['basic', 'selective-kernel'])),
  /** Efficient Channel Attention where SE would be (timm `attn_layer='eca'`, EcaModule): global mean, Conv1d(1, 1, k)
   * across channels without bias, sigmoid gate; k from the channel count (odd, >= 3). Not with `se`. */
  eca: v.optional(v.boolean()),
  /** timm avg_down: the shortcut is AvgPool2d(2, stride, ceil_mode=True, count_include_pad=False) (Identity at
   * stride 1), then a 1x1 conv (stride 1) + BN. */
  avgDown: v.optional(v.boolean()),
  /** CIFAR ResNeXt (Xie et al. §5.2): 3x3 stem conv + BN + ReLU, no max pool, three stages, 8x8 average pool. */
  cifar: v.optional(v.boolean()),
});
export const NetworkConfigSchema = ro(
  v.pipe(
    NetworkConfigObject,
    // Three stages only in the CIFAR layout.
    v.check((c) => c.layers.length === 4 || (c.layers.length === 3 && c.cifar === true), 'layers: 4 stages, or 3 with cifar'),
  ),
);
export type NetworkConfig = v.InferOutput<typeof NetworkConfigSchema>;
export type StageDepths = NetworkConfig['layers'];

/** One row per leaf-module call, in forward order (torchsummary's rows), with params, MACs and dense equivalents. */
export const LayerRowSchema = ro(
  v.object({
    /** torchvision's module name, e.g. `layer1.0.conv2` (a ReLU module called three times per block appears three times). */
    name: v.string(),
    /** The module's class: Conv2d, BatchNorm2d, ReLU, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Flatten, Identity, Sigmoid, Linear. */
    type: v.string(),
    /** PyTorch NCHW (or [N, features] for Linear). */
    outputShape: shape,
    params: integer,
    /** Conv2d = Cout · (Cin / groups) · kh · kw · Hout · Wout; Linear = in · out; nothing else counts. */
    macs: integer,
    /** Conv2d only. */
    groups: v.optional(integer),
    kernel: v.optional(pair),
    stride: v.optional(pair),
    /** The same layer with groups = 1 (equal to params / macs for everything that is not a grouped conv). */
    denseParams: integer,
    denseMacs: integer,
  }),
);
export type LayerRow = v.InferOutput<typeof LayerRowSchema>;

/** `stem` (conv1, bn1, relu, maxpool), `layer1` … `layer4`, `head` (avgpool, fc). */
export const StageRowSchema = ro(v.object({ name: v.string(), outputShape: shape, params: integer, macs: integer, denseParams: integer, denseMacs: integer }));
export type StageRow = v.InferOutput<typeof StageRowSchema>;

/** Model totals and torchsummary's four memory lines (its "MB" is MiB). */
export const TotalsSchema = ro(
  v.object({
    params: integer,
    trainableParams: integer,
    macs: integer,
    denseParams: integer,
    denseMacs: integer,
    inputSizeMiB: count,
    forwardBackwardSizeMiB: count,
    paramsSizeMiB: count,
    estimatedTotalSizeMiB: count,
    /** The counting rule of `macs` and of every row's MACs (`--count RULE`); absent: torchvision's. */
    countRule: v.optional(v.lazy(() => CountRuleSchema)),
    /** 2 × macs, with `--flops`. */
    flops: v.optional(integer),
  }),
);
export type Totals = v.InferOutput<typeof TotalsSchema>;

/** The configuration as the summary JSON states it (DESIGN §4). */
export const SummaryConfigSchema = ro(
  v.object({
    layers: shape,
    groups: integer,
    widthPerGroup: integer,
    baseWidth: integer,
    numClasses: integer,
    /** NCHW of the traced input. */
    inputShape: ro(v.tuple([integer, integer, integer, integer])),
    /** Variant switches, present only when on (so torchvision configurations keep the schema they had). */
    se: v.optional(v.literal(true)),
    stem: v.optional(v.picklist(['deep', 'tiered'])),
    avgDown: v.optional(v.literal(true)),
    cifar: v.optional(v.literal(true)),
    /** Issue 20: BasicBlock / selective-kernel blocks, ECA, the deep stems' stem_width. */
    block: v.optional(v.picklist(['basic', 'selective-kernel'])),
    eca: v.optional(v.literal(true)),
    stemWidth: v.optional(integer),
  }),
);
export type SummaryConfig = v.InferOutput<typeof SummaryConfigSchema>;

/** `resnext summarize --format json` (schema resnext-inspector/summary@1). */
const SummaryObject = v.object({
  schema: v.literal(SUMMARY_SCHEMA),
  model: v.string(),
  /** The network's name as shown (src/shared/names.ts modelTitle; absent in summaries saved before it existed). */
  title: v.optional(v.string()),
  config: SummaryConfigSchema,
  layers: ro(v.array(LayerRowSchema)),
  stages: ro(v.array(StageRowSchema)),
  totals: TotalsSchema,
  /** Where the weights came from: absent for the shape trace (zero weights). */
  weights: v.optional(v.string()),
  /** How the shapes were found: a forward pass on TF.js, or the convolution arithmetic (large networks, no weights). */
  tracedBy: v.optional(v.picklist(['tfjs', 'arithmetic'])),
  /** build: checking the weights and setting up; forward: the trace, each layer's weights uploaded at its call. */
  timingsMs: ro(v.object({ build: count, forward: count })),
  /** `--count all`: every rule's totals (src/model/counting.ts). */
  counts: v.optional(v.lazy(() => ro(v.array(CountEntrySchema)))),
});
export const SummarySchema = ro(SummaryObject);
export type Summary = v.InferOutput<typeof SummarySchema>;

export const PROFILE_SCHEMA = 'resnext-inspector/profile@1';

/** What ran the weights (src/model/engines): `onnxruntime` (onnxruntime-node) or `wasm` (TensorFlow.js). */
export const EngineInfoSchema = ro(v.object({ name: v.picklist(['onnxruntime', 'wasm']), version: v.string() }));
export type EngineInfoData = v.InferOutput<typeof EngineInfoSchema>;

/** One row of `resnext profile`: a summary row with its measured time (src/model/profile.ts). */
export const ProfileLayerSchema = ro(
  v.object({
    name: v.string(),
    type: v.string(),
    outputShape: shape,
    /** Median over the runs of the time from the previous trace record to this one. */
    ms: count,
    /** ms / the summed layer times. */
    share: count,
    macs: integer,
    groups: v.optional(integer),
    /** float32 bytes read and written: weights + input + output activations. */
    bytes: integer,
    /** macs / ms, in GMAC/s (0 for layers without multiply-adds or without measurable time). */
    gmacPerSecond: count,
    /** macs / bytes. */
    intensity: count,
  }),
);
export type ProfileLayer = v.InferOutput<typeof ProfileLayerSchema>;

/** The convolutions of one kind (grouped: groups > 1; dense: groups = 1): how many, their time and MACs, and their
 * shares of all layers' time (layersMs) and of all MACs. */
export const ConvShareSchema = ro(v.object({ count: integer, ms: count, macs: integer, timeShare: count, macsShare: count }));
export type ConvShare = v.InferOutput<typeof ConvShareSchema>;

/** `resnext profile --format json` (schema resnext-inspector/profile@1): where a forward pass spends its time. */
export const ProfileSchema = ro(
  v.object({
    schema: v.literal(PROFILE_SCHEMA),
    model: v.string(),
    /** What ran it (absent in profiles from before the engines). */
    engine: v.optional(EngineInfoSchema),
    threads: integer,
    runs: integer,
    inputShape: ro(v.tuple([integer, integer, integer, integer])),
    /** Median of the measured forward passes (input to logits read back). */
    totalMs: count,
    /** Sum of the per-layer medians: close to totalMs (the rest is the input transpose and reading the logits). */
    layersMs: count,
    layers: ro(v.array(ProfileLayerSchema)),
    /** The review question (Xie et al. leave it open): what grouped convolutions cost in time against their MACs. */
    convs: ro(v.object({ grouped: ConvShareSchema, dense: ConvShareSchema })),
    /** The roofline's ceilings, measured in the same run: GEMM rate of one large 1×1 conv, bandwidth of a large add. */
    peak: ro(v.object({ gemmGmacPerSecond: count, memoryGBPerSecond: count })),
    note: v.string(),
  }),
);
export type Profile = v.InferOutput<typeof ProfileSchema>;

/** One column of a comparison: a summary's totals and stage rows. */
export const ComparedModelSchema = ro(
  v.object({
    model: v.string(),
    config: SummaryConfigSchema,
    totals: TotalsSchema,
    stages: ro(v.array(StageRowSchema)),
    /** `--count all`. */
    counts: v.optional(v.lazy(() => ro(v.array(CountEntrySchema)))),
  }),
);
export type ComparedModel = v.InferOutput<typeof ComparedModelSchema>;

export const ComparisonSchema = ro(
  v.object({
    schema: v.literal(COMPARE_SCHEMA),
    models: ro(v.pipe(v.array(ComparedModelSchema), v.minLength(1))),
    /** `resnext compare --measure` (`--both-engines`): each model's median warm forward, per engine that timed it. */
    measured: v.optional(
      ro(
        v.array(
          ro(
            v.object({
              engine: EngineInfoSchema,
              models: ro(v.array(ro(v.object({ model: v.string(), totalMs: v.pipe(v.number(), v.minValue(0)), threads: v.number(), runs: v.number() })))),
            }),
          ),
        ),
      ),
    ),
  }),
);
export type Comparison = v.InferOutput<typeof ComparisonSchema>;

/** A built-in comparison of the core, as listed in the quick pick. */
export const ComparisonPresetInfoSchema = ro(v.object({ id: v.string(), title: v.string(), description: v.string() }));
export type ComparisonPresetInfo = v.InferOutput<typeof ComparisonPresetInfoSchema>;

/** What one form of a block costs. */
export const FormOpsSchema = ro(
  v.object({
    /** Convolution ops the form executes. */
    convOps: integer,
    macs: integer,
    /** Every TF.js kernel executed (convolutions, adds, ReLUs, concat, reshapes, sums …). */
    kernels: integer,
  }),
);
export type FormOps = v.InferOutput<typeof FormOpsSchema>;

const diffPair = ro(v.object({ aVsC: count, bVsC: count }));

/** The split-transform-merge equivalence of one block (schema resnext-inspector/equivalence@1). */
export const EquivalenceSchema = ro(
  v.object({
    schema: v.literal(EQUIVALENCE_SCHEMA),
    model: v.string(),
    /** `layer2.0` */
    block: v.string(),
    /** `random (seed 0)` or where the state dict came from. */
    weights: v.string(),
    /** Seed of the random input (and of the random weights when no state dict is given). */
    seed: integer,
    /** Cardinality C (= groups) and path width d (= bottleneck width / C). */
    cardinality: integer,
    pathWidth: integer,
    /** NCHW: the block's input as it is inside the network at the configured input size, batch 1. */
    inputShape: shape,
    outputShape: shape,
    /** The block's shortcut: the input itself, or a downsample (1x1 conv with the block's stride + BN; avg-down: pool, 1x1 conv, BN). */
    shortcut: v.picklist(['identity', 'downsample']),
    /** Scale of the output, to read the differences against. */
    maxAbsOutput: count,
    maxAbsDiff: diffPair,
    meanAbsDiff: diffPair,
    ops: ro(v.object({ a: FormOpsSchema, b: FormOpsSchema, c: FormOpsSchema })),
    tolerance: count,
    /** Both max abs differences ≤ tolerance (and the engine's, where it ran the block). */
    equivalent: v.boolean(),
    /**
     * Which engine ran what, when one was chosen (`resnext equivalence --weights`, its --engine): forms (a), (b), (c)
     * always run on TF.js wasm, where tf.profile counts their kernels. On onnxruntime the block also runs there (its
     * part of the ONNX graph) and is compared with (c): `maxAbsDiffVsC`, `meanAbsDiffVsC`. On wasm, (c) is the
     * engine's own computation, and there is nothing more to run.
     */
    engine: v.optional(
      ro(v.object({ name: v.picklist(['onnxruntime', 'wasm']), version: v.string(), maxAbsDiffVsC: v.optional(count), meanAbsDiffVsC: v.optional(count) })),
    ),
  }),
);
export type Equivalence = v.InferOutput<typeof EquivalenceSchema>;

export const TopClassSchema = ro(v.object({ index: integer, label: v.string(), probability: v.pipe(v.number(), v.minValue(0), v.maxValue(1)) }));
export type TopClass = v.InferOutput<typeof TopClassSchema>;

/** One image classified in the extension: what the classification view shows. */
export const ClassificationViewSchema = ro(
  v.object({
    image: v.string(),
    model: v.string(),
    /** The network's name as shown (src/shared/names.ts modelTitle); `model` is the exact configuration. */
    title: v.string(),
    weights: v.string(),
    top: ro(v.array(TopClassSchema)),
    widthPx: integer,
    heightPx: integer,
    /** The image's mode as Pillow names it (L, RGB, RGBA, P, CMYK, …) before conversion to RGB. */
    mode: v.string(),
    preprocessing: ro(v.object({ resizePx: integer, cropPx: integer })),
    engine: v.optional(EngineInfoSchema),
    /** Loading the weights (0 when the network was warm), decoding, preprocessing, the forward pass. */
    timingsMs: ro(v.object({ load: count, decode: count, preprocess: count, forward: count })),
    /** Class activation maps for the view: the center crop and one heatmap per top class (PNG data: URIs made by the core). */
    cam: v.optional(
      ro(
        v.object({
          crop: pngDataUri,
          maps: ro(v.array(ro(v.object({ class: integer, heatmap: pngDataUri, min: v.number(), max: v.number() })))),
        }),
      ),
    ),
  }),
);
export type ClassificationView = v.InferOutput<typeof ClassificationViewSchema>;

/** A fraction in [0, 1], or null where there is nothing to measure (a flat folder, a class whose images all failed). */
const fraction = v.nullable(v.pipe(v.number(), v.minValue(0), v.maxValue(1)));

export const PerClassSchema = ro(v.object({ class: v.string(), index: integer, count: integer, correct: integer, accuracy: fraction, top5: fraction }));
export type PerClass = v.InferOutput<typeof PerClassSchema>;

/**
 * `resnext evaluate DIR --shard K/N`: which slice of which folder an evaluate@1 result holds, and what it was run with,
 * so that `--merge` can check the shards belong to one run (src/model/evaluateShard.ts). Absent from a whole run.
 */
const positiveInteger = v.pipe(v.number(), v.safeInteger(), v.minValue(1));
const sha256Hex = v.pipe(v.string(), v.regex(/^[0-9a-f]{64}$/));
export const EvaluateShardSchema = ro(
  v.object({
    /** K of K/N, from 1. */
    index: positiveInteger,
    /** N of K/N. */
    count: positiveInteger,
    /** Shard K holds the listing's samples floor((K−1)·T/N) … floor(K·T/N)−1, T = folderImages (ImageFolder order). */
    rule: v.literal('contiguous'),
    folderImages: integer,
    /** sha256 of the whole folder's listing (classes, then every sample's path and class index). */
    folderSha256: sha256Hex,
    /** The network, as the evaluation names it. */
    model: v.string(),
    /** The weights file: its name, its bytes' sha256 and the state dict read from it (null: the default one). */
    weights: ro(v.object({ name: v.string(), sha256: sha256Hex, stateDict: v.nullable(v.string()) })),
    /** What was asked for besides the network's own preprocessing (null: not overridden). */
    preprocessing: ro(
      v.object({
        resizePx: v.nullable(integer),
        cropPx: v.nullable(integer),
        interpolation: v.nullable(v.string()),
        torchvisionResizePx: v.nullable(integer),
      }),
    ),
    topK: integer,
  }),
);
export type EvaluateShard = v.InferOutput<typeof EvaluateShardSchema>;

/** `resnext evaluate --format json` (schema resnext-inspector/evaluate@1): accuracy on an ImageFolder. */
export const EvaluateSchema = ro(
  v.object({
    schema: v.literal(EVALUATE_SCHEMA),
    /** What ran the weights (absent in results from before the engines). */
    engine: v.optional(EngineInfoSchema),
    /** Images classified (failed ones are not counted). */
    count: integer,
    top1: fraction,
    top5: fraction,
    /** Class folder names in sorted order (the class index is the position); empty for a flat folder. */
    classes: ro(v.array(v.string())),
    perClass: ro(v.array(PerClassSchema)),
    /** [true class][predicted class] over the folder's classes. */
    confusion: ro(v.array(ro(v.array(integer)))),
    /** `path` relative to the folder with '/', `label` the class index (null in a flat folder), the K best and their probabilities. */
    files: ro(v.array(ro(v.object({ path: v.string(), label: v.nullable(integer), top5: ro(v.array(integer)), probs: ro(v.array(v.number())) })))),
    failed: ro(v.array(ro(v.object({ path: v.string(), reason: v.string() })))),
    imagesPerSecond: count,
    /** Only in the result of `evaluate --shard K/N`. */
    shard: v.optional(EvaluateShardSchema),
  }),
);
export type EvaluateJson = v.InferOutput<typeof EvaluateSchema>;

/** A folder evaluated in the extension: what the evaluation view shows and exports. */
export const EvaluationViewSchema = ro(
  v.object({
    folder: v.string(),
    model: v.string(),
    title: v.string(),
    weights: v.string(),
    engine: v.optional(EngineInfoSchema),
    workers: integer,
    elapsedMs: count,
    imagesPerSecond: count,
    count: integer,
    top1: fraction,
    top5: fraction,
    classes: ro(v.array(v.string())),
    /** The network's class names (predictions index into them). */
    labels: ro(v.array(v.string())),
    perClass: ro(v.array(PerClassSchema)),
    confusion: ro(v.array(ro(v.array(integer)))),
    /** `thumbnail`: a small PNG re-encoded by the core (never the file's own bytes). */
    files: ro(
      v.array(
        ro(
          v.object({
            path: v.string(),
            label: v.nullable(integer),
            top: ro(v.array(integer)),
            probs: ro(v.array(v.number())),
            ms: count,
            thumbnail: v.optional(pngDataUri),
          }),
        ),
      ),
    ),
    failed: ro(v.array(ro(v.object({ path: v.string(), reason: v.string() })))),
    /** Formatted by the core in the worker: evaluate@1 JSON, the per-class CSV, the per-file predictions CSV. */
    exports: ro(v.object({ json: v.string(), csv: v.string(), predictions: v.string() })),
  }),
);
export type EvaluationView = v.InferOutput<typeof EvaluationViewSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Checkpoint inspection and conversion (resnext inspect / convert, the extension's Inspect Checkpoint view)

export const INSPECT_SCHEMA = 'resnext-inspector/inspect@1';

/** One node of a checkpoint's key tree (src/model/weights/inspect.ts). */
export interface InspectNode {
  /** The key, index or attribute name under its parent ('' for the root). */
  readonly name: string;
  /** dict, list, tuple, set, object, global, storage, tensor, str, int, float, bool, None, bytes, or 'ref' for a value seen before. */
  readonly type: string;
  /** Scalars' values (long strings cut), an object's or global's "module.name", a ref's first path, a container's item count. */
  readonly value?: string;
  readonly shape?: readonly number[];
  readonly dtype?: string;
  /** A tensor's bytes in the file (numel × element size). */
  readonly bytes?: number;
  readonly children?: readonly InspectNode[];
  /** Children left out beyond the node cap. */
  readonly omitted?: number;
}
export const InspectNodeSchema: v.GenericSchema<InspectNode> = ro(
  v.object({
    name: v.string(),
    type: v.string(),
    value: v.optional(v.string()),
    shape: v.optional(shape),
    dtype: v.optional(v.string()),
    bytes: v.optional(integer),
    children: v.optional(ro(v.array(v.lazy(() => InspectNodeSchema)))),
    omitted: v.optional(integer),
  }),
);

export const CANDIDATE_KINDS = ['state dict', 'module', 'TorchScript module'] as const;
export const GLOBAL_STATUSES = ['allowed', 'recorded, not run'] as const;

/** A place in a checkpoint that holds named tensors (src/model/weights/find.ts). */
export const CandidateSummarySchema = ro(
  v.object({
    /** '' for the file itself, else the keys from the root joined with '/' (e.g. `state_dict_ema`). */
    key: v.string(),
    kind: v.picklist(CANDIDATE_KINDS),
    tensors: integer,
    /** A module's class, e.g. `__main__.TinyResNeXt`. */
    className: v.optional(v.string()),
    /** The prefix in front of torchvision's names ('' for none); absent when the names are not torchvision's. */
    torchvisionPrefix: v.optional(v.string()),
  }),
);
export type CandidateSummary = v.InferOutput<typeof CandidateSummarySchema>;

export const WEIGHTS_FORMATS = ['zip', 'legacy', 'torchscript', 'safetensors'] as const;

/** `resnext inspect --format json` (schema resnext-inspector/inspect@1). */
export const InspectionSchema = ro(
  v.object({
    schema: v.literal(INSPECT_SCHEMA),
    file: v.string(),
    format: v.picklist(WEIGHTS_FORMATS),
    sizeBytes: integer,
    /** Every global the pickle names, "module.name", in first-seen order (empty for safetensors). */
    globals: ro(v.array(v.string())),
    globalStatus: ro(v.record(v.string(), v.picklist(GLOBAL_STATUSES))),
    tensors: ro(v.object({ count: integer, bytes: integer })),
    tree: InspectNodeSchema,
    candidates: ro(v.array(CandidateSummarySchema)),
    /** The chosen candidate's key ('' = the file itself), or null when there is none. */
    chosen: v.nullable(v.string()),
    strippedPrefix: v.nullable(v.string()),
    ignoredKeys: ro(v.array(v.string())),
    architecture: v.nullable(
      ro(
        v.object({
          model: v.string(),
          config: ro(v.omit(NetworkConfigObject, ['inputHeightPx', 'inputWidthPx'])),
        }),
      ),
    ),
    /** Why there is no architecture (no candidate, or the chosen one is not a torchvision ResNet/ResNeXt). */
    architectureError: v.optional(v.string()),
    /** safetensors `__metadata__`. */
    metadata: v.optional(ro(v.record(v.string(), v.string()))),
  }),
);
export type Inspection = v.InferOutput<typeof InspectionSchema>;

export const CONVERT_DTYPES = ['float32', 'float16', 'bfloat16'] as const;

/** What `resnext convert` (and the extension's Convert to safetensors…) wrote. */
export const ConversionSchema = ro(
  v.object({
    output: v.string(),
    sizeBytes: integer,
    tensors: integer,
    dtype: v.picklist(CONVERT_DTYPES),
    sourceFormat: v.picklist(WEIGHTS_FORMATS),
    model: v.string(),
    /** The input and which state dict in it was used. */
    source: v.string(),
    metadata: ro(v.record(v.string(), v.string())),
  }),
);
export type Conversion = v.InferOutput<typeof ConversionSchema>;

/** The counting rules (src/model/counting.ts, docs/COUNTING.md): whose number `--count RULE` reproduces. */
export const COUNT_RULES = ['torchvision', 'fvcore', 'ptflops', 'ptflops-aten', 'thop', 'torchinfo', 'mmcv'] as const;
export const CountRuleSchema = v.picklist(COUNT_RULES);
export type CountRule = v.InferOutput<typeof CountRuleSchema>;

/** One op kind a rule counts beyond torchvision's (conv + Linear multiply-adds): e.g. 53 BatchNorm2d calls, +28.8 M. */
export const CountBeyondSchema = ro(v.object({ op: v.string(), what: v.string(), calls: integer, macs: v.pipe(v.number(), v.safeInteger()) }));

/** One rule's totals for a model (`--count all`, the summary panel's "Why do the numbers differ?"). */
export const CountEntrySchema = ro(
  v.object({
    rule: CountRuleSchema,
    macs: integer,
    /** fvcore's ActivationCountAnalysis (timm's infer_macts); only the fvcore rule has it. */
    activations: v.optional(integer),
    params: integer,
    beyond: ro(v.array(CountBeyondSchema)),
    /** Each layer row's MACs under the rule, in the summary's row order (sent to the summary panel). */
    layers: v.optional(ro(v.array(integer))),
    /** Each stage row's MACs under the rule. */
    stages: v.optional(ro(v.array(integer))),
  }),
);
export type CountEntry = v.InferOutput<typeof CountEntrySchema>;
// ---------------------------------------------------------------------------------------------------------------
// Checkpoint diff and architecture check (resnext diff / check, the extension's Compare Checkpoints and Check Against
// Architecture… views; src/model/weights/diff.ts, check.ts)

export const DIFF_SCHEMA = 'resnext-inspector/diff@1';
export const CHECK_SCHEMA = 'resnext-inspector/check@1';
export const DIFF_STATUSES = ['same', 'changed', 'added', 'removed', 'reshaped'] as const;
export type DiffStatus = (typeof DIFF_STATUSES)[number];
/** A float64 statistic; null where it is undefined (relative change of an all-zero tensor, any statistic of a key not in both). */
const stat = v.nullable(v.number());

export const DiffTensorSchema = ro(
  v.object({
    key: v.string(),
    status: v.picklist(DIFF_STATUSES),
    /** null when the key is not in that file. */
    shapeA: v.nullable(shape),
    shapeB: v.nullable(shape),
    /** torch's names (torch.float32, torch.float16, torch.int64, …) whatever the container. */
    dtypeA: v.nullable(v.string()),
    dtypeB: v.nullable(v.string()),
    /** ‖B − A‖₂, accumulated in float64. */
    l2Diff: stat,
    /** ‖B − A‖₂ / ‖A‖₂; null where A is all zeros. */
    relativeChange: stat,
    maxAbsDiff: stat,
    /** ⟨A, B⟩ / (‖A‖₂ ‖B‖₂); null where either is all zeros. */
    cosine: stat,
  }),
);
export type DiffTensor = v.InferOutput<typeof DiffTensorSchema>;

export const DiffSideSchema = ro(v.object({ file: v.string(), stateDict: v.string() }));

/** `resnext diff A B --format json`: tensor by tensor, then each leaf module's parameters together, in network order. */
export const DiffSchema = ro(
  v.object({
    schema: v.literal(DIFF_SCHEMA),
    a: DiffSideSchema,
    b: DiffSideSchema,
    tensors: ro(v.array(DiffTensorSchema)),
    /** Leaf modules (conv1, layer1.0.bn2, fc, …): their parameters (not buffers) concatenated; `same` when every one is. */
    modules: ro(v.array(ro(v.object({ name: v.string(), status: v.picklist(DIFF_STATUSES), relativeChange: stat })))),
    summary: ro(v.object({ same: integer, changed: integer, added: integer, removed: integer, reshaped: integer })),
  }),
);
export type Diff = v.InferOutput<typeof DiffSchema>;

export const CHECK_HINT_KINDS = ['strip-prefix', 'num-classes', 'preset', 'strict-false'] as const;

/** A fix for what `check` found; `prefix`, `numClasses`, `model` or `skipped` say the specifics for an action. */
export const CheckHintSchema = ro(
  v.object({
    kind: v.picklist(CHECK_HINT_KINDS),
    text: v.string(),
    prefix: v.optional(v.string()),
    numClasses: v.optional(integer),
    model: v.optional(v.string()),
    /** The configuration the file fits (a `preset` hint). */
    config: v.optional(ro(v.omit(NetworkConfigObject, ['inputHeightPx', 'inputWidthPx']))),
    skipped: v.optional(ro(v.array(v.string()))),
  }),
);
export type CheckHint = v.InferOutput<typeof CheckHintSchema>;

/** `resnext check FILE ARCH --format json`: what `model.load_state_dict(state_dict)` reports, on the keys as stored. */
export const CheckSchema = ro(
  v.object({
    schema: v.literal(CHECK_SCHEMA),
    file: v.string(),
    /** Which state dict in the file ('' = the file itself). */
    stateDict: v.string(),
    architecture: ro(v.object({ model: v.string(), config: ro(v.omit(NetworkConfigObject, ['inputHeightPx', 'inputWidthPx'])) })),
    missing: ro(v.array(v.string())),
    unexpected: ro(v.array(v.string())),
    mismatched: ro(v.array(ro(v.object({ key: v.string(), expected: shape, got: shape })))),
    /** A strict load would succeed. */
    loads: v.boolean(),
    hints: ro(v.array(CheckHintSchema)),
  }),
);
export type Check = v.InferOutput<typeof CheckSchema>;
export const GRAPH_SCHEMA = 'resnext-inspector/graph@1';

/** One node of the architecture graph (issue 19; src/model/graph/build.ts). */
export const GraphNodeSchema = ro(
  v.object({
    /** The module path (`layer1.0.conv2`; the k-th repeated call `layer1.0.relu#k`), `<module path>.<op>` for a
     * function (`layer1.0.add`, `layer1.0.se.mean`, `flatten`), the container's path, or `input` / `output`. */
    id: v.string(),
    /** module: a leaf module call; function: a functional op fx keeps; container: a stage, block, downsample, SE or
     * timm's global_pool (a single node once collapsed at stage or block depth); io: input and output. */
    kind: v.picklist(['module', 'function', 'container', 'io']),
    /** The module's class (Conv2d, Bottleneck, Sequential …), the op (add, mul, mean, flatten, avg_pool2d), or input/output. */
    type: v.string(),
    /** The id of the innermost container holding the node; "" at the top. */
    parent: v.string(),
    outputShape: shape,
    /** A container's: the sum over what it holds. */
    params: integer,
    macs: integer,
  }),
);
export type GraphNode = v.InferOutput<typeof GraphNodeSchema>;

/** Data flow: the tensor `from` produces enters `to`, of this shape ([N, C, H, W] or [N, F]). */
export const GraphEdgeSchema = ro(v.object({ from: v.string(), to: v.string(), shape }));
export type GraphEdge = v.InferOutput<typeof GraphEdgeSchema>;

/** `resnext graph --format json` (nodes in execution order, each container before what it holds). */
export const GraphSchema = ro(
  v.object({
    schema: v.literal(GRAPH_SCHEMA),
    model: v.string(),
    nodes: ro(v.array(GraphNodeSchema)),
    edges: ro(v.array(GraphEdgeSchema)),
  }),
);
export type Graph = v.InferOutput<typeof GraphSchema>;

/** A graph laid out (src/model/graph/layout.ts): what the SVG writer and the graph view draw, in pixels, top-left origin. */
export const GraphLayoutSchema = ro(
  v.object({
    width: count,
    height: count,
    /** Open containers, outermost first (drawn before what they hold). */
    /** Open containers, outermost first; `labelX`/`labelY`: where the label's baseline starts (staggered when nested
     * clusters share a top edge). */
    clusters: ro(
      v.array(
        ro(v.object({ id: v.string(), label: v.string(), x: v.number(), y: v.number(), width: count, height: count, labelX: v.number(), labelY: v.number() })),
      ),
    ),
    nodes: ro(
      v.array(
        ro(
          v.object({
            id: v.string(),
            kind: v.picklist(['module', 'function', 'container', 'io']),
            lines: ro(v.array(v.string())),
            x: v.number(),
            y: v.number(),
            width: count,
            height: count,
          }),
        ),
      ),
    ),
    edges: ro(v.array(ro(v.object({ from: v.string(), to: v.string(), label: v.string(), points: ro(v.array(pair2)) })))),
  }),
);
export type GraphLayout = v.InferOutput<typeof GraphLayoutSchema>;

/**
 * Where a summary or graph of a class of the user's was read from (issue 23): the class, where it is defined, the
 * construction it was built from, the input forward() was followed with; `why` when forward() could not be followed
 * (then the rows have no output shapes and no MACs: `macsKnown` false, params still exact).
 */
export const ReadFromSchema = ro(
  v.object({
    className: v.string(),
    defined: ro(v.object({ file: v.string(), line: integer })),
    /** The construction: its file, 1-based line (and notebook cell), and the callee as written. */
    at: ro(v.object({ file: v.string(), cell: v.optional(integer), line: integer, call: v.string() })),
    inputShape: ro(v.tuple([integer, integer, integer, integer])),
    macsKnown: v.boolean(),
    why: v.optional(v.string()),
  }),
);
export type ReadFrom = v.InferOutput<typeof ReadFromSchema>;

/** summary@1 of a class of the user's (`resnext summarize --python FILE`): no configuration, `readFrom` instead. */
export const ClassSummarySchema = ro(v.object({ ...v.omit(SummaryObject, ['config']).entries, config: v.optional(v.undefined()), readFrom: ReadFromSchema }));
export type ClassSummary = v.InferOutput<typeof ClassSummarySchema>;
