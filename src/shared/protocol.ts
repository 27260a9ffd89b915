/**
 * Every message between the extension host, the TF.js worker and the summary webview (DESIGN §1, §6).
 *
 * One valibot schema per direction and channel; the TypeScript types are inferred from them, and the data they carry
 * is the core's own JSON (src/shared/data.ts), so nothing here restates a shape by hand. Requests carry an `id` that
 * the reply repeats; a failed request gets an `error` reply with the same id. Messages cross a structured-clone
 * boundary (postMessage), so everything is plain JSON.
 *
 * Imported by the webview, the extension and the worker: no vscode, DOM types or TF.js.
 */
import * as v from 'valibot';
import {
  CheckSchema,
  DiffSchema,
  CONVERT_DTYPES,
  ConversionSchema,
  GraphLayoutSchema,
  GraphNodeSchema,
  GraphSchema,
  InspectionSchema,
  type Conversion,
  type Inspection,
  ClassificationViewSchema,
  ComparisonPresetInfoSchema,
  ComparisonSchema,
  EquivalenceSchema,
  EvaluationViewSchema,
  NetworkConfigSchema,
  ProfileSchema,
  SummarySchema,
  ClassSummarySchema,
  CountRuleSchema,
  type ClassificationView,
  type ComparedModel,
  type ComparisonPresetInfo,
  type Comparison,
  type Equivalence,
  type EvaluationView,
  type FormOps,
  type LayerRow,
  type NetworkConfig,
  type Profile,
  type ProfileLayer,
  type StageRow,
  type Summary,
  type ClassSummary,
  type SummaryConfig,
  type Totals,
} from './data';

// The protocol's names for the core's data (the same types: one source).
/** A summary panel shows a configuration's summary or a class of the user's (issue 23: `readFrom`, no `config`). */
export type SummaryData = Summary | ClassSummary;
const SummaryDataSchema = v.union([SummarySchema, ClassSummarySchema]);
export type LayerRowData = LayerRow;
export type StageRowData = StageRow;
export type TotalsData = Totals;
export type SummaryConfigData = SummaryConfig;
export type ConfigData = NetworkConfig;
export type ComparedModelData = ComparedModel;
export type ComparisonData = Comparison;
export type ComparisonPresetData = ComparisonPresetInfo;
export type ClassificationData = ClassificationView;
export type FormOpsData = FormOps;
export type EquivalenceData = Equivalence;
export type EvaluationData = EvaluationView;
export type InspectionData = Inspection;
export type ConversionData = Conversion;
export type ProfileData = Profile;
export type ProfileLayerData = ProfileLayer;

const ro = <T extends v.GenericSchema>(schema: T) => v.pipe(schema, v.readonly());
const id = v.pipe(v.number(), v.safeInteger(), v.minValue(0));
const nonEmpty = v.pipe(v.string(), v.minLength(1));

/** What kind of failure an error reply reports, so the host can word it (netron's split, DESIGN §6). */
export const ERROR_KINDS = [
  /** The user's to fix (bad configuration, unreadable or mismatched file): show the message as is. */
  'input',
  /** Anything else is a bug: offer to report it. */
  'internal',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

// ---------------------------------------------------------------------------------------------------------------
// Extension host → worker

export const WorkerRequestSchema = v.variant('type', [
  ro(v.object({ type: v.literal('summarize'), id, model: v.string(), config: NetworkConfigSchema })),
  /** `stateDictKey`: which state dict in the file (the resnext.stateDictKey setting); absent: the documented order. */
  ro(v.object({ type: v.literal('summarizeCheckpoint'), id, path: nonEmpty, stateDictKey: v.optional(v.string()) })),
  ro(v.object({ type: v.literal('inspectCheckpoint'), id, path: nonEmpty, stateDictKey: v.optional(v.string()) })),
  ro(
    v.object({
      type: v.literal('convertCheckpoint'),
      id,
      input: nonEmpty,
      output: nonEmpty,
      dtype: v.picklist(CONVERT_DTYPES),
      stateDictKey: v.optional(v.string()),
      /** Leave fc.* / classifier.* out (Check Against Architecture's hint for another class count). */
      dropClassifier: v.optional(v.boolean()),
    }),
  ),
  /** "Export to ONNX…": a checkpoint's network with its weights (`weights`), or a configuration with random ones. */
  ro(
    v.object({
      type: v.literal('exportOnnx'),
      id,
      output: nonEmpty,
      weights: v.optional(ro(v.object({ path: nonEmpty, stateDictKey: v.optional(v.string()) }))),
      model: v.optional(v.string()),
      config: v.optional(NetworkConfigSchema),
    }),
  ),
  ro(
    v.object({
      type: v.literal('classify'),
      id,
      imagePath: nonEmpty,
      /** A weights file path, an http(s) URL, or `pretrained:<preset>[:V1|V2]`. */
      weights: nonEmpty,
      topK: v.pipe(id, v.minValue(1)),
      /** Where downloaded weights are kept (the extension's global storage). */
      cacheDir: nonEmpty,
      baseUrl: v.string(),
      stateDictKey: v.optional(v.string()),
      /** Also compute the class activation maps of the top classes. */
      cam: v.optional(v.boolean()),
    }),
  ),
  /** Classify Folder: `resnext evaluate` on a folder, on parallel evaluation threads. */
  ro(
    v.object({
      type: v.literal('evaluateFolder'),
      id,
      folder: nonEmpty,
      weights: nonEmpty,
      topK: v.pipe(id, v.minValue(1)),
      cacheDir: nonEmpty,
      baseUrl: v.string(),
      /** Evaluation threads (default: the available cores). */
      workers: v.optional(v.pipe(id, v.minValue(1))),
      stateDictKey: v.optional(v.string()),
    }),
  ),
  ro(v.object({ type: v.literal('listComparisons'), id })),
  /** A built-in comparison by id. */
  ro(v.object({ type: v.literal('compare'), id, preset: nonEmpty })),
  /** The given configurations (at least two), the first being the reference. */
  ro(
    v.object({
      type: v.literal('compareEntries'),
      id,
      entries: ro(v.pipe(v.array(ro(v.object({ model: v.string(), config: NetworkConfigSchema }))), v.minLength(2))),
    }),
  ),
  /** `resnext profile`: `runs` warm forward passes of the configuration (seeded random weights: the time does not
   * depend on the values), each layer timed, and the roofline's two ceilings measured in the same run. */
  ro(
    v.object({
      type: v.literal('profile'),
      id,
      model: v.string(),
      config: NetworkConfigSchema,
      runs: v.pipe(id, v.minValue(1), v.maxValue(100)),
      /** The engine to time it on (the compare view's "Measure on both engines"); else the resnext.engine setting's. */
      engine: v.optional(v.picklist(['auto', 'onnxruntime', 'wasm'])),
    }),
  ),
  /** One block computed in the three forms of Xie et al. Fig. 3 (seeded random weights and input). */
  ro(v.object({ type: v.literal('equivalence'), id, model: v.string(), config: NetworkConfigSchema, block: nonEmpty })),
  /** `resnext diff A B`: two checkpoints compared tensor by tensor, one tensor of each read at a time. */
  ro(v.object({ type: v.literal('diffCheckpoints'), id, a: nonEmpty, b: nonEmpty, stateDictKey: v.optional(v.string()) })),
  /** `resnext check FILE ARCH`: what load_state_dict would report (headers and pickle only). */
  ro(v.object({ type: v.literal('checkCheckpoint'), id, path: nonEmpty, config: NetworkConfigSchema, stateDictKey: v.optional(v.string()) })),
  /** The architecture graph (graph@1, layer depth) of a configuration or a checkpoint, laid out at stage level. */
  ro(
    v.object({
      type: v.literal('graph'),
      id,
      model: v.string(),
      config: v.optional(NetworkConfigSchema),
      path: v.optional(nonEmpty),
      stateDictKey: v.optional(v.string()),
    }),
  ),
  /** A re-layout of a graph with these containers open and these blocks also drawn as C paths (Fig. 3(a)). */
  ro(
    v.object({
      type: v.literal('graphLayout'),
      id,
      graph: GraphSchema,
      /** Absent for a class of the user's (issue 23): no C paths to draw. */
      config: v.optional(NetworkConfigSchema),
      expanded: ro(v.array(v.string())),
      cPaths: ro(v.array(v.string())),
    }),
  ),
]);
export type WorkerRequest = v.InferOutput<typeof WorkerRequestSchema>;

// Worker → extension host

export const WorkerResponseSchema = v.variant('type', [
  ro(v.object({ type: v.literal('progress'), id, message: v.string() })),
  ro(v.object({ type: v.literal('summary'), id, summary: SummarySchema })),
  ro(v.object({ type: v.literal('classification'), id, result: ClassificationViewSchema })),
  ro(v.object({ type: v.literal('evaluation'), id, result: EvaluationViewSchema })),
  ro(v.object({ type: v.literal('comparisons'), id, presets: ro(v.array(ComparisonPresetInfoSchema)) })),
  /** The comparison and the core's Markdown report of it (formatted in the worker, where the core's report lives). */
  ro(v.object({ type: v.literal('comparison'), id, comparison: ComparisonSchema, markdown: v.string() })),
  ro(v.object({ type: v.literal('equivalence'), id, result: EquivalenceSchema })),
  ro(v.object({ type: v.literal('profile'), id, profile: ProfileSchema })),
  ro(v.object({ type: v.literal('inspection'), id, inspection: InspectionSchema })),
  ro(v.object({ type: v.literal('converted'), id, result: ConversionSchema })),
  /** The diff and its CSV export (formatted by the core in the worker). */
  ro(v.object({ type: v.literal('diff'), id, diff: DiffSchema, csv: v.string() })),
  ro(v.object({ type: v.literal('check'), id, check: CheckSchema })),
  ro(v.object({ type: v.literal('exported'), id, result: ro(v.object({ output: v.string(), model: v.string(), sizeBytes: id, randomWeights: v.boolean() })) })),
  /** The graph at layer depth, its configuration (inferred for a checkpoint), the blocks with a grouped 3×3, and the stage-level layout. */
  ro(
    v.object({
      type: v.literal('graph'),
      id,
      graph: GraphSchema,
      config: NetworkConfigSchema,
      grouped: ro(v.array(v.string())),
      nodes: ro(v.array(GraphNodeSchema)),
      layout: GraphLayoutSchema,
    }),
  ),
  /** The nodes shown (containers collapsed or open) and their layout. */
  ro(v.object({ type: v.literal('graphLayout'), id, nodes: ro(v.array(GraphNodeSchema)), layout: GraphLayoutSchema, ms: v.number() })),
  ro(v.object({ type: v.literal('error'), id, kind: v.picklist(ERROR_KINDS), message: v.string(), stack: v.optional(v.string()) })),
  /** A line for the extension's log (not tied to a request): e.g. the backend the worker started and its threads. */
  ro(v.object({ type: v.literal('log'), level: v.picklist(['info', 'warn']), message: v.string() })),
]);
export type WorkerResponse = v.InferOutput<typeof WorkerResponseSchema>;

/** The reply type each request is answered with (besides progress and error): checked at run time by the host. */
export const REPLY_TYPE = {
  summarize: 'summary',
  summarizeCheckpoint: 'summary',
  inspectCheckpoint: 'inspection',
  convertCheckpoint: 'converted',
  exportOnnx: 'exported',
  classify: 'classification',
  evaluateFolder: 'evaluation',
  listComparisons: 'comparisons',
  compare: 'comparison',
  compareEntries: 'comparison',
  equivalence: 'equivalence',
  profile: 'profile',
  diffCheckpoints: 'diff',
  checkCheckpoint: 'check',
  graph: 'graph',
  graphLayout: 'graphLayout',
} as const satisfies Record<WorkerRequest['type'], Exclude<WorkerResponse['type'], 'progress' | 'error' | 'log'>>;

/** What the host gives a worker when it starts it (worker_threads' workerData). */
export interface WorkerData {
  /** The engine's threads: 1–8, 0 = the available cores (setting resnext.threads). */
  readonly threads: number;
  /** What runs the weights (setting resnext.engine); absent: auto. */
  readonly engine?: 'auto' | 'onnxruntime' | 'wasm';
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A request as the host's callers write it; the host adds the id. */
export type WorkerJob = DistributiveOmit<WorkerRequest, 'id'>;
/** The request of one type, without its id. */
export type JobOf<T extends WorkerRequest['type']> = Extract<WorkerJob, { type: T }>;
/** The reply to a request of type R['type']. */
export type ReplyFor<R extends { readonly type: WorkerRequest['type'] }> = Extract<WorkerResponse, { type: (typeof REPLY_TYPE)[R['type']] }>;

// ---------------------------------------------------------------------------------------------------------------
// Webview → extension host

export const EXPORT_FORMATS = ['markdown', 'csv', 'json'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** Messages from a page script: strict objects (exact key sets), so nothing extra is smuggled through. */
export const WebviewMessageSchema = v.variant('type', [
  /** The script has started and listens; the host may send the summary now. */
  ro(v.strictObject({ type: v.literal('ready') })),
  ro(v.strictObject({ type: v.literal('copyMarkdown'), id })),
  /** Without a format: the extension asks which (Markdown, CSV, JSON, or the network as ONNX). */
  ro(v.strictObject({ type: v.literal('export'), id, format: v.optional(v.picklist(EXPORT_FORMATS)) })),
  /** Profile the configuration shown (the host runs it in the worker; progress and the profile come back). */
  ro(v.strictObject({ type: v.literal('profile'), id })),
  /** Stop the running profile (the host ends the worker's job; the profile request then settles as cancelled). */
  ro(v.strictObject({ type: v.literal('cancelProfile') })),
  /** A layer row (or a stage / block) was selected: the graph view, when open, selects its node (graph@1 id). */
  ro(v.strictObject({ type: v.literal('selectLayer'), name: v.pipe(v.string(), v.maxLength(300)) })),
  /** The toolbar's Graph: the architecture graph of the network shown. */
  ro(v.strictObject({ type: v.literal('showGraph') })),
]);
export type WebviewMessage = v.InferOutput<typeof WebviewMessageSchema>;

// Extension host → webview

export const HostMessageSchema = v.variant('type', [
  ro(v.object({ type: v.literal('summary'), summary: SummaryDataSchema })),
  /** The profile of the summary shown (its model's); the table gains its time columns, the roofline appears. */
  ro(v.object({ type: v.literal('profile'), profile: ProfileSchema })),
  /** A line for the page's status while the request `id` runs (the worker's progress lines). */
  ro(v.object({ type: v.literal('status'), id, message: v.string() })),
  /** A request succeeded; `message` is what to tell the user (e.g. "Saved to …"), empty when the user cancelled. */
  ro(v.object({ type: v.literal('done'), id, message: v.string() })),
  ro(v.object({ type: v.literal('error'), id, message: v.string() })),
  /** The graph view selected this node (graph@1 id): select its row. */
  ro(v.object({ type: v.literal('selectLayer'), name: v.string() })),
]);
export type HostMessage = v.InferOutput<typeof HostMessageSchema>;

/** The evaluation view's messages (strict objects): export a report, or show one of its files' class activation maps. */
export const EVALUATION_EXPORTS = ['json', 'csv', 'predictions'] as const;
export const EvaluationViewMessageSchema = v.variant('type', [
  ro(v.strictObject({ type: v.literal('export'), format: v.picklist(EVALUATION_EXPORTS) })),
  ro(v.strictObject({ type: v.literal('showCam'), path: v.pipe(v.string(), v.minLength(1), v.maxLength(4096)) })),
]);
export type EvaluationViewMessage = v.InferOutput<typeof EvaluationViewMessageSchema>;

/** The graph view's messages (strict objects): open/close a container, draw a block as C paths, export, select a node. */
export const GraphViewMessageSchema = v.variant('type', [
  ro(v.strictObject({ type: v.literal('ready') })),
  ro(v.strictObject({ type: v.literal('toggle'), id: v.pipe(v.string(), v.maxLength(300)) })),
  ro(v.strictObject({ type: v.literal('cPaths'), id: v.pipe(v.string(), v.maxLength(300)), on: v.boolean() })),
  ro(v.strictObject({ type: v.literal('export'), format: v.picklist(['svg', 'png']), data: v.pipe(v.string(), v.maxLength(64 * 2 ** 20)) })),
  ro(v.strictObject({ type: v.literal('select'), id: v.pipe(v.string(), v.maxLength(300)) })),
]);
export type GraphViewMessage = v.InferOutput<typeof GraphViewMessageSchema>;

/** Extension host → graph view: the shown graph and its layout (after each open/close), or a node to select. */
export const GraphHostMessageSchema = v.variant('type', [
  ro(
    v.object({
      type: v.literal('graph'),
      title: v.string(),
      nodes: ro(v.array(GraphNodeSchema)),
      layout: GraphLayoutSchema,
      expanded: ro(v.array(v.string())),
      cPaths: ro(v.array(v.string())),
      grouped: ro(v.array(v.string())),
      /** Measured ms per shown node, once the summary panel profiled the same network (colour by time). */
      times: v.optional(ro(v.record(v.string(), v.number()))),
    }),
  ),
  ro(v.object({ type: v.literal('select'), id: v.string() })),
]);
export type GraphHostMessage = v.InferOutput<typeof GraphHostMessageSchema>;
export const isGraphViewMessage = (x: unknown): x is GraphViewMessage => v.is(GraphViewMessageSchema, x);
export const isGraphHostMessage = (x: unknown): x is GraphHostMessage => v.is(GraphHostMessageSchema, x);

/** What the webview keeps with `vscode.setState` and gets back after a reload (the panel serializer). */
export const WebviewStateSchema = ro(
  v.object({
    summary: SummaryDataSchema,
    /** The summary's profile, once measured. */
    profile: v.optional(ProfileSchema),
    collapsed: ro(v.array(v.string())),
    filter: v.string(),
    sort: v.nullable(ro(v.object({ column: v.string(), descending: v.boolean() }))),
    /** The "Count as" selector's rule (absent: torchvision's). */
    countRule: v.optional(CountRuleSchema),
  }),
);
export type WebviewState = v.InferOutput<typeof WebviewStateSchema>;

// ---------------------------------------------------------------------------------------------------------------
// Runtime checks. Messages from the webview come from page scripts and are checked before any use; the others are
// checked too because a mismatch there is a bug that should fail loudly, not render garbage.

export const isWorkerRequest = (x: unknown): x is WorkerRequest => v.is(WorkerRequestSchema, x);
/**
 * The host's "end yourself": the worker stops its evaluations and ends once no onnxruntime call is in flight
 * (terminating a thread inside one aborts the whole process, here VS Code's extension host; engines/native.ts).
 */
export const WorkerStopSchema = ro(v.object({ type: v.literal('stop') }));
export type WorkerStop = v.InferOutput<typeof WorkerStopSchema>;
export const isWorkerStop = (x: unknown): x is WorkerStop => v.is(WorkerStopSchema, x);
export const isWorkerResponse = (x: unknown): x is WorkerResponse => v.is(WorkerResponseSchema, x);
export const isWebviewMessage = (x: unknown): x is WebviewMessage => v.is(WebviewMessageSchema, x);
export const isHostMessage = (x: unknown): x is HostMessage => v.is(HostMessageSchema, x);
export const isWebviewState = (x: unknown): x is WebviewState => v.is(WebviewStateSchema, x);
export const isSummaryData = (x: unknown): x is SummaryData => v.is(SummaryDataSchema, x);
export const isProfileData = (x: unknown): x is ProfileData => v.is(ProfileSchema, x);
export const isConfigData = (x: unknown): x is ConfigData => v.is(NetworkConfigSchema, x);
export const isComparisonData = (x: unknown): x is ComparisonData => v.is(ComparisonSchema, x);
export const isEquivalenceData = (x: unknown): x is EquivalenceData => v.is(EquivalenceSchema, x);
export const isEvaluationData = (x: unknown): x is EvaluationData => v.is(EvaluationViewSchema, x);
export const isEvaluationViewMessage = (x: unknown): x is EvaluationViewMessage => v.is(EvaluationViewMessageSchema, x);

/**
 * The arguments of `resnext.readClass` (a Python CodeLens's Summarize / Graph of a class of the user's, the summary
 * panel's Graph of one): the document (a .py file, or a notebook and its 1-based cell), the construction's line and class.
 */
export const ReadClassArgsSchema = ro(
  v.object({
    action: v.picklist(['summary', 'graph']),
    uri: v.pipe(v.string(), v.minLength(1)),
    cell: v.optional(v.pipe(v.number(), v.safeInteger(), v.minValue(1))),
    line: v.pipe(v.number(), v.safeInteger(), v.minValue(1)),
    className: v.string(),
  }),
);
export type ReadClassArgs = v.InferOutput<typeof ReadClassArgsSchema>;
