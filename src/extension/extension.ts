import * as vscode from 'vscode';
import type { OperationRecord } from '../operations/record';
import { pickDefaultEnvironment, registerToolCommands, runToolCommand } from './commands';
import { toolCommandId } from './contributions';
import { EnvironmentsView } from './environmentsView';
import { HealthView } from './healthView';
import { PowerAgentHost, TOOL_MANIFEST } from './host';
import { channelLogger } from './logger';
import { registerLanguageModelTools } from './lmTools';
import { registerMcpProvider } from './mcpProvider';
import { OperationsView } from './operationsView';
import { adminCenterUrl, makerPortalUrl } from './portals';
import { ResultViewer } from './resultPanel';
import { keepRuntimeCodeCacheIn } from './runtimeBundle';
import { operationPage } from './resultPage';
import { PRODUCT, SAFETY_SETTINGS, SIGN_IN_SETTINGS } from './settings';
import { registerSignInCommands } from './signInCommands';
import { createStatusBar } from './statusBar';
import type { EnvironmentsNode } from './treeNodes';

/** The extension's public surface, for tests and other extensions. */
export interface PowerAgentApi {
  host: PowerAgentHost;
}

export function activate(context: vscode.ExtensionContext): PowerAgentApi {
  keepRuntimeCodeCacheIn(context.globalStorageUri.fsPath);
  const channel = vscode.window.createOutputChannel(PRODUCT, { log: true });
  // Declared first: the logger reads the level from the host, which logs while it is being made.
  // eslint-disable-next-line prefer-const
  let host: PowerAgentHost;
  const logger = channelLogger(channel, () => host?.settings.logLevel ?? 'info');
  host = new PowerAgentHost(context, logger);
  const results = new ResultViewer(context.extensionUri);
  const operations = new OperationsView(host, context.globalState);
  const environments = new EnvironmentsView(host);
  const updateContext = () => setContextKeys(host);
  context.subscriptions.push(
    channel,
    host,
    results,
    operations,
    environments,
    new HealthView(host),
    registerMcpProvider(host),
    registerLanguageModelTools(host, TOOL_MANIFEST),
    registerToolCommands(host, TOOL_MANIFEST, results),
    createStatusBar(host, context.globalState),
    host.onDidRestart(updateContext),
    vscode.workspace.onDidChangeConfiguration((event) => {
      const affects = (names: string[]) => names.some((name) => event.affectsConfiguration(`powerAgent.${name}`));
      if (affects(SIGN_IN_SETTINGS)) void host.restart();
      else if (affects(SAFETY_SETTINGS)) void host.restart({ keepSignIn: true });
    }),
    ...registerSignInCommands(context, host, channel),
    ...registerCommands(host, operations, environments, results, channel),
  );
  updateContext();
  logger.info(
    `${PRODUCT} activated (${host.settings.sandbox ? 'sandbox' : 'tenant'}; tools for Copilot through ${host.settings.toolPath === 'mcp' ? 'the MCP server' : 'Language Model tools'}).`,
  );
  return { host };
}

/** Context keys for menus, the welcome view and the walkthrough's steps, which tick when their state is reached. */
function setContextKeys(host: PowerAgentHost): void {
  void vscode.commands.executeCommand('setContext', 'powerAgent.signedIn', host.signedIn);
  void vscode.commands.executeCommand('setContext', 'powerAgent.sandbox', host.settings.sandbox);
  void vscode.commands.executeCommand('setContext', 'powerAgent.hasDefaultEnvironment', Boolean(host.settings.defaultEnvironment));
}

function registerCommands(
  host: PowerAgentHost,
  operations: OperationsView,
  environments: EnvironmentsView,
  results: ResultViewer,
  channel: vscode.LogOutputChannel,
): vscode.Disposable[] {
  const config = () => vscode.workspace.getConfiguration('powerAgent');
  const setDefault = (value: string) =>
    config().update(
      'defaultEnvironment',
      value,
      vscode.workspace.workspaceFolders ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global,
    );
  const titles = new Map(TOOL_MANIFEST.map((entry) => [entry.name, entry.title]));
  const retries = new Map(TOOL_MANIFEST.flatMap((entry) => (entry.ui?.retries ? [[entry.ui.retries, entry.name] as const] : [])));
  const tool = (name: string) => TOOL_MANIFEST.find((entry) => entry.name === name)!;
  const open = (url: string) => vscode.env.openExternal(vscode.Uri.parse(url));
  return [
    vscode.commands.registerCommand('powerAgent.pickEnvironment', async () => {
      const picked = await pickDefaultEnvironment(host);
      if (picked) await setDefault(picked.value);
    }),
    vscode.commands.registerCommand('powerAgent.refreshEnvironments', () => environments.refresh()),
    vscode.commands.registerCommand('powerAgent.showLog', () => channel.show()),
    vscode.commands.registerCommand(
      'powerAgent.operation.open',
      (record?: OperationRecord) => record && results.show(operationPage(record as unknown as Record<string, unknown>)),
    ),
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
      const name = record && retries.get(record.kind);
      if (!record || !name) return;
      const preset = {
        environment: record.environment.id ?? record.environment.displayName,
        displayName: record.environment.displayName,
        ...(record.source?.id ? { source: record.source.id } : {}),
      };
      await vscode.commands.executeCommand(toolCommandId(name), preset);
    }),
    vscode.commands.registerCommand('powerAgent.operations.refresh', () => operations.refreshSoon()),
    vscode.commands.registerCommand('powerAgent.operations.clearFinished', () => operations.clearFinished()),
    vscode.commands.registerCommand('powerAgent.operations.filter', () => operations.chooseFilter()),
    vscode.commands.registerCommand('powerAgent.environment.setDefault', async (node?: EnvironmentsNode) => {
      if (node?.kind === 'environment') await setDefault(node.env.id);
    }),
    vscode.commands.registerCommand('powerAgent.environment.copyUrl', async (node?: EnvironmentsNode) => {
      if (node?.kind === 'environment' && node.env.url) await vscode.env.clipboard.writeText(node.env.url);
    }),
    vscode.commands.registerCommand('powerAgent.environment.openAdminCenter', async (node?: EnvironmentsNode) => {
      if (node?.kind === 'environment') await open(adminCenterUrl(host.settings.cloud, node.env.id));
    }),
    vscode.commands.registerCommand('powerAgent.solution.openMaker', async (node?: EnvironmentsNode) => {
      if (node?.kind === 'solution') await open(makerPortalUrl(host.settings.cloud, node.env.id, node.solution.id));
    }),
    // The checker reads a zip: export the solution first (to a file the person chooses), then check that.
    vscode.commands.registerCommand('powerAgent.solution.check', async (node?: EnvironmentsNode) => {
      if (node?.kind !== 'solution') return;
      const show = { results, titles };
      const exported = await runToolCommand(
        host,
        tool('pp_export_solution'),
        { environment: node.env.id, solution: node.solution.uniqueName, managed: false },
        show,
      );
      if (!exported || exported.result.isError) return;
      await runToolCommand(host, tool('pp_solution_checker'), { environment: node.env.id, zipFile: exported.args.zipFile }, show);
    }),
  ];
}

export function deactivate(): void {}
