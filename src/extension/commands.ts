/** Every command id in one place (error-lens style); package.json's `contributes.commands` lists the same ids. */
export enum Command {
  Summarize = 'resnext.summarize',
  SummarizeCheckpoint = 'resnext.summarizeCheckpoint',
  InspectCheckpoint = 'resnext.inspectCheckpoint',
  ConvertCheckpoint = 'resnext.convertCheckpoint',
  /** The Checkpoint Inspector's title button: converts the inspected file (hidden from the palette). */
  ConvertInspectedCheckpoint = 'resnext.convertInspectedCheckpoint',
  /** A checkpoint (explorer, Checkpoint Inspector) or the summary panel's network as an ONNX file. */
  ExportOnnx = 'resnext.exportOnnx',
  ClassifyImage = 'resnext.classifyImage',
  ClassifyFolder = 'resnext.classifyFolder',
  CompareArchitectures = 'resnext.compareArchitectures',
  ExportReviewReport = 'resnext.exportReviewReport',
  Equivalence = 'resnext.equivalence',
  /** The compare view's "Measure time": profile each configuration of the last comparison. */
  MeasureForwardTime = 'resnext.measureForwardTime',
  /** A Python CodeLens's "Compare…" (needs the lens's configuration; hidden from the palette). */
  CompareWith = 'resnext.compareWith',
  CompareCheckpoints = 'resnext.compareCheckpoints',
  CheckCheckpoint = 'resnext.checkCheckpoint',
  /** A Check Against Architecture page's hint action (hidden from the palette). */
  ApplyCheckHint = 'resnext.applyCheckHint',
  ShowArchitectureGraph = 'resnext.showArchitectureGraph',
  /** A Python CodeLens's Summarize / Graph of a class of the user's (needs the lens's arguments; hidden from the palette). */
  ReadClass = 'resnext.readClass',
}

/** The summary webview's view type: the serializer and `onWebviewPanel:` activation event use it. */
export const SUMMARY_VIEW_TYPE = 'resnext.summary';
