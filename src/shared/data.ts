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
const pngDataUri = v.pipe(v.string(), v.startsWith('data:image/png;base64,'));

export const SUMMARY_SCHEMA = 'resnext-inspector/summary@1';
export const COMPARE_SCHEMA = 'resnext-inspector/compare@1';
export const EQUIVALENCE_SCHEMA = 'resnext-inspector/equivalence@1';
export const EVALUATE_SCHEMA = 'resnext-inspector/evaluate@1';

/**
 * A network configuration (torchvision's ResNet/ResNeXt). Bottleneck width = int(planes · widthPerGroup / 64) ·
 * groups; stage planes are baseWidth · [1, 2, 4, 8] (torchvision/models/resnet.py, Xie et al. 2017).
 */
export const NetworkConfigSchema = ro(
  v.object({
    /** Bottleneck blocks per stage (layer1..layer4). torchvision: [3,4,6,3] (50), [3,4,23,3] (101), [3,8,36,3] (152). */
    layers: ro(v.tuple([integer, integer, integer, integer])),
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
  }),
);
export type NetworkConfig = v.InferOutput<typeof NetworkConfigSchema>;
export type StageDepths = NetworkConfig['layers'];

/** One row per leaf-module call, in forward order (torchsummary's rows), with params, MACs and dense equivalents. */
export const LayerRowSchema = ro(
  v.object({
    /** torchvision's module name, e.g. `layer1.0.conv2` (a ReLU module called three times per block appears three times). */
    name: v.string(),
    /** The module's class: Conv2d, BatchNorm2d, ReLU, MaxPool2d, AdaptiveAvgPool2d, Linear. */
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
export const StageRowSchema = ro(
  v.object({ name: v.string(), outputShape: shape, params: integer, macs: integer, denseParams: integer, denseMacs: integer }),
);
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
  }),
);
export type SummaryConfig = v.InferOutput<typeof SummaryConfigSchema>;

/** `resnext summarize --format json` (schema resnext-inspector/summary@1). */
export const SummarySchema = ro(
  v.object({
    schema: v.literal(SUMMARY_SCHEMA),
    model: v.string(),
    config: SummaryConfigSchema,
    layers: ro(v.array(LayerRowSchema)),
    stages: ro(v.array(StageRowSchema)),
    totals: TotalsSchema,
    /** Where the weights came from: absent for the shape trace (zero weights). */
    weights: v.optional(v.string()),
    timingsMs: ro(v.object({ build: count, forward: count })),
  }),
);
export type Summary = v.InferOutput<typeof SummarySchema>;

/** One column of a comparison: a summary's totals and stage rows. */
export const ComparedModelSchema = ro(
  v.object({ model: v.string(), config: SummaryConfigSchema, totals: TotalsSchema, stages: ro(v.array(StageRowSchema)) }),
);
export type ComparedModel = v.InferOutput<typeof ComparedModelSchema>;

export const ComparisonSchema = ro(
  v.object({ schema: v.literal(COMPARE_SCHEMA), models: ro(v.pipe(v.array(ComparedModelSchema), v.minLength(1))) }),
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
    /** The block's shortcut: the input itself, or torchvision's downsample (1x1 conv with the block's stride + BN). */
    shortcut: v.picklist(['identity', 'downsample']),
    /** Scale of the output, to read the differences against. */
    maxAbsOutput: count,
    maxAbsDiff: diffPair,
    meanAbsDiff: diffPair,
    ops: ro(v.object({ a: FormOpsSchema, b: FormOpsSchema, c: FormOpsSchema })),
    tolerance: count,
    /** Both max abs differences ≤ tolerance. */
    equivalent: v.boolean(),
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
    weights: v.string(),
    top: ro(v.array(TopClassSchema)),
    widthPx: integer,
    heightPx: integer,
    /** The image's mode as Pillow names it (L, RGB, RGBA, P, CMYK, …) before conversion to RGB. */
    mode: v.string(),
    preprocessing: ro(v.object({ resizePx: integer, cropPx: integer })),
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

export const PerClassSchema = ro(
  v.object({ class: v.string(), index: integer, count: integer, correct: integer, accuracy: fraction, top5: fraction }),
);
export type PerClass = v.InferOutput<typeof PerClassSchema>;

/** `resnext evaluate --format json` (schema resnext-inspector/evaluate@1): accuracy on an ImageFolder. */
export const EvaluateSchema = ro(
  v.object({
    schema: v.literal(EVALUATE_SCHEMA),
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
  }),
);
export type EvaluateJson = v.InferOutput<typeof EvaluateSchema>;

/** A folder evaluated in the extension: what the evaluation view shows and exports. */
export const EvaluationViewSchema = ro(
  v.object({
    folder: v.string(),
    model: v.string(),
    weights: v.string(),
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
