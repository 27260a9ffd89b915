/**
 * The compare and equivalence views: one panel each, reused, showing the latest result (static HTML, see
 * compareHtml.ts and equivalenceHtml.ts). The compare view keeps the comparison's Markdown report for
 * "ResNeXt: Export Review Report…". Both live in the extension's Services (created on first use, disposed with the
 * extension's context), not in module state.
 */
import type { EngineTimes } from '../shared/measuredTimes';
import * as vscode from 'vscode';
import type { ComparisonData, EquivalenceData, ProfileData } from '../shared/protocol';
import { compareHtml, EXPORT_REVIEW_REPORT_COMMAND, MEASURE_TIME_COMMAND } from './compareHtml';
import { Disposable } from './disposable';
import { equivalenceHtml } from './equivalenceHtml';
import type { Services } from './services';
import { ReusablePanel } from './staticPanel';

export const COMPARE_VIEW_TYPE = 'resnext.compare';
export const EQUIVALENCE_VIEW_TYPE = 'resnext.equivalence';

/** The last comparison shown or computed, with the core's Markdown report of it. */
export interface LastComparison {
  readonly comparison: ComparisonData;
  readonly markdown: string;
  readonly title: string;
  /** The measured profile of each model (same order), where "Measure time" has run. */
  readonly times?: readonly (ProfileData | undefined)[];
  /** Both engines' profiles, where "Measure on both engines" has run (the side-by-side table). */
  readonly engineTimes?: EngineTimes;
}

/** The report's heading (`# Title` or `## Title`) and the paragraph under it, for the view's title. */
export function reportHeading(markdown: string): { title: string; description?: string } {
  const lines = markdown.split('\n');
  const index = lines.findIndex((l) => /^#{1,3} /.test(l));
  if (index < 0) return { title: 'Architecture comparison' };
  const title = lines[index]!.replace(/^#+ /, '').trim();
  const next = lines.slice(index + 1).find((l) => l.trim() !== '');
  const description = next !== undefined && !/^[#|]/.test(next) ? next.trim().replace(/\s+$/, '') : undefined;
  return description !== undefined ? { title, description } : { title };
}

class ReportViews extends Disposable {
  readonly compare: ReusablePanel;
  readonly equivalence: ReusablePanel;
  last: LastComparison | undefined;

  constructor(readonly context: vscode.ExtensionContext) {
    super();
    this.compare = this._register(new ReusablePanel(context, COMPARE_VIEW_TYPE, { commands: [EXPORT_REVIEW_REPORT_COMMAND, MEASURE_TIME_COMMAND] }));
    this.equivalence = this._register(new ReusablePanel(context, EQUIVALENCE_VIEW_TYPE));
  }

  styleUri(webview: vscode.Webview): string {
    return webview.asWebviewUri(vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'report.css')).toString();
  }
}

type ViewServices = Pick<Services, 'context' | 'views'>;

const reportViews = (services: ViewServices): ReportViews => services.views.get('resnext.reports', () => new ReportViews(services.context));

export function lastComparison(services: ViewServices): LastComparison | undefined {
  return reportViews(services).last;
}

export function rememberComparison(services: ViewServices, comparison: ComparisonData, markdown: string): LastComparison {
  const last = { comparison, markdown, title: reportHeading(markdown).title };
  reportViews(services).last = last;
  return last;
}

export function showComparison(services: ViewServices, comparison: ComparisonData, markdown: string): vscode.WebviewPanel {
  return renderComparison(services, rememberComparison(services, comparison, markdown));
}

/**
 * Puts measured times on the last comparison (when it is still `comparison`) and shows them in the compare view if it
 * is open. Returns whether they were kept.
 */
export function showComparisonTimes(
  services: ViewServices,
  comparison: ComparisonData,
  times: readonly (ProfileData | undefined)[],
  engineTimes?: EngineTimes,
): boolean {
  const views = reportViews(services);
  if (views.last?.comparison !== comparison) return false;
  views.last = { ...views.last, times, ...(engineTimes && { engineTimes }) };
  if (views.compare.isOpen) renderComparison(services, views.last);
  return true;
}

function renderComparison(services: ViewServices, last: LastComparison): vscode.WebviewPanel {
  const { comparison, markdown } = last;
  const views = reportViews(services);
  const heading = reportHeading(markdown);
  const panel = views.compare.show(`Compare: ${heading.title}`);
  const webview = panel.webview;
  webview.html = compareHtml({
    cspSource: webview.cspSource,
    styleUri: views.styleUri(webview),
    title: heading.title,
    ...(heading.description !== undefined && { description: heading.description }),
    comparison,
    ...(last.times && { times: last.times }),
    ...(last.engineTimes && { engineTimes: last.engineTimes }),
  });
  return panel;
}

export function showEquivalence(services: ViewServices, result: EquivalenceData): vscode.WebviewPanel {
  const views = reportViews(services);
  const panel = views.equivalence.show(`Equivalence: ${result.model} ${result.block}`);
  const webview = panel.webview;
  webview.html = equivalenceHtml({ cspSource: webview.cspSource, styleUri: views.styleUri(webview), result });
  return panel;
}

/** Whether the compare panel is open (for tests). */
export function comparePanelOpen(services: ViewServices): boolean {
  return reportViews(services).compare.isOpen;
}
