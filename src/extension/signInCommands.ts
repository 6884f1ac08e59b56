import * as vscode from 'vscode';
import { isCanceledSignIn, SECRET_KEY, signedInAccount, signIn, signOut } from './auth';
import type { PowerAgentHost } from './host';
import { PRODUCT } from './settings';

/**
 * Sign In, Sign Out, the sandbox and the service principal's secret. Signing in from the sandbox keeps
 * the sandbox until the sign-in succeeded; a consent the person closed is no error.
 */
export function registerSignInCommands(
  context: vscode.ExtensionContext,
  host: PowerAgentHost,
  log: vscode.LogOutputChannel,
): vscode.Disposable[] {
  const config = () => vscode.workspace.getConfiguration('powerAgent');
  return [
    vscode.commands.registerCommand('powerAgent.signIn', async () => {
      const fromSandbox = host.settings.sandbox;
      if (fromSandbox) {
        const choice = await vscode.window.showInformationMessage(
          `${PRODUCT} is using the local sandbox. Sign in to your tenant instead?`,
          { modal: true, detail: 'The sandbox stays in use until the sign-in succeeds.' },
          'Sign In to Tenant',
        );
        if (!choice) return;
      }
      let account: string | undefined;
      try {
        account = await signIn({
          settings: host.settings,
          endpoints: host.endpoints,
          state: context.globalState,
          auth: vscode.authentication,
          pick: vscode.window.showQuickPick,
        });
      } catch (error) {
        if (!isCanceledSignIn(error)) {
          log.warn(`Sign-in failed: ${(error as Error)?.message ?? String(error)}`);
          void vscode.window.showErrorMessage(`${PRODUCT}: the sign-in did not complete: ${(error as Error)?.message ?? String(error)}`);
          return;
        }
      }
      if (!account) {
        vscode.window.setStatusBarMessage(`${PRODUCT}: sign-in canceled${fromSandbox ? '; still using the sandbox' : ''}.`, 8000);
        return;
      }
      if (fromSandbox) {
        // The sandbox's environments do not exist in the tenant.
        if (host.environmentName(host.settings.defaultEnvironment)) await clearDefaultEnvironment();
        await config().update('sandbox', false, vscode.ConfigurationTarget.Global);
      } else await host.restart();
      const pick = 'Pick Default Environment';
      const next = await vscode.window.showInformationMessage(`${PRODUCT} signed in as ${account}.`, pick);
      if (next === pick) await vscode.commands.executeCommand('powerAgent.pickEnvironment');
    }),
    vscode.commands.registerCommand('powerAgent.signOut', async () => {
      const account = signedInAccount(context.globalState);
      await signOut(context.globalState);
      await host.restart();
      void vscode.window.showInformationMessage(
        `${PRODUCT} no longer uses ${account ?? 'a Microsoft account'}. The account stays in VS Code's Accounts menu; sign it out there to remove it everywhere.`,
      );
    }),
    vscode.commands.registerCommand('powerAgent.useSandbox', async () => {
      if (host.settings.sandbox) return;
      await config().update('sandbox', true, vscode.ConfigurationTarget.Global);
    }),
    vscode.commands.registerCommand('powerAgent.setServicePrincipalSecret', async () => {
      const secret = await vscode.window.showInputBox({
        title: `${PRODUCT}: Service Principal Secret`,
        prompt: 'Stored in VS Code secret storage, never in settings.',
        password: true,
        ignoreFocusOut: true,
      });
      if (secret === undefined) return;
      await context.secrets.store(SECRET_KEY, secret);
      await host.restart();
    }),
  ];
}

/** Removes the default environment wherever it is set (workspace or user settings). */
async function clearDefaultEnvironment(): Promise<void> {
  const config = vscode.workspace.getConfiguration('powerAgent');
  const where = config.inspect<string>('defaultEnvironment');
  if (where?.workspaceValue !== undefined) await config.update('defaultEnvironment', undefined, vscode.ConfigurationTarget.Workspace);
  if (where?.globalValue !== undefined) await config.update('defaultEnvironment', undefined, vscode.ConfigurationTarget.Global);
}
