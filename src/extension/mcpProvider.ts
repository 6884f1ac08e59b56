import * as vscode from 'vscode';
import { VERSION } from '../version';
import type { PowerAgentHost } from './host';

export const PROVIDER_ID = 'powerAgent';
const LABEL = 'Power Agent MCP';

/**
 * Offers the in-process MCP server to VS Code. The definition is cached by VS Code across windows, so
 * the live URL and secret are set in resolveMcpServerDefinition, when VS Code starts the server. The
 * server outlives setting changes (same address and secret), so a re-resolved definition still works.
 * With toolPath = languageModelTools no server is offered, so Copilot sees each tool once.
 */
export function registerMcpProvider(host: PowerAgentHost): vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  const subscription = host.onDidRestart(() => changed.fire());
  const provider: vscode.McpServerDefinitionProvider<vscode.McpHttpServerDefinition> = {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions() {
      if (host.settings.toolPath !== 'mcp') return [];
      // A placeholder address: nothing listens until VS Code asks to start the server. The version
      // names what tools/list depends on, so VS Code's cached tool list is right while it is stopped.
      return [
        new vscode.McpHttpServerDefinition(
          LABEL,
          vscode.Uri.parse('http://127.0.0.1:1/mcp'),
          {},
          `${VERSION}${host.settings.readOnly ? '+read-only' : ''}`,
        ),
      ];
    },
    async resolveMcpServerDefinition(definition) {
      const server = await host.mcpServer();
      definition.uri = vscode.Uri.parse(server.url);
      definition.headers = { ...server.headers };
      return definition;
    },
  };
  return vscode.Disposable.from(vscode.lm.registerMcpServerDefinitionProvider(PROVIDER_ID, provider), changed, subscription);
}
