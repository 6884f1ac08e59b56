import * as vscode from 'vscode';
import { VERSION } from '../version';
import type { PowerAgentHost } from './host';

export const PROVIDER_ID = 'powerAgent';
const LABEL = 'Power Agent MCP';

/**
 * Offers the in-process MCP server to VS Code. The definition is cached by VS Code across windows, so
 * the live URL and secret are set in resolveMcpServerDefinition, when VS Code starts the server.
 * With toolPath = languageModelTools no server is offered, so Copilot sees each tool once.
 */
export function registerMcpProvider(host: PowerAgentHost): vscode.Disposable {
  const changed = new vscode.EventEmitter<void>();
  let generation = 0;
  const subscription = host.onDidRestart(() => {
    generation++;
    changed.fire();
  });
  const provider: vscode.McpServerDefinitionProvider<vscode.McpHttpServerDefinition> = {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions() {
      if (host.settings.toolPath !== 'mcp') return [];
      // A placeholder address: nothing listens until VS Code asks to start the server.
      return [new vscode.McpHttpServerDefinition(LABEL, vscode.Uri.parse('http://127.0.0.1:1/mcp'), {}, `${VERSION}+${generation}`)];
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
