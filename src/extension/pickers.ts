import * as vscode from 'vscode';
import type { PowerAgentHost } from './host';
import type { PathKind } from './pathFields';
import { resultText } from './present';

/** A file or folder chosen in VS Code's dialog, starting in the workspace; undefined when dismissed. */
export async function pickPath(kind: PathKind, title: string, optional: boolean): Promise<string | null | undefined> {
  const defaultUri = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (kind === 'write') {
    return (await vscode.window.showSaveDialog({ title, defaultUri }))?.fsPath;
  }
  if (optional) {
    const choice = await vscode.window.showQuickPick(['Choose a file…', 'None'], { title });
    if (choice === undefined) return undefined;
    if (choice === 'None') return null;
  }
  const picked = await vscode.window.showOpenDialog({
    title,
    defaultUri,
    canSelectFiles: kind === 'read' || kind === 'fileOrFolder',
    canSelectFolders: kind === 'folder' || kind === 'fileOrFolder',
    canSelectMany: false,
  });
  return picked?.[0]?.fsPath;
}

/** A QuickPick of the solutions in an environment (pp_list_solutions); undefined when dismissed or failed. */
export async function pickSolution(host: PowerAgentHost, environment: string | undefined, title: string): Promise<string | undefined> {
  const runtime = await host.runtime();
  const result = await runtime.callTool('pp_list_solutions', environment ? { environment } : {}, { signal: AbortSignal.timeout(60_000) });
  if (result.isError) {
    void vscode.window.showErrorMessage(resultText(result));
    return undefined;
  }
  const solutions = (result.structuredContent as { solutions: Array<{ uniqueName: string; displayName: string; version: string; managed: boolean }> }).solutions;
  const items = solutions.map((s) => ({ label: s.uniqueName, description: `${s.version} · ${s.managed ? 'managed' : 'unmanaged'}`, detail: s.displayName }));
  return (await vscode.window.showQuickPick(items, { title, placeHolder: 'Choose a solution', matchOnDescription: true, matchOnDetail: true }))?.label;
}
