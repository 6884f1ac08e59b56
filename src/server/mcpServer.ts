import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolRuntime } from '../runtime';
import { VERSION } from '../version';
import type { ToolManifestEntry } from './manifest';

export interface McpServerOptions {
  manifest: readonly ToolManifestEntry[];
  /** Loads the tool runtime; called on the first tools/call, never for tools/list. */
  runtime: () => Promise<ToolRuntime>;
}

const INSTRUCTIONS =
  'Power Agent MCP runs Power Platform admin and ALM operations (environments, solutions, data, governance) on the public APIs. ' +
  'Start with pp_whoami to check sign-in, and pp_list_environments to find environments. Tools that take `environment` accept an id, display name, domain name or Dataverse URL.';

/**
 * The MCP server for one connection (stdio, or one HTTP session). It answers tools/list from the
 * manifest made at build time and hands tools/call to the runtime.
 */
export function createMcpServer(options: McpServerOptions): Server {
  const server = new Server(
    { name: 'power-agent-mcp', title: 'Power Agent MCP', version: VERSION },
    { capabilities: { tools: { listChanged: false }, logging: {} }, instructions: INSTRUCTIONS },
  );
  const tools: Tool[] = options.manifest.map((entry) => ({
    name: entry.name,
    title: entry.title,
    description: entry.description,
    inputSchema: entry.inputSchema,
    outputSchema: entry.outputSchema,
    annotations: { title: entry.title, ...entry.annotations },
  }));
  const names = new Set(tools.map((tool) => tool.name));

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args, _meta } = request.params;
    if (!names.has(name)) throw new McpError(ErrorCode.InvalidParams, `Unknown tool "${name}". Call tools/list for the tools this server offers.`);
    const runtime = await options.runtime();
    const progressToken = _meta?.progressToken;
    return runtime.callTool(name, args, {
      signal: extra.signal,
      sendProgress:
        progressToken === undefined
          ? undefined
          : (update) => extra.sendNotification({ method: 'notifications/progress', params: { progressToken, ...update } }),
    });
  });
  return server;
}
