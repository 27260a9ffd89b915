/**
 * "ResNeXt: Show Split-Transform-Merge Equivalence": a preset, then one of its blocks (layer1.0 first); the worker
 * computes the block in the three forms of Xie et al. Fig. 3 (src/model/equivalence.ts) and the equivalence view
 * (reportPanels.ts) explains the forms next to the measured differences and op counts.
 * Automation: `executeCommand('resnext.equivalence', { preset: 'resnext50_32x4d', block: 'layer2.0', show?: false })`;
 * returns the equivalence (plain JSON) or undefined.
 */
import * as vscode from 'vscode';
import { architecture, resolveConfig } from '../../model/architecture';
import { presetCatalog } from '../../model/catalog';
import { isInputError } from '../../model/errors';
import type { EquivalenceData } from '../../shared/protocol';
import { showError, UserInputError } from '../errors';
import { presetQuickPickItems } from '../presetQuickPick';
import { showEquivalence } from '../reportPanels';
import { runWithProgress, type Services } from '../services';
import { readSettings } from '../settings';
import type { JobOf } from '../../shared/protocol';

/** The core's DEFAULT_BLOCK (src/model/equivalence.ts, not imported here: it loads TF.js). */
const DEFAULT_BLOCK = 'layer1.0';
const TITLE = 'ResNeXt: Split-Transform-Merge Equivalence';

interface EquivalenceArgs {
  readonly preset?: string;
  readonly block?: string;
  readonly show?: boolean;
}

function parseArgs(arg: unknown): EquivalenceArgs | undefined {
  if (typeof arg !== 'object' || arg === null || arg instanceof vscode.Uri) return undefined;
  const a = arg as Record<string, unknown>;
  return {
    ...(typeof a.preset === 'string' && { preset: a.preset }),
    ...(typeof a.block === 'string' && { block: a.block }),
    ...(typeof a.show === 'boolean' && { show: a.show }),
  };
}

/** The job for a preset and block, both checked here so that a bad name fails before the worker starts. */
export function equivalenceJob(preset: string, block: string): JobOf<'equivalence'> {
  try {
    const { model, config } = resolveConfig(preset);
    const blocks = architecture(config).blocks.map((b) => b.name);
    if (!blocks.includes(block)) throw new UserInputError(`${model} has no block '${block}'; valid blocks: ${blocks.join(', ')}`);
    return { type: 'equivalence', model, config, block };
  } catch (error) {
    if (isInputError(error)) throw new UserInputError(error.message);
    throw error;
  }
}

async function pick(): Promise<JobOf<'equivalence'> | undefined> {
  const catalog = presetCatalog();
  const preset = await vscode.window.showQuickPick(presetQuickPickItems(catalog, readSettings().defaultPreset, false), {
    title: `${TITLE}: preset`,
    placeHolder: 'The network whose block to compute in three forms',
  });
  if (!preset) return undefined;
  const entry = catalog.find((p) => p.name === preset.label);
  if (!entry) return undefined;
  const blocks = architecture(entry.config).blocks.filter((b) => b.kind === 'bottleneck');
  const ordered = blocks; // the first block (layer1.0, or the CIFAR layout's stage_1.stage_1_bottleneck_0) is the default
  const block = await vscode.window.showQuickPick(
    ordered.map((b) => ({
      label: b.name,
      description: `C = ${b.conv2.groups}, d = ${b.conv2.inChannels / b.conv2.groups}; ${b.conv1.inChannels}→${b.conv3.outChannels} channels${b.conv2.stride > 1 ? `, stride ${b.conv2.stride}` : ''}`,
      detail: b.downsample ? 'first block of its stage: downsample shortcut' : undefined,
    })),
    { title: `${TITLE}: block of ${entry.name}`, placeHolder: `Block (${blocks[0]?.name ?? DEFAULT_BLOCK} by default)` },
  );
  if (!block) return undefined;
  return equivalenceJob(entry.name, block.label);
}

export async function equivalenceCommand(services: Services, arg?: unknown): Promise<EquivalenceData | undefined> {
  const args = parseArgs(arg);
  let job: JobOf<'equivalence'> | undefined;
  try {
    job = args?.preset !== undefined ? equivalenceJob(args.preset, args.block ?? DEFAULT_BLOCK) : await pick();
  } catch (error) {
    void showError(error, TITLE, services);
    return undefined;
  }
  if (!job) return undefined;
  try {
    const result = await runWithProgress(services, 'Computing the three forms', job);
    const e = result.result;
    services.log.info(`equivalence ${e.model} ${e.block}: max |Δ| a-c ${e.maxAbsDiff.aVsC}, b-c ${e.maxAbsDiff.bVsC}`);
    if (args?.show !== false) showEquivalence(services, e);
    return e;
  } catch (error) {
    void showError(error, 'Computing the split-transform-merge equivalence', services);
    return undefined;
  }
}
