import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { resultHtml } from './resultHtml';
import type { ResultPage } from './resultPage';

const SCHEME = 'power-agent-result';
export const SHOW_JSON_COMMAND = 'powerAgent.result.showJson';
/** Pages kept for their JSON view; older ones are dropped. */
const KEPT = 50;

/**
 * Results open read-only: a webview page (summary, facts, tables, the error and what to do), and the
 * full JSON as a virtual document one click away. Neither is a file, so neither asks to be saved.
 */
export class ResultViewer implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly pages = new Map<string, ResultPage>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly extensionUri: vscode.Uri) {
    this.subscriptions = [
      vscode.workspace.registerTextDocumentContentProvider(SCHEME, this),
      vscode.commands.registerCommand('powerAgent.result.showJson', (id: string) => this.showJson(id)),
    ];
  }

  show(page: ResultPage): void {
    const id = randomBytes(8).toString('hex');
    this.pages.set(id, page);
    for (const old of [...this.pages.keys()].slice(0, Math.max(0, this.pages.size - KEPT))) this.pages.delete(old);
    const panel = vscode.window.createWebviewPanel('powerAgent.result', page.title, vscode.ViewColumn.Active, {
      enableScripts: false,
      enableCommandUris: [SHOW_JSON_COMMAND],
    });
    panel.iconPath = vscode.Uri.joinPath(this.extensionUri, 'media', 'icon.png');
    const jsonCommand = `command:${SHOW_JSON_COMMAND}?${encodeURIComponent(JSON.stringify([id]))}`;
    panel.webview.html = resultHtml(page, { nonce: randomBytes(16).toString('base64'), jsonCommand });
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    const page = this.pages.get(uri.query);
    return page ? `${JSON.stringify(page.json, null, 2)}\n` : 'This result is no longer kept; run the command again.';
  }

  private async showJson(id: string): Promise<void> {
    const page = this.pages.get(id);
    if (!page) return;
    const name = page.title.replace(/[^\w .-]+/g, ' ').trim() || 'result';
    const document = await vscode.workspace.openTextDocument(vscode.Uri.from({ scheme: SCHEME, path: `/${name}.json`, query: id }));
    await vscode.languages.setTextDocumentLanguage(document, 'json');
    await vscode.window.showTextDocument(document, { preview: true, viewColumn: vscode.ViewColumn.Beside });
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}
