import * as vscode from 'vscode';
import type { Logger } from '../log';
import type { OperationRecord } from '../operations/record';
import { resolveEndpoints, type Endpoints } from '../platform/endpoints';
import type { EnvironmentSummary } from '../platform/environment';
import type { ToolRuntime } from '../runtime';
import manifest from '../server/generated/toolManifest.json';
import { startLoopbackServer, type LoopbackServer } from '../server/loopback';
import type { ToolManifestEntry } from '../server/manifest';
import { createMcpServer } from '../server/mcpServer';
import { SECRET_KEY, tokenSourceFor } from './auth';
import { resultText } from './present';
import { loadRuntimeBundle } from './runtimeBundle';
import { readSettings, toolSettings, type ExtensionSettings } from './settings';

export const TOOL_MANIFEST = manifest as ToolManifestEntry[];

/**
 * Owns the tool runtime and the loopback MCP server of this window. Both are rebuilt when a setting
 * that changes sign-in or safety changes; the MCP server starts on first use and stops with the extension.
 */
export class PowerAgentHost implements vscode.Disposable {
  private runtimeInstance?: ToolRuntime;
  private server?: Promise<LoopbackServer>;
  private unsubscribe?: () => void;
  private readonly changed = new vscode.EventEmitter<void>();
  private readonly operationChanged = new vscode.EventEmitter<OperationRecord>();
  /** Fires when the runtime was rebuilt (the MCP definition must be refreshed). */
  readonly onDidRestart = this.changed.event;
  readonly onDidChangeOperation = this.operationChanged.event;
  settings: ExtensionSettings = readSettings();

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
      env: { POWERPLATFORM_CLOUD: settings.cloud, POWERAGENT_STATE_DIR: this.context.globalStorageUri.fsPath },
      sandbox: settings.sandbox,
      settings: toolSettings(settings, this.localFolders()),
      logger: this.logger,
      tokenSource: tokenSourceFor({ settings, secret, state: this.context.globalState, logger: this.logger, auth: vscode.authentication }),
      onNotice: (message) => void vscode.window.showInformationMessage(message),
    });
    this.unsubscribe = runtime.operations.onDidChange((record) => this.operationChanged.fire(record));
    this.runtimeInstance = runtime;
    return runtime;
  }

  /** Solution files may be read and written in the workspace folders; without a workspace, in the extension's own storage. */
  private localFolders(): string[] {
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    return folders.length ? folders : [this.context.globalStorageUri.fsPath];
  }

  /** The environments the tools may use (allow-list applied), or the tool's error text. */
  async listEnvironments(): Promise<{ environments: EnvironmentSummary[] } | { error: string }> {
    const result = await (await this.runtime()).callTool('pp_list_environments', { limit: 1000 }, { signal: AbortSignal.timeout(60_000) });
    if (result.isError) return { error: resultText(result) };
    return { environments: (result.structuredContent as { environments: EnvironmentSummary[] }).environments };
  }

  /** The loopback MCP server, started on first use. */
  mcpServer(): Promise<LoopbackServer> {
    this.server ??= startLoopbackServer({
      logger: this.logger,
      createServer: () =>
        createMcpServer({
          manifest: TOOL_MANIFEST,
          runtime: () => this.runtime(),
          readOnly: () => this.settings.readOnly,
          toolsets: () => ({ toolsets: this.settings.toolsets?.length ? this.settings.toolsets : undefined }),
        }),
    }).catch((error) => {
      this.server = undefined;
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
    this.settings = readSettings();
    if (options.keepSignIn && this.runtimeInstance) this.runtimeInstance.updateSettings(toolSettings(this.settings, this.localFolders()));
    else await this.stopRuntime();
    if (before !== offered(this.settings)) await (await this.server?.catch(() => undefined))?.notifyToolsChanged();
    this.changed.fire();
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    await Promise.all([server?.then((started) => started.close(), () => undefined), this.stopRuntime()]);
  }

  private async stopRuntime(): Promise<void> {
    const runtime = this.runtimeInstance;
    this.runtimeInstance = undefined;
    this.unsubscribe?.();
    await runtime?.close();
  }

  dispose(): void {
    void this.stop();
    this.changed.dispose();
    this.operationChanged.dispose();
  }
}
