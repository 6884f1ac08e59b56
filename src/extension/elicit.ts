import * as vscode from 'vscode';
import type { ElicitRequest, ElicitResult } from '../tools/types';
import { readableTimes } from './format';

/** Shows a server form (elicitation, such as a typed confirmation) as input boxes titled by the call, one per field; Escape cancels. */
export function elicitWithInputBoxes(title: string): (request: ElicitRequest) => Promise<ElicitResult> {
  return async (request) => {
    const content: Record<string, unknown> = {};
    for (const [name, field] of Object.entries(request.requestedSchema.properties)) {
      const value = await vscode.window.showInputBox({
        title,
        prompt: readableTimes(request.message),
        placeHolder: field.description ?? field.title,
        ignoreFocusOut: true,
      });
      if (value === undefined) return { action: 'cancel' };
      content[name] = value;
    }
    return { action: 'accept', content };
  };
}
