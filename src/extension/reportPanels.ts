/**
 * The compare and equivalence views: one panel each, reused, showing the latest result (static HTML, see
 * compareHtml.ts and equivalenceHtml.ts). The compare panel keeps the comparison's Markdown report for
 * "ResNeXt: Export Review Report…".
 */
import * as vscode from 'vscode';
import type { ComparisonData, EquivalenceData } from '../shared/protocol';
import { compareHtml, EXPORT_REVIEW_REPORT_COMMAND } from './compareHtml';
import { equivalenceHtml } from './equivalenceHtml';
import { reusablePanel } from './staticPanel';

export const COMPARE_VIEW_TYPE = 'resnext.compare';
export const EQUIVALENCE_VIEW_TYPE = 'resnext.equivalence';

let comparePanel: vscode.WebviewPanel | undefined;
let equivalencePanel: vscode.WebviewPanel | undefined;

/** The last comparison shown or computed, with the core's Markdown report of it. */
export interface LastComparison {
  readonly comparison: ComparisonData;
  readonly markdown: string;
  readonly title: string;
}

let last: LastComparison | undefined;

export function lastComparison(): LastComparison | undefined {
  return last;
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

export function rememberComparison(comparison: ComparisonData, markdown: string): LastComparison {
  last = { comparison, markdown, title: reportHeading(markdown).title };
  return last;
}

const styleUri = (context: vscode.ExtensionContext, webview: vscode.Webview): string =>
  webview.asWebviewUri(vscode.Uri.joinPath(context.extensionUri, 'dist', 'report.css')).toString();

export function showComparison(context: vscode.ExtensionContext, comparison: ComparisonData, markdown: string): vscode.WebviewPanel {
  rememberComparison(comparison, markdown);
  const heading = reportHeading(markdown);
  comparePanel = reusablePanel(context, comparePanel, COMPARE_VIEW_TYPE, `Compare: ${heading.title}`, { commands: [EXPORT_REVIEW_REPORT_COMMAND] }, () => (comparePanel = undefined));
  const webview = comparePanel.webview;
  webview.html = compareHtml({
    cspSource: webview.cspSource,
    styleUri: styleUri(context, webview),
    title: heading.title,
    ...(heading.description !== undefined && { description: heading.description }),
    comparison,
  });
  return comparePanel;
}

export function showEquivalence(context: vscode.ExtensionContext, result: EquivalenceData): vscode.WebviewPanel {
  const title = `Equivalence: ${result.model} ${result.block}`;
  equivalencePanel = reusablePanel(context, equivalencePanel, EQUIVALENCE_VIEW_TYPE, title, {}, () => (equivalencePanel = undefined));
  const webview = equivalencePanel.webview;
  webview.html = equivalenceHtml({ cspSource: webview.cspSource, styleUri: styleUri(context, webview), result });
  return equivalencePanel;
}

/** Whether the compare panel is open (for tests). */
export function comparePanelOpen(): boolean {
  return comparePanel !== undefined;
}
