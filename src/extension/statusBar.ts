import * as vscode from 'vscode';
import { signedInAccount } from './auth';
import type { PowerAgentHost } from './host';

/** Shows who the tools run as and the default environment; a click picks another environment. */
export function createStatusBar(host: PowerAgentHost, state: vscode.Memento): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('powerAgent.status', vscode.StatusBarAlignment.Left, 50);
  item.name = 'Power Agent MCP';
  item.command = 'powerAgent.pickEnvironment';
  const update = () => {
    const s = host.settings;
    const who = s.sandbox ? 'Sandbox' : s.signInWith === 'servicePrincipal' ? `App ${s.applicationId.slice(0, 8) || '(not set)'}` : (signedInAccount(state) ?? 'Not signed in');
    item.text = `$(zap) ${who}${s.defaultEnvironment ? ` · ${s.defaultEnvironment}` : ''}`;
    item.tooltip = `Power Agent MCP\nSigned in as: ${who}\nDefault environment: ${s.defaultEnvironment || 'none'}${s.readOnly ? '\nRead-only mode' : ''}\nClick to pick the default environment.`;
    item.show();
  };
  update();
  return vscode.Disposable.from(item, host.onDidRestart(update), vscode.authentication.onDidChangeSessions(update));
}
