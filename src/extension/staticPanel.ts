/** The script-free result views (classification, compare, equivalence): one panel per view type, reused. */
import * as vscode from 'vscode';

/**
 * Reveals and retitles `existing`, or creates the panel in the active group (`ViewColumn.Beside` sometimes left the
 * web workbench's webview frame empty). Resources only from `dist/`.
 */
export function reusablePanel(
  context: vscode.ExtensionContext,
  existing: vscode.WebviewPanel | undefined,
  viewType: string,
  title: string,
  options: { commands?: readonly string[] },
  onDispose: () => void,
): vscode.WebviewPanel {
  if (existing) {
    existing.reveal(existing.viewColumn);
    existing.title = title;
    return existing;
  }
  const created = vscode.window.createWebviewPanel(viewType, title, vscode.ViewColumn.Active, {
    // The pages have no script and their CSP (default-src 'none', no script-src) forbids any; VS Code's web
    // workbench renders a webview with scripts disabled as an empty frame, so the flag stays on and the CSP refuses.
    enableScripts: true,
    ...(options.commands && { enableCommandUris: options.commands }),
    localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist')],
  });
  created.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'icon.png');
  created.onDidDispose(onDispose);
  return created;
}
