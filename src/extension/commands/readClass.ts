/**
 * A Python CodeLens's Summarize and Graph of a class of the user's (issue 23 item 3), and the summary panel's Graph
 * of one: the scan worker reads the construction with forward()'s calls recorded (src/python/classSummary.ts, what
 * `resnext summarize|graph --python FILE` prints) and the summary panel or the graph view shows it, marked "read from
 * your code". Returns the summary shown (for tests).
 */
import * as v from 'valibot';
import * as vscode from 'vscode';
import type { PythonModels } from '../codeLens';
import { showError, UserInputError } from '../errors';
import { showGraph } from '../graphPanel';
import type { Services } from '../services';
import { SummaryPanel } from '../summaryPanel';
import { ReadClassArgsSchema, type SummaryData } from '../../shared/protocol';

const TITLE = { summary: 'ResNeXt: Summarize', graph: 'ResNeXt: Show Architecture Graph' } as const;

async function documentOf(uri: string, cell: number | undefined): Promise<vscode.TextDocument> {
  const notebook = vscode.workspace.notebookDocuments.find((n) => n.uri.toString() === uri);
  if (notebook) {
    if (cell === undefined || cell > notebook.cellCount)
      throw new UserInputError(`the notebook ${vscode.workspace.asRelativePath(notebook.uri)} has no cell ${cell ?? '(none given)'}`);
    return notebook.cellAt(cell - 1).document;
  }
  if (cell !== undefined) throw new UserInputError(`the notebook ${uri} is not open: open it and use the lens above the construction`);
  return vscode.workspace.openTextDocument(vscode.Uri.parse(uri));
}

export async function readClassCommand(services: Services, models: PythonModels, arg?: unknown): Promise<SummaryData | undefined> {
  const parsed = v.safeParse(ReadClassArgsSchema, arg);
  if (!parsed.success) {
    void showError(
      new UserInputError('this command reads a class of your code from a Python CodeLens (Summarize or Graph above the construction)'),
      'ResNeXt',
      services,
    );
    return undefined;
  }
  const args = parsed.output;
  const what = `${args.action === 'summary' ? 'Summary' : 'Graph'} of ${args.className}`;
  try {
    const document = await documentOf(args.uri, args.cell);
    const reply = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Reading ${args.className} from your code…` }, () =>
      models.read(document, { kind: args.action, line: args.line, className: args.className, ...(args.cell !== undefined ? { cell: args.cell } : {}) }),
    );
    if (reply.kind === 'summary') {
      services.log.info(
        `${what}: read from your code (${reply.summary.layers.length} rows, forward() ${reply.summary.readFrom.macsKnown ? 'followed' : 'not followed'})`,
      );
      SummaryPanel.createOrShow(services, reply.summary);
      return reply.summary;
    }
    if (reply.kind === 'graph') {
      services.log.info(`${what}: read from your code (${reply.graph.nodes.length} nodes)`);
      showGraph(services, `${args.className} (read from your code)`, { graph: reply.graph, grouped: [], nodes: reply.nodes, layout: reply.layout });
      return undefined;
    }
    throw new UserInputError(reply.kind === 'error' ? reply.message : 'the file changed while it was read; try again');
  } catch (error) {
    void showError(error, TITLE[args.action], services);
    return undefined;
  }
}
