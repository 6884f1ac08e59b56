import * as vscode from 'vscode';

/** Minimal activation for now: the MCP definition provider, sign-in and views come with the extension issue. */
export function activate(context: vscode.ExtensionContext): void {
  const output = vscode.window.createOutputChannel('Power Agent MCP', { log: true });
  context.subscriptions.push(output);
  output.info('Power Agent MCP activated.');
}

export function deactivate(): void {}
