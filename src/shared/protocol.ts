/**
 * Every message between the extension host, the TF.js worker and the summary webview (DESIGN §1, §6).
 *
 * One union per direction and channel, each member with a readonly string-literal `type`. Requests carry an `id`
 * that the reply repeats; a failed request gets an `error` reply with the same id. Messages cross a structured-clone
 * boundary (postMessage), so everything here is plain JSON: no classes, no Maps, no undefined-vs-missing reliance.
 *
 * This file is imported by the webview (types only), the extension and the worker, so it must not import vscode,
 * DOM types or the core: the summary's shape is restated here and the extension checks at compile time that the
 * core's `Summary` is assignable to `SummaryData` (src/extension/summaryData.ts).
 */

// ---------------------------------------------------------------------------------------------------------------
// Plain-JSON data (the core's Summary, schema resnext-inspector/summary@1, DESIGN §4)

export interface LayerRowData {
  readonly name: string;
  readonly type: string;
  readonly outputShape: readonly number[];
  readonly params: number;
  readonly macs: number;
  readonly groups?: number;
  readonly kernel?: readonly number[];
  readonly stride?: readonly number[];
  readonly denseParams: number;
  readonly denseMacs: number;
}

export interface StageRowData {
  readonly name: string;
  readonly outputShape: readonly number[];
  readonly params: number;
  readonly macs: number;
  readonly denseParams: number;
  readonly denseMacs: number;
}

export interface TotalsData {
  readonly params: number;
  readonly trainableParams: number;
  readonly macs: number;
  readonly denseParams: number;
  readonly denseMacs: number;
  readonly inputSizeMiB: number;
  readonly forwardBackwardSizeMiB: number;
  readonly paramsSizeMiB: number;
  readonly estimatedTotalSizeMiB: number;
}

export interface SummaryConfigData {
  readonly layers: readonly number[];
  readonly groups: number;
  readonly widthPerGroup: number;
  readonly baseWidth: number;
  readonly numClasses: number;
  readonly inputShape: readonly number[];
}

export interface SummaryData {
  readonly schema: string;
  readonly model: string;
  readonly config: SummaryConfigData;
  readonly layers: readonly LayerRowData[];
  readonly stages: readonly StageRowData[];
  readonly totals: TotalsData;
  readonly weights?: string;
  readonly timingsMs: { readonly build: number; readonly forward: number };
}

/** A network configuration as the worker receives it (the core's NetworkConfig, plain JSON). */
export interface ConfigData {
  readonly layers: readonly number[];
  readonly groups: number;
  readonly widthPerGroup: number;
  readonly baseWidth: number;
  readonly numClasses: number;
  readonly inputHeightPx: number;
  readonly inputWidthPx: number;
}

/** One column of a comparison: a summary's totals and stage rows (the core's ComparedModel). */
export interface ComparedModelData {
  readonly model: string;
  readonly config: SummaryConfigData;
  readonly totals: TotalsData;
  readonly stages: readonly StageRowData[];
}

export interface ComparisonData {
  readonly schema: string;
  readonly models: readonly ComparedModelData[];
}

/** A built-in comparison of the core (COMPARISON_PRESETS), as listed in the quick pick. */
export interface ComparisonPresetData {
  readonly id: string;
  readonly title: string;
  readonly description: string;
}

export interface ClassificationData {
  readonly image: string;
  readonly model: string;
  readonly weights: string;
  readonly top: readonly { readonly index: number; readonly label: string; readonly probability: number }[];
  readonly widthPx: number;
  readonly heightPx: number;
  /** The image's mode as Pillow names it (L, RGB, RGBA, P, CMYK, …) before conversion to RGB. */
  readonly mode: string;
  readonly preprocessing: { readonly resizePx: number; readonly cropPx: number };
  /** Loading the weights (0 when the network was warm), decoding, preprocessing, the forward pass. */
  readonly timingsMs: { readonly load: number; readonly decode: number; readonly preprocess: number; readonly forward: number };
}

/** The split-transform-merge equivalence of one block (the core's Equivalence, schema resnext-inspector/equivalence@1). */
export interface FormOpsData {
  readonly convOps: number;
  readonly macs: number;
  readonly kernels: number;
}

export interface EquivalenceData {
  readonly schema: string;
  readonly model: string;
  readonly block: string;
  readonly weights: string;
  readonly seed: number;
  readonly cardinality: number;
  readonly pathWidth: number;
  readonly inputShape: readonly number[];
  readonly outputShape: readonly number[];
  readonly shortcut: 'identity' | 'downsample';
  readonly maxAbsOutput: number;
  readonly maxAbsDiff: { readonly aVsC: number; readonly bVsC: number };
  readonly meanAbsDiff: { readonly aVsC: number; readonly bVsC: number };
  readonly ops: { readonly a: FormOpsData; readonly b: FormOpsData; readonly c: FormOpsData };
  readonly tolerance: number;
  readonly equivalent: boolean;
}

/** What kind of failure an error reply reports, so the host can word it (netron's split, DESIGN §6). */
export type ErrorKind =
  /** The user's to fix (bad configuration, unreadable or mismatched file): show the message as is. */
  | 'input'
  /** A capability whose core is not in this build yet: say so plainly. */
  | 'unavailable'
  /** Anything else is a bug: offer to report it. */
  | 'internal';

export const ERROR_KINDS: readonly ErrorKind[] = ['input', 'unavailable', 'internal'];

// ---------------------------------------------------------------------------------------------------------------
// Extension host → worker

export type WorkerRequest =
  | { readonly type: 'summarize'; readonly id: number; readonly model: string; readonly config: ConfigData }
  | { readonly type: 'summarizeCheckpoint'; readonly id: number; readonly path: string }
  | {
      readonly type: 'classify';
      readonly id: number;
      readonly imagePath: string;
      /** A weights file path, an http(s) URL, or `pretrained:<preset>[:V1|V2]`. */
      readonly weights: string;
      readonly topK: number;
      /** Where downloaded weights are kept (the extension's global storage). */
      readonly cacheDir: string;
      readonly baseUrl: string;
    }
  | { readonly type: 'listComparisons'; readonly id: number }
  /** A built-in comparison by id, or the given configurations (at least two) under an optional title. */
  | { readonly type: 'compare'; readonly id: number; readonly preset: string }
  | { readonly type: 'compareEntries'; readonly id: number; readonly entries: readonly { readonly model: string; readonly config: ConfigData }[] }
  /** One block computed in the three forms of Xie et al. Fig. 3 (seeded random weights and input). */
  | { readonly type: 'equivalence'; readonly id: number; readonly model: string; readonly config: ConfigData; readonly block: string };

// Worker → extension host

export type WorkerResponse =
  | { readonly type: 'progress'; readonly id: number; readonly message: string }
  | { readonly type: 'summary'; readonly id: number; readonly summary: SummaryData }
  | { readonly type: 'classification'; readonly id: number; readonly result: ClassificationData }
  | { readonly type: 'comparisons'; readonly id: number; readonly presets: readonly ComparisonPresetData[] }
  /** The comparison and the core's Markdown report of it (formatted in the worker, where the core's report lives). */
  | { readonly type: 'comparison'; readonly id: number; readonly comparison: ComparisonData; readonly markdown: string }
  | { readonly type: 'equivalence'; readonly id: number; readonly result: EquivalenceData }
  | { readonly type: 'error'; readonly id: number; readonly kind: ErrorKind; readonly message: string; readonly stack?: string };

// ---------------------------------------------------------------------------------------------------------------
// Webview → extension host

export const EXPORT_FORMATS = ['markdown', 'csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export type WebviewMessage =
  /** The script has started and listens; the host may send the summary now. */
  | { readonly type: 'ready' }
  | { readonly type: 'copyMarkdown'; readonly id: number }
  | { readonly type: 'export'; readonly id: number; readonly format: ExportFormat };

// Extension host → webview

export type HostMessage =
  | { readonly type: 'summary'; readonly summary: SummaryData }
  /** A request succeeded; `message` is what to tell the user (e.g. "Saved to …"), empty when the user cancelled. */
  | { readonly type: 'done'; readonly id: number; readonly message: string }
  | { readonly type: 'error'; readonly id: number; readonly message: string };

/** What the webview keeps with `vscode.setState` and gets back after a reload (the panel serializer). */
export interface WebviewState {
  readonly summary: SummaryData;
  readonly collapsed: readonly string[];
  readonly filter: string;
  readonly sort: { readonly column: string; readonly descending: boolean } | null;
}

// ---------------------------------------------------------------------------------------------------------------
// Runtime validators. Messages from the webview come from page scripts and are checked before any use; the
// others are checked too because a mismatch there is a bug that should fail loudly, not render garbage.

type Json = Record<string, unknown>;

const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const isId = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isCount = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;
const isString = (x: unknown): x is string => typeof x === 'string';
const isShape = (x: unknown): x is number[] => Array.isArray(x) && x.every((n) => typeof n === 'number' && Number.isInteger(n) && n >= 0);
const hasKeys = (x: Json, allowed: readonly string[]): boolean => Object.keys(x).every((k) => allowed.includes(k));
const isOneOf = <T extends string>(values: readonly T[], x: unknown): x is T => typeof x === 'string' && (values as readonly string[]).includes(x);

function isLayerRow(x: unknown): x is LayerRowData {
  return (
    isObject(x) && isString(x.name) && isString(x.type) && isShape(x.outputShape) && isCount(x.params) && isCount(x.macs) &&
    isCount(x.denseParams) && isCount(x.denseMacs) &&
    (x.groups === undefined || isCount(x.groups)) && (x.kernel === undefined || isShape(x.kernel)) && (x.stride === undefined || isShape(x.stride))
  );
}

function isStageRow(x: unknown): x is StageRowData {
  return isObject(x) && isString(x.name) && isShape(x.outputShape) && isCount(x.params) && isCount(x.macs) && isCount(x.denseParams) && isCount(x.denseMacs);
}

const TOTAL_KEYS = ['params', 'trainableParams', 'macs', 'denseParams', 'denseMacs', 'inputSizeMiB', 'forwardBackwardSizeMiB', 'paramsSizeMiB', 'estimatedTotalSizeMiB'] as const;

export function isSummaryData(x: unknown): x is SummaryData {
  if (!isObject(x) || !isString(x.schema) || !isString(x.model) || !isObject(x.config) || !isObject(x.totals) || !isObject(x.timingsMs)) return false;
  const c = x.config;
  const t = x.totals;
  return (
    isShape(c.layers) && isCount(c.groups) && isCount(c.widthPerGroup) && isCount(c.baseWidth) && isCount(c.numClasses) && isShape(c.inputShape) &&
    Array.isArray(x.layers) && x.layers.every(isLayerRow) &&
    Array.isArray(x.stages) && x.stages.every(isStageRow) &&
    TOTAL_KEYS.every((k) => isCount(t[k])) &&
    isCount(x.timingsMs.build) && isCount(x.timingsMs.forward) &&
    (x.weights === undefined || isString(x.weights))
  );
}

export function isConfigData(x: unknown): x is ConfigData {
  return (
    isObject(x) && isShape(x.layers) && x.layers.length === 4 && isCount(x.groups) && isCount(x.widthPerGroup) && isCount(x.baseWidth) &&
    isCount(x.numClasses) && isCount(x.inputHeightPx) && isCount(x.inputWidthPx)
  );
}

export function isComparisonData(x: unknown): x is ComparisonData {
  return (
    isObject(x) && isString(x.schema) && Array.isArray(x.models) && x.models.length > 0 &&
    x.models.every((m) => {
      if (!isObject(m) || !isString(m.model) || !isObject(m.config) || !isObject(m.totals) || !Array.isArray(m.stages)) return false;
      const t = m.totals;
      return isShape(m.config.layers) && isShape(m.config.inputShape) && TOTAL_KEYS.every((k) => isCount(t[k])) && m.stages.every(isStageRow);
    })
  );
}

const isFormOps = (x: unknown): x is FormOpsData => isObject(x) && isCount(x.convOps) && isCount(x.macs) && isCount(x.kernels);
const isDiffPair = (x: unknown): boolean => isObject(x) && isCount(x.aVsC) && isCount(x.bVsC);

export function isEquivalenceData(x: unknown): x is EquivalenceData {
  return (
    isObject(x) && isString(x.schema) && isString(x.model) && isString(x.block) && isString(x.weights) && isCount(x.seed) &&
    isCount(x.cardinality) && isCount(x.pathWidth) && isShape(x.inputShape) && isShape(x.outputShape) &&
    (x.shortcut === 'identity' || x.shortcut === 'downsample') && isCount(x.maxAbsOutput) && isDiffPair(x.maxAbsDiff) && isDiffPair(x.meanAbsDiff) &&
    isObject(x.ops) && isFormOps(x.ops.a) && isFormOps(x.ops.b) && isFormOps(x.ops.c) && isCount(x.tolerance) && typeof x.equivalent === 'boolean'
  );
}

function isClassification(x: unknown): x is ClassificationData {
  return (
    isObject(x) && isString(x.image) && isString(x.model) && isString(x.weights) && Array.isArray(x.top) &&
    x.top.every((e) => isObject(e) && isCount(e.index) && isString(e.label) && typeof e.probability === 'number' && e.probability >= 0 && e.probability <= 1) &&
    isCount(x.widthPx) && isCount(x.heightPx) && isString(x.mode) &&
    isObject(x.preprocessing) && isCount(x.preprocessing.resizePx) && isCount(x.preprocessing.cropPx) &&
    isObject(x.timingsMs) && ['load', 'decode', 'preprocess', 'forward'].every((k) => typeof (x.timingsMs as Record<string, unknown>)[k] === 'number')
  );
}

/** Messages from the webview: exact key sets, so a page script cannot smuggle extra fields through. */
export function isWebviewMessage(x: unknown): x is WebviewMessage {
  if (!isObject(x)) return false;
  switch (x.type) {
    case 'ready':
      return hasKeys(x, ['type']);
    case 'copyMarkdown':
      return hasKeys(x, ['type', 'id']) && isId(x.id);
    case 'export':
      return hasKeys(x, ['type', 'id', 'format']) && isId(x.id) && isOneOf(EXPORT_FORMATS, x.format);
    default:
      return false;
  }
}

export function isHostMessage(x: unknown): x is HostMessage {
  if (!isObject(x)) return false;
  switch (x.type) {
    case 'summary':
      return isSummaryData(x.summary);
    case 'done':
    case 'error':
      return isId(x.id) && isString(x.message);
    default:
      return false;
  }
}

export function isWorkerRequest(x: unknown): x is WorkerRequest {
  if (!isObject(x) || !isId(x.id)) return false;
  switch (x.type) {
    case 'summarize':
      return isString(x.model) && isConfigData(x.config);
    case 'summarizeCheckpoint':
      return isString(x.path) && x.path.length > 0;
    case 'classify':
      return (
        isString(x.imagePath) && x.imagePath.length > 0 && isString(x.weights) && x.weights.length > 0 && isId(x.topK) && x.topK >= 1 &&
        isString(x.cacheDir) && x.cacheDir.length > 0 && isString(x.baseUrl)
      );
    case 'listComparisons':
      return true;
    case 'compare':
      return isString(x.preset) && x.preset.length > 0;
    case 'compareEntries':
      return Array.isArray(x.entries) && x.entries.length >= 2 && x.entries.every((e) => isObject(e) && isString(e.model) && isConfigData(e.config));
    case 'equivalence':
      return isString(x.model) && isConfigData(x.config) && isString(x.block) && x.block.length > 0;
    default:
      return false;
  }
}

export function isWorkerResponse(x: unknown): x is WorkerResponse {
  if (!isObject(x) || !isId(x.id)) return false;
  switch (x.type) {
    case 'progress':
      return isString(x.message);
    case 'summary':
      return isSummaryData(x.summary);
    case 'classification':
      return isClassification(x.result);
    case 'comparisons':
      return Array.isArray(x.presets) && x.presets.every((p) => isObject(p) && isString(p.id) && isString(p.title) && isString(p.description));
    case 'comparison':
      return isComparisonData(x.comparison) && isString(x.markdown);
    case 'equivalence':
      return isEquivalenceData(x.result);
    case 'error':
      return isOneOf(ERROR_KINDS, x.kind) && isString(x.message) && (x.stack === undefined || isString(x.stack));
    default:
      return false;
  }
}

export function isWebviewState(x: unknown): x is WebviewState {
  return (
    isObject(x) && isSummaryData(x.summary) && Array.isArray(x.collapsed) && x.collapsed.every(isString) && isString(x.filter) &&
    (x.sort === null || (isObject(x.sort) && isString(x.sort.column) && typeof x.sort.descending === 'boolean'))
  );
}
