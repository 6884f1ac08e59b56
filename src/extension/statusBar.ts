import * as vscode from 'vscode';
import { signedInAccount } from './auth';
import type { PowerAgentHost } from './host';
import { PRODUCT } from './settings';
import { statusView } from './statusView';

/**
 * Shows who the tools run as and the default environment by name, and in its hover the server's health
 * (pp_server_status's checks); a click picks another environment, or signs in.
 */
export function createStatusBar(host: PowerAgentHost, state: vscode.Memento): vscode.Disposable {
  const item = vscode.window.createStatusBarItem('powerAgent.status', vscode.StatusBarAlignment.Left, 50);
  item.name = PRODUCT;
  let asked = false;
  const update = () => {
    const s = host.settings;
    const view = statusView({
      sandbox: s.sandbox,
      servicePrincipal: s.signInWith === 'servicePrincipal' ? s.applicationId : undefined,
      account: signedInAccount(state),
      defaultEnvironment: s.defaultEnvironment,
      environmentName: host.environmentName(s.defaultEnvironment),
      readOnly: s.readOnly,
      status: host.serverStatus(),
    });
    item.text = view.text;
    item.tooltip = new vscode.MarkdownString(view.tooltip, true);
    item.command = view.signedIn ? 'powerAgent.pickEnvironment' : 'powerAgent.signIn';
    item.show();
    // The default environment is stored by id: read the list once to show its name.
    if (view.signedIn && s.defaultEnvironment && !view.named && !asked) {
      asked = true;
      void host.listEnvironments().catch(() => undefined);
    }
  };
  update();
  return vscode.Disposable.from(
    item,
    host.onDidRestart(() => {
      asked = false;
      update();
    }),
    host.onDidListEnvironments(update),
    host.onDidCallTool(update),
    host.onDidChangeOperation(update),
    vscode.authentication.onDidChangeSessions(update),
  );
}
