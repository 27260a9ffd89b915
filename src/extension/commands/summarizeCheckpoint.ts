/**
 * "ResNeXt: Summarize Checkpoint": the architecture inferred from a checkpoint's state dict (any shape the core reads:
 * state dicts at any depth, Lightning/DataParallel prefixes, pickled modules, TorchScript, safetensors), traced with
 * its weights, shown in the summary panel. From the explorer's context menu (the file's URI is the argument) or the
 * palette (asks for the file). The state dict is the one `resnext.stateDictKey` names, else the documented order.
 */
import type { SummaryData } from '../../shared/protocol';
import { checkpointArg, fileName, showCheckpointError, stateDictKeySetting } from '../checkpointFiles';
import { runWithProgress, type Services } from '../services';
import { SummaryPanel } from '../summaryPanel';

export async function summarizeCheckpointCommand(services: Services, arg?: unknown): Promise<SummaryData | undefined> {
  const uri = await checkpointArg(arg, 'Summarize a PyTorch checkpoint', 'Summarize');
  if (!uri) return undefined;
  const name = fileName(uri);
  try {
    const result = await runWithProgress(services, `Summarizing ${name}`, { type: 'summarizeCheckpoint', path: uri.fsPath, ...stateDictKeySetting() });
    SummaryPanel.createOrShow(services, result.summary);
    return result.summary;
  } catch (error) {
    void showCheckpointError(services, error, `Summarizing ${name}`, uri, 'resnext.summarizeCheckpoint');
    return undefined;
  }
}
