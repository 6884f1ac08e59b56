import * as vscode from 'vscode';
import type { OperationRecord } from '../operations/record';
import { SECRET_KEY, signIn, signOut } from './auth';
import { registerToolCommands, pickEnvironment } from './commands';
import { toolCommandId } from './contributions';
import { EnvironmentsView } from './environmentsView';
import { PowerAgentHost, TOOL_MANIFEST } from './host';
import { channelLogger } from './logger';
import { registerLanguageModelTools } from './lmTools';
import { registerMcpProvider } from './mcpProvider';
import { OperationsView } from './operationsView';
import { resultDocument } from './present';
import { SIGN_IN_SETTINGS, SAFETY_SETTINGS } from './settings';
import { createStatusBar } from './statusBar';

/** The extension's public surface, for tests and other extensions. */
export interface PowerAgentApi {
  host: PowerAgentHost;
}

export function activate(context: vscode.ExtensionContext): PowerAgentApi {
  const channel = vscode.window.createOutputChannel('Power Agent MCP', { log: true });
  let host: PowerAgentHost;
  const logger = channelLogger(channel, () => host?.settings.logLevel ?? 'info');
  host = new PowerAgentHost(context, logger);
  const operations = new OperationsView(host);
  const environments = new EnvironmentsView(host);
  context.subscriptions.push(
    channel,
    host,
    operations,
    environments,
    registerMcpProvider(host),
    registerLanguageModelTools(host, TOOL_MANIFEST),
    registerToolCommands(host, TOOL_MANIFEST),
    createStatusBar(host, context.globalState),
    vscode.workspace.onDidChangeConfiguration((event) => {
      const affects = (names: string[]) => names.some((name) => event.affectsConfiguration(`powerAgent.${name}`));
      if (affects(SIGN_IN_SETTINGS)) void host.restart();
      else if (affects(SAFETY_SETTINGS)) void host.restart({ keepSignIn: true });
    }),
    ...registerCommands(context, host, operations, environments, channel),
  );
  logger.info(`Power Agent MCP activated (${host.settings.sandbox ? 'sandbox' : 'tenant'}; tools for Copilot through ${host.settings.toolPath === 'mcp' ? 'the MCP server' : 'Language Model tools'}).`);
  return { host };
}

function registerCommands(context: vscode.ExtensionContext, host: PowerAgentHost, operations: OperationsView, environments: EnvironmentsView, channel: vscode.LogOutputChannel): vscode.Disposable[] {
  const config = () => vscode.workspace.getConfiguration('powerAgent');
  return [
    vscode.commands.registerCommand('powerAgent.signIn', async () => {
      if (host.settings.sandbox) {
        const choice = await vscode.window.showInformationMessage('Power Agent MCP is using the local sandbox. Sign in to your tenant instead?', 'Sign In to Tenant');
        if (!choice) return;
        await config().update('sandbox', false, vscode.ConfigurationTarget.Global);
      }
      const account = await signIn({ settings: host.settings, endpoints: host.endpoints, state: context.globalState, auth: vscode.authentication, pick: vscode.window.showQuickPick });
      if (account) {
        void vscode.window.showInformationMessage(`Power Agent MCP signed in as ${account}.`);
        await host.restart();
      }
    }),
    vscode.commands.registerCommand('powerAgent.signOut', async () => {
      await signOut(context.globalState);
      await host.restart();
      void vscode.window.showInformationMessage('Power Agent MCP no longer uses your account. Remove it from VS Code in the Accounts menu if you want it gone everywhere.');
    }),
    vscode.commands.registerCommand('powerAgent.useSandbox', () => config().update('sandbox', true, vscode.ConfigurationTarget.Global)),
    vscode.commands.registerCommand('powerAgent.setServicePrincipalSecret', async () => {
      const secret = await vscode.window.showInputBox({ title: 'Service principal secret', prompt: 'Stored in VS Code secret storage, never in settings.', password: true, ignoreFocusOut: true });
      if (secret === undefined) return;
      await context.secrets.store(SECRET_KEY, secret);
      await host.restart();
    }),
    vscode.commands.registerCommand('powerAgent.pickEnvironment', async () => {
      const picked = await pickEnvironment(host, 'Default environment for Power Agent MCP', false);
      if (picked) await config().update('defaultEnvironment', picked.value, vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
    }),
    vscode.commands.registerCommand('powerAgent.refreshEnvironments', () => environments.refresh()),
    vscode.commands.registerCommand('powerAgent.showLog', () => channel.show()),
    vscode.commands.registerCommand('powerAgent.operation.open', async (record?: OperationRecord) => {
      if (!record) return;
      const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: resultDocument(record.title, `State: ${record.state}${record.error ? `\nError: ${record.error.message}` : ''}`, record) });
      await vscode.window.showTextDocument(document, { preview: true });
    }),
    vscode.commands.registerCommand('powerAgent.operation.copyId', async (record?: OperationRecord) => {
      if (record) await vscode.env.clipboard.writeText(record.id);
    }),
    vscode.commands.registerCommand('powerAgent.operation.follow', async (record?: OperationRecord) => {
      if (!record) return;
      (await host.runtime()).operations.refresh(record.id);
      operations.refreshSoon();
    }),
    vscode.commands.registerCommand('powerAgent.operation.stopWaiting', async (record?: OperationRecord) => {
      if (!record) return;
      const released = (await host.runtime()).operations.release(record.id);
      operations.refreshSoon();
      if (!released) void vscode.window.showInformationMessage(`Nothing waits for "${record.title}"; it is followed in the background.`);
    }),
    vscode.commands.registerCommand('powerAgent.operation.retry', async (record?: OperationRecord) => {
      if (!record) return;
      const tool = RETRY_TOOLS[record.kind];
      const preset = tool === 'pp_create_environment' ? { displayName: record.environment.displayName } : { environment: record.environment.id ?? record.environment.displayName, ...(record.source?.id ? { source: record.source.id } : {}) };
      await vscode.commands.executeCommand(toolCommandId(tool), preset);
    }),
    vscode.commands.registerCommand('powerAgent.environment.runTool', async (node?: { env?: { id: string } }) => {
      const tools = TOOL_MANIFEST.filter((t) => 'environment' in ((t.inputSchema.properties as object) ?? {}));
      const picked = await vscode.window.showQuickPick(tools.map((t) => ({ label: t.title, description: t.name, tool: t })), { title: 'Run a tool on this environment' });
      if (picked && node?.env) await vscode.commands.executeCommand(toolCommandId(picked.tool.name), { environment: node.env.id });
    }),
    vscode.commands.registerCommand('powerAgent.environment.copyUrl', async (node?: { env?: { url: string | null } }) => {
      if (node?.env?.url) await vscode.env.clipboard.writeText(node.env.url);
    }),
  ];
}

const RETRY_TOOLS: Record<OperationRecord['kind'], string> = {
  create_environment: 'pp_create_environment',
  delete_environment: 'pp_delete_environment',
  backup_environment: 'pp_backup_environment',
  restore_environment: 'pp_restore_environment',
  copy_environment: 'pp_copy_environment',
  reset_environment: 'pp_reset_environment',
  export_solution: 'pp_export_solution',
  import_solution: 'pp_import_solution',
  apply_solution_upgrade: 'pp_apply_solution_upgrade',
  delete_solution: 'pp_delete_solution',
  set_governance: 'pp_set_governance_config',
  install_application: 'pp_install_application',
  solution_checker: 'pp_solution_checker',
  catalog_install: 'pp_install_catalog',
  catalog_submit: 'pp_submit_catalog',
};

export function deactivate(): void {}
