/**
 * "ResNeXt: Compare Architectures": one of the core's built-in comparisons (e.g. the cardinality sweep of Xie et al.
 * Table 2) or presets of your choice, traced in the worker, shown in the compare view (reportPanels.ts: totals with
 * differences against the first, per-stage charts and table). "ResNeXt: Export Review Report…" saves the core's
 * Markdown report of the last comparison.
 * Automation: `executeCommand('resnext.compareArchitectures', { comparison: 'cardinality-sweep' })` or
 * `{ presets: ['resnet50', 'resnext50_32x4d'], show?: false }` or `{ entries: [{ model, config }, …] }` (configurations, e.g. from a
 * Python CodeLens); returns the comparison (plain JSON).
 * `executeCommand('resnext.exportReviewReport', uri?)` writes there without asking; returns the Uri or undefined.
 * "ResNeXt: Measure Forward Time" (the compare view's "Measure time"): profiles each configuration of the last
 * comparison in the worker, one after another, and shows the times next to the MACs; returns them (ms) or undefined.
 */
import { SIDE_BY_SIDE_ENGINES, type SideBySideEngine } from '../../shared/measuredTimes';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { presetCatalog } from '../../model/catalog';
import { resolveConfig } from '../../model/architecture';
import { isInputError } from '../../model/errors';
import type { NetworkConfig } from '../../model/config';
import { networkConfigOf } from '../../model/summaryConfig';
import { withMeasuredTimes } from '../../model/report/compare';
import type { ComparisonData, ProfileData } from '../../shared/protocol';
import { showError, UserInputError } from '../errors';
import { presetQuickPickItems } from '../presetQuickPick';
import { runWithProgress, type Services } from '../services';
import { readSettings } from '../settings';
import { lastComparison, rememberComparison, showComparison, showComparisonTimes } from '../reportPanels';
import { VIEW_PROFILE_RUNS } from '../../shared/profile';
import { CancelledError } from '../workerHost';
import type { JobOf } from '../../shared/protocol';

type CompareJob = JobOf<'compare' | 'compareEntries'>;

interface CompareArgs {
  readonly comparison?: string;
  readonly presets?: readonly string[];
  readonly entries?: readonly { readonly model: string; readonly config: Partial<NetworkConfig> }[];
  readonly show?: boolean;
}

function parseArgs(arg: unknown): CompareArgs | undefined {
  if (typeof arg !== 'object' || arg === null || arg instanceof vscode.Uri) return undefined;
  const a = arg as Record<string, unknown>;
  return {
    ...(typeof a.comparison === 'string' && { comparison: a.comparison }),
    ...(Array.isArray(a.presets) && a.presets.every((p) => typeof p === 'string') && { presets: a.presets as string[] }),
    ...(Array.isArray(a.entries) && { entries: (a.entries as unknown[]).filter(isEntry) }),
    ...(typeof a.show === 'boolean' && { show: a.show }),
  };
}

const isEntry = (e: unknown): e is { model: string; config: Partial<NetworkConfig> } =>
  typeof e === 'object' && e !== null && typeof (e as { model?: unknown }).model === 'string' && typeof (e as { config?: unknown }).config === 'object';

/** Configurations → a worker job, each validated by the core (a preset's values fill in what an entry leaves out). */
function entriesJob(entries: NonNullable<CompareArgs['entries']>): CompareJob {
  if (entries.length < 2) throw new UserInputError(`a comparison needs at least two configurations, got ${entries.length}`);
  try {
    return { type: 'compareEntries', entries: entries.map((e) => ({ model: e.model, config: resolveConfig(undefined, { ...e.config }).config })) };
  } catch (error) {
    if (isInputError(error)) throw new UserInputError(error.message);
    throw error;
  }
}

/** Presets → a worker job; the configurations are validated here so a bad name fails before any tracing. */
function presetsJob(presets: readonly string[]): CompareJob {
  if (presets.length < 2) throw new UserInputError(`a comparison needs at least two presets, got ${presets.length}`);
  try {
    return { type: 'compareEntries', entries: presets.map((p) => ({ model: p, config: resolveConfig(p).config })) };
  } catch (error) {
    if (isInputError(error)) throw new UserInputError(error.message);
    throw error;
  }
}

export async function compareArchitecturesCommand(services: Services, arg?: unknown): Promise<ComparisonData | undefined> {
  const args = parseArgs(arg);
  let job: CompareJob | undefined;
  try {
    if (args?.comparison !== undefined) job = { type: 'compare', preset: args.comparison };
    else if (args?.presets !== undefined) job = presetsJob(args.presets);
    else if (args?.entries !== undefined) job = entriesJob(args.entries);
    else job = await pickComparison(services);
  } catch (error) {
    void showError(error, 'ResNeXt: Compare Architectures', services);
    return undefined;
  }
  if (!job) return undefined;
  try {
    const result = await runWithProgress(services, 'Comparing architectures', job);
    services.log.info(`compared ${result.comparison.models.map((m) => m.model).join(', ')}`);
    if (args?.show !== false) showComparison(services, result.comparison, result.markdown);
    else rememberComparison(services, result.comparison, result.markdown);
    return result.comparison;
  } catch (error) {
    void showError(error, 'Comparing architectures', services);
    return undefined;
  }
}

const CHOOSE_LABEL = 'Choose presets…';

async function pickComparison(services: Services): Promise<CompareJob | undefined> {
  // The built-in comparisons are defined in the core next to TF.js code, so the worker lists them; the quick pick
  // opens at once and fills in when it answers.
  const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { id?: string }>();
  pick.title = 'ResNeXt: Compare Architectures';
  pick.placeholder = 'A built-in comparison, or presets of your choice';
  pick.busy = true;
  pick.items = [{ label: CHOOSE_LABEL, description: 'two or more torchvision presets side by side' }];
  pick.show();
  services.worker.run({ type: 'listComparisons' }).then(
    (result) => {
      pick.items = [
        ...result.presets.map((p) => ({ label: p.title, detail: p.description, id: p.id })),
        { label: '', kind: vscode.QuickPickItemKind.Separator },
        ...pick.items,
      ];
      pick.busy = false;
    },
    (error: unknown) => {
      pick.busy = false;
      services.log.error(`listing the built-in comparisons failed: ${error instanceof Error ? error.message : String(error)}`);
    },
  );
  const chosen = await new Promise<(vscode.QuickPickItem & { id?: string }) | undefined>((resolve) => {
    pick.onDidAccept(() => resolve(pick.selectedItems[0]));
    pick.onDidHide(() => resolve(undefined));
  });
  pick.dispose();
  if (!chosen) return undefined;
  if (chosen.id !== undefined) return { type: 'compare', preset: chosen.id };
  const picked = await vscode.window.showQuickPick(presetQuickPickItems(presetCatalog(), readSettings().defaultPreset, false), {
    title: 'Compare presets (the first picked is the reference)',
    canPickMany: true,
    placeHolder: 'Pick two or more presets',
  });
  if (!picked || picked.length === 0) return undefined;
  return presetsJob(picked.map((p) => p.label));
}

/** "ResNeXt: Export Review Report…": the core's Markdown report of the last comparison, saved where the user says. */
export async function exportReviewReportCommand(services: Services, arg?: unknown): Promise<vscode.Uri | undefined> {
  const last = lastComparison(services);
  if (!last) {
    void vscode.window.showInformationMessage('Compare architectures first (ResNeXt: Compare Architectures); the review report is that comparison.');
    return undefined;
  }
  try {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const fileName = `${
      last.title
        .replace(/[^\w.-]+/g, '_')
        .replace(/^_+|_+$/g, '')
        .slice(0, 80) || 'comparison'
    }.md`;
    const uri =
      arg instanceof vscode.Uri
        ? arg
        : await vscode.window.showSaveDialog({
            title: 'Export the comparison as a Markdown review report',
            saveLabel: 'Export',
            filters: { Markdown: ['md'] },
            ...(folder && { defaultUri: vscode.Uri.joinPath(folder, fileName) }),
          });
    if (!uri) return undefined;
    // The measured forward times go into the report too when they were measured.
    const markdown = withMeasuredTimes(last.markdown, last.comparison.models, last.times, last.engineTimes);
    if (uri.scheme === 'file') await fs.writeFile(uri.fsPath, markdown, 'utf8');
    else await vscode.workspace.fs.writeFile(uri, Buffer.from(markdown, 'utf8'));
    services.log.info(`exported the review report of ${last.comparison.models.map((m) => m.model).join(', ')} to ${uri.toString(true)}`);
    if (!(arg instanceof vscode.Uri)) void vscode.window.showInformationMessage(`Saved ${path.basename(uri.path)}`);
    return uri;
  } catch (error) {
    void showError(error, 'Exporting the review report', services);
    return undefined;
  }
}

/**
 * "ResNeXt: Measure Forward Time": the core's profile() of each configuration of the last comparison, in the worker,
 * one after another behind one cancellable notification (cancel ends the worker's job; the times measured so far stay).
 * The compare view fills in each time as it arrives.
 */
export async function measureForwardTimeCommand(services: Services, arg?: unknown): Promise<readonly number[] | undefined> {
  // The view's "Measure on both engines" passes 'both': each configuration on onnxruntime, then on wasm.
  const engines: readonly (SideBySideEngine | undefined)[] = arg === 'both' ? SIDE_BY_SIDE_ENGINES : [undefined];
  const last = lastComparison(services);
  if (!last) {
    void vscode.window.showInformationMessage(
      "Compare architectures first (ResNeXt: Compare Architectures); Measure Forward Time times that comparison's configurations.",
    );
    return undefined;
  }
  const { comparison } = last;
  const models = comparison.models;
  const times: (ProfileData | undefined)[] = models.map(() => undefined);
  const byEngine = { onnxruntime: [...times], wasm: [...times] };
  const started = performance.now();
  services.log.info(`Measuring forward time of ${models.map((m) => m.model).join(', ')}: started (${services.worker.isRunning ? 'warm' : 'cold'} worker)`);
  try {
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Measuring forward time', cancellable: true },
      async (progress, token) => {
        for (const engine of engines) {
          for (const [i, m] of models.entries()) {
            if (token.isCancellationRequested) throw new CancelledError();
            const step = `${i + 1}/${models.length} ${m.model}${engine ? ` on ${engine}` : ''}`;
            progress.report({ message: step });
            const job = { type: 'profile', model: m.model, config: networkConfigOf(m.config), runs: VIEW_PROFILE_RUNS, ...(engine && { engine }) } as const;
            const reply = await services.worker.run(job, { token, onProgress: (message) => progress.report({ message: `${step}: ${message}` }) });
            const p = reply.profile;
            if (engine) byEngine[engine][i] = p;
            if (!engine || engine === SIDE_BY_SIDE_ENGINES[0]) times[i] = p;
            services.log.info(
              `${m.model}: forward ${p.totalMs.toFixed(1)} ms on ${p.engine?.name ?? 'the engine'} (median of ${p.runs}, ${p.threads} thread(s))`,
            );
            showComparisonTimes(services, comparison, [...times], engine ? { onnxruntime: [...byEngine.onnxruntime], wasm: [...byEngine.wasm] } : undefined);
          }
        }
      },
    );
    services.log.info(`Measuring forward time: done in ${(performance.now() - started).toFixed(0)} ms`);
    return times.map((t) => t!.totalMs);
  } catch (error) {
    void showError(error, 'Measuring forward time', services);
    return undefined;
  }
}
