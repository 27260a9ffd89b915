/**
 * "ResNeXt: Convert to safetensors…": the checkpoint's state dict under torchvision's names, written by the worker
 * with the core's convertToSafetensors (the same as `resnext convert`): asks for the dtype and where to save (next to
 * the input by default), then says so in one short line with Reveal in Explorer and Inspect (details in the log).
 */
import * as path from 'node:path';
import * as v from 'valibot';
import * as vscode from 'vscode';
import type { ConversionData } from '../../shared/protocol';
import { CONVERT_DTYPES } from '../../shared/data';
import { checkpointArg, fileName, showCheckpointError, stateDictKeySetting } from '../checkpointFiles';
import { runWithProgress, type Services } from '../services';

const REVEAL = 'Reveal in Explorer';
const INSPECT = 'Inspect';

const DTYPE_DETAILS: Record<(typeof CONVERT_DTYPES)[number], string> = {
  float32: 'Bit-exact: the same logits as the checkpoint',
  float16: 'Half the size; values rounded to nearest even (as torch .half())',
  bfloat16: 'Half the size, float32 range; values rounded to nearest even (as torch .bfloat16())',
};

/** Automation and tests: `{ input, output, dtype? }` instead of a URI and dialogs. */
const ConvertArgsSchema = v.object({ input: v.string(), output: v.string(), dtype: v.optional(v.picklist(CONVERT_DTYPES)) });
const isConvertArgs = (x: unknown): x is v.InferOutput<typeof ConvertArgsSchema> => v.is(ConvertArgsSchema, x);

export async function convertCheckpointCommand(services: Services, arg?: unknown): Promise<ConversionData | undefined> {
  const automated = isConvertArgs(arg) ? arg : undefined;
  const uri = automated ? vscode.Uri.file(automated.input) : await checkpointArg(arg, 'Convert a checkpoint to safetensors', 'Convert');
  if (!uri) return undefined;
  const name = fileName(uri);
  let dtype = automated?.dtype ?? 'float32';
  let output = automated?.output;
  if (!automated) {
    const picked = await vscode.window.showQuickPick(
      CONVERT_DTYPES.map((d) => ({ label: d, detail: DTYPE_DETAILS[d] })),
      { title: `Convert ${name} to safetensors: precision`, placeHolder: 'float32 keeps every value exactly' },
    );
    if (!picked) return undefined;
    dtype = picked.label;
    const base = name.replace(/(\.pth\.tar|\.[^.]+)$/i, '');
    const target = await vscode.window.showSaveDialog({
      title: `Save ${name} as safetensors`,
      defaultUri: vscode.Uri.file(path.join(path.dirname(uri.fsPath), `${base}${dtype === 'float32' ? '' : `.${dtype}`}.safetensors`)),
      filters: { safetensors: ['safetensors'] },
      saveLabel: 'Convert',
    });
    if (!target) return undefined;
    output = target.fsPath;
  }
  try {
    const { result } = await runWithProgress(services, `Converting ${name}`, {
      type: 'convertCheckpoint',
      input: uri.fsPath,
      output: output!,
      dtype,
      ...stateDictKeySetting(),
    });
    // The details (architecture, state dict, size, full paths) go to the log; the notification stays one short line.
    services.log.info(
      `wrote ${result.output}: ${result.tensors} tensors in ${result.dtype}, ${(result.sizeBytes / 2 ** 20).toFixed(1)} MiB (${result.model}, from ${result.source})`,
    );
    if (!automated) {
      const message = `Converted ${name} → ${path.basename(result.output)} (${result.dtype}, ${result.tensors} tensors)`;
      void vscode.window.showInformationMessage(message, REVEAL, INSPECT).then(async (action) => {
        if (action === REVEAL) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(result.output));
        if (action === INSPECT) await vscode.commands.executeCommand('resnext.inspectCheckpoint', vscode.Uri.file(result.output));
      });
    }
    return result;
  } catch (error) {
    void showCheckpointError(services, error, `Converting ${name}`, uri, 'resnext.convertCheckpoint');
    return undefined;
  }
}
