import * as vscode from 'vscode';
import type { PowerAgentHost } from './host';
import { resultText } from './present';

/** Path fields the palette fills with a file dialog, and whether the tool writes them (a save dialog) or reads them. */
const PATH_FIELDS: Record<string, Record<string, 'read' | 'write' | 'folder'>> = {
  pp_export_solution: { zipFile: 'write' },
  pp_import_solution: { zipFile: 'read', settingsFile: 'read' },
  pp_pack_solution: { folder: 'folder', zipFile: 'write' },
  pp_unpack_solution: { zipFile: 'read', folder: 'folder' },
};

export function pathFieldKind(tool: string, field: string): 'read' | 'write' | 'folder' | undefined {
  return PATH_FIELDS[tool]?.[field];
}

/** A file or folder chosen in VS Code's dialog, starting in the workspace; undefined when dismissed. */
export async function pickPath(kind: 'read' | 'write' | 'folder', title: string, optional: boolean): Promise<string | null | undefined> {
  const defaultUri = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (kind === 'write') {
    return (await vscode.window.showSaveDialog({ title, defaultUri, filters: { 'Solution zip': ['zip'] } }))?.fsPath;
  }
  if (optional) {
    const choice = await vscode.window.showQuickPick(['Choose a file…', 'None'], { title });
    if (choice === undefined) return undefined;
    if (choice === 'None') return null;
  }
  const picked = await vscode.window.showOpenDialog({
    title,
    defaultUri,
    canSelectFiles: kind === 'read',
    canSelectFolders: kind === 'folder',
    canSelectMany: false,
    filters: kind === 'read' ? { 'Solution zip or settings': ['zip', 'json'] } : undefined,
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
