import * as vscode from 'vscode';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { homedir } from 'node:os';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../log';
import { isTerminal, type OperationRecord } from '../operations/record';
import { resolveEndpoints, type Endpoints } from '../platform/endpoints';
import type { EnvironmentSummary } from '../platform/environment';
import type { ToolRuntime } from '../runtime';
import manifest from '../server/generated/toolManifest.json';
import type { LoopbackServer } from '../server/loopback';
import type { ToolManifestEntry } from '../server/manifest';
import type { CallContext } from '../tools/invoke';
import { SECRET_KEY, signedInAccount, tokenSourceFor } from './auth';
import { toolCallLine } from './callLog';
import { matchesEnvironment } from './environmentChoices';
import { resultText } from './present';
import { loadMcpHostingBundle, loadRuntimeBundle } from './runtimeBundle';
import { expandFolders, readSettings, toolSettings, type ExtensionSettings } from './settings';

export const TOOL_MANIFEST = manifest as ToolManifestEntry[];

export type EnvironmentListing = { environments: EnvironmentSummary[] } | { error: string } | { notSignedIn: true };

/**
 * Owns the tool runtime and the loopback MCP server of this window. Both are rebuilt when a setting
 * that changes sign-in or safety changes; the MCP server starts on first use and stops with the extension.
 */
export class PowerAgentHost implements vscode.Disposable {
  private runtimeInstance?: ToolRuntime;
  private runtimeIsSandbox = false;
  private server?: Promise<LoopbackServer>;
  private unsubscribe?: () => void;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly operationChanged = new vscode.EventEmitter<OperationRecord>();
  private readonly environmentsListed = new vscode.EventEmitter<void>();
  private readonly toolCalled = new vscode.EventEmitter<void>();
  /** Operations of sandboxes closed in this window (a sign-in or a cloud change replaced them): still shown, never polled. */
  private readonly history: OperationRecord[] = [];
  private environments?: EnvironmentSummary[];
  /** Fires when the runtime was rebuilt (the MCP definition must be refreshed). */
  readonly onDidRestart = this.changed.event;
  readonly onDidChangeOperation = this.operationChanged.event;
  /** Fires when a new list of environments was read (names for the status bar). */
  readonly onDidListEnvironments = this.environmentsListed.event;
  /** Fires when a tool call ended (the status bar's figures). */
  readonly onDidCallTool = this.toolCalled.event;
  settings: ExtensionSettings = readSettings(vscode.workspace.getConfiguration('powerAgent'));

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly logger: Logger,
  ) {}

  get endpoints(): Endpoints {
    return resolveEndpoints({ POWERPLATFORM_CLOUD: this.settings.cloud });
  }

  /** The runtime, built on first use with the current settings and the secret from SecretStorage. */
  async runtime(): Promise<ToolRuntime> {
    if (this.runtimeInstance) return this.runtimeInstance;
    const secret = await this.context.secrets.get(SECRET_KEY);
    if (this.runtimeInstance) return this.runtimeInstance;
    const settings = this.settings;
    const { createRuntime } = loadRuntimeBundle();
    const runtime = createRuntime({
      env: {
        ...telemetryVariables(),
        POWERPLATFORM_CLOUD: settings.cloud,
        POWERAGENT_STATE_DIR: this.context.globalStorageUri.fsPath,
        // How fast the sandbox's operations run, and the failures it injects, for demos and tests.
        POWERAGENT_SANDBOX_TIME_SCALE: process.env.POWERAGENT_SANDBOX_TIME_SCALE,
        POWERAGENT_SANDBOX_FAULTS: process.env.POWERAGENT_SANDBOX_FAULTS,
      },
      sandbox: settings.sandbox,
      settings: toolSettings(settings, this.allowedFolders()),
      logger: this.logger,
      tokenSource: tokenSourceFor({ settings, secret, state: this.context.globalState, logger: this.logger, auth: vscode.authentication }),
      onNotice: (message) => void vscode.window.showInformationMessage(message),
    });
    this.unsubscribe = runtime.operations.onDidChange((record) => this.operationChanged.fire(record));
    this.runtimeInstance = runtime;
    this.runtimeIsSandbox = settings.sandbox;
    return runtime;
  }

  /** Runs a tool and writes one line about it to the log: `origin` says who called (palette, Copilot, a view). */
  async callTool(name: string, args: Record<string, unknown>, call: CallContext, origin: string): Promise<CallToolResult> {
    const started = Date.now();
    // The walkthrough's last step ticks once a tool was used from chat.
    if (origin === 'MCP' || origin === 'Copilot') void vscode.commands.executeCommand('setContext', 'powerAgent.usedFromChat', true);
    try {
      const result = await (await this.runtime()).callTool(name, args, call);
      const { failed, line } = toolCallLine({ tool: name, args, origin, ms: Date.now() - started, result });
      if (origin === 'view') this.logger.debug(line);
      else if (failed) this.logger.warn(line);
      else this.logger.info(line);
      return result;
    } catch (error) {
      this.logger.error(toolCallLine({ tool: name, args, origin, ms: Date.now() - started, error }).line);
      throw error;
    } finally {
      this.toolCalled.fire();
    }
  }

  /** The server's figures against the thresholds; undefined until the runtime was built by a first call. */
  serverStatus(): ReturnType<ToolRuntime['status']> | undefined {
    return this.runtimeInstance?.status();
  }

  /**
   * Where tools may read and write local files: the allowedFolders setting; without a workspace, a
   * `files` folder in the extension's storage, beside (never over) its operation records and code cache.
   */
  allowedFolders(): string[] {
    const workspace = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const folders = expandFolders(this.settings.allowedFolders, workspace, homedir(), join);
    if (folders.length) return folders;
    const files = join(this.context.globalStorageUri.fsPath, 'files');
    try {
      mkdirSync(files, { recursive: true });
    } catch (error) {
      // Only the file tools need it; they say so when they meet it, and the other tools go on working.
      this.logger.warn(
        `Could not make ${files} (${(error as Error).message}); set Power Agent MCP › Allowed Folders to a folder you can write.`,
      );
    }
    return [files];
  }

  /** False only when the tools would sign in with a Microsoft account and none was chosen yet. */
  get signedIn(): boolean {
    return this.settings.sandbox || this.settings.signInWith === 'servicePrincipal' || Boolean(signedInAccount(this.context.globalState));
  }

  /** The environments the tools may use (allow-list applied), the tool's error text, or that nobody signed in yet. */
  async listEnvironments(): Promise<EnvironmentListing> {
    if (!this.signedIn) return { notSignedIn: true };
    const result = await this.callTool('pp_list_environments', { limit: 1000 }, { signal: AbortSignal.timeout(60_000) }, 'view');
    if (result.isError) return { error: resultText(result) };
    this.environments = (result.structuredContent as { environments: EnvironmentSummary[] }).environments;
    this.environmentsListed.fire();
    return { environments: this.environments };
  }

  /** The display name of an environment given by id, name or URL, from the last list read; undefined when unknown. */
  environmentName(ref: string | undefined): string | undefined {
    return this.environments?.find((env) => matchesEnvironment(env, ref))?.displayName;
  }

  /** The operations of sandboxes closed earlier in this window, newest first. */
  pastOperations(): readonly OperationRecord[] {
    return this.history;
  }

  /** The loopback MCP server, started on first use. Its calls are logged like the others. */
  mcpServer(): Promise<LoopbackServer> {
    const runtime = async (): Promise<ToolRuntime> => ({
      ...(await this.runtime()),
      callTool: (name, args, call) => this.callTool(name, (args ?? {}) as Record<string, unknown>, call, 'MCP'),
    });
    const start = async (): Promise<LoopbackServer> => {
      const { startLoopbackServer, createMcpServer } = loadMcpHostingBundle();
      return startLoopbackServer({
        logger: this.logger,
        createServer: () =>
          createMcpServer({
            manifest: TOOL_MANIFEST,
            runtime,
            readOnly: () => this.settings.readOnly,
            toolsets: () => ({ toolsets: this.settings.toolsets?.length ? this.settings.toolsets : undefined }),
            // VS Code shows tool icons in its tool picker and never passes them to a model.
            toolList: { icons: true },
          }),
      });
    };
    this.server ??= start().catch((error: unknown) => {
      this.server = undefined;
      this.logger.error(`The MCP server did not start: ${(error as Error).message}`);
      throw error;
    });
    return this.server;
  }

  /**
   * Applies new settings. A sign-in change means a new runtime on the next call; a safety change
   * (`keepSignIn`) is applied to the running one, so the sandbox and its operations stay. The MCP
   * server keeps its address either way, so VS Code's connection survives; its sessions are told when
   * the tool list changed.
   */
  async restart(options: { keepSignIn?: boolean } = {}): Promise<void> {
    const offered = (s: ExtensionSettings) => `${s.readOnly}|${(s.toolsets ?? []).join(',')}`;
    const before = offered(this.settings);
    this.settings = readSettings(vscode.workspace.getConfiguration('powerAgent'));
    if (options.keepSignIn && this.runtimeInstance) this.runtimeInstance.updateSettings(toolSettings(this.settings, this.allowedFolders()));
    else await this.stopRuntime();
    if (!options.keepSignIn) this.environments = undefined;
    if (before !== offered(this.settings)) await (await this.server?.catch(() => undefined))?.notifyToolsChanged();
    this.changed.fire();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await Promise.all([
      server?.then(
        (started) => started.close(),
        () => undefined,
      ),
      this.stopRuntime(),
    ]);
  }

  private async stopRuntime(): Promise<void> {
    const runtime = this.runtimeInstance;
    this.runtimeInstance = undefined;
    this.unsubscribe?.();
    if (runtime && this.runtimeIsSandbox) this.keepHistory(runtime.operations.list());
    await runtime?.close();
  }

  /** A closed sandbox's operations stay visible; one still running when it closed can no longer end. */
  private keepHistory(records: OperationRecord[]): void {
    const now = new Date().toISOString();
    const kept = records.map((record): OperationRecord => {
      if (isTerminal(record.state)) return { ...record, poll: undefined };
      return {
        ...record,
        state: 'canceled',
        poll: undefined,
        finishedAt: now,
        updatedAt: now,
        error: { message: 'The sandbox was closed before this operation ended.' },
      };
    });
    this.history.unshift(...kept);
  }

  dispose(): void {
    void this.stop();
    this.changed.dispose();
    this.operationChanged.dispose();
    this.environmentsListed.dispose();
    this.toolCalled.dispose();
  }
}

/** The OpenTelemetry variables VS Code was started with: the tools export metrics and traces only when they ask for it. */
function telemetryVariables(): Record<string, string | undefined> {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => name.startsWith('OTEL_') || name === 'POWERAGENT_OTEL_PROPAGATE'),
  );
}
