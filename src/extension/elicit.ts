import * as vscode from 'vscode';
import type { ElicitRequest, ElicitResult } from '../tools/types';

/** Shows a server form (elicitation) as input boxes, one per field; Escape cancels. */
export async function elicitWithInputBoxes(request: ElicitRequest): Promise<ElicitResult> {
  const content: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(request.requestedSchema.properties)) {
    const value = await vscode.window.showInputBox({ title: 'Power Agent MCP', prompt: request.message, placeHolder: field.description ?? field.title, ignoreFocusOut: true });
    if (value === undefined) return { action: 'cancel' };
    content[name] = value;
  }
  return { action: 'accept', content };
}
