import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ElicitResultSchema, ErrorCode, ListToolsRequestSchema, McpError, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { ToolRuntime } from '../runtime';
import { VERSION } from '../version';
import type { ToolManifestEntry } from './manifest';

export interface McpServerOptions {
  manifest: readonly ToolManifestEntry[];
  /** Loads the tool runtime; called on the first tools/call, never for tools/list. */
  runtime: () => Promise<ToolRuntime>;
  /** Leave out every tool that changes anything (read-only mode). A function is read at every tools/list. */
  readOnly?: boolean | (() => boolean);
}

/** A person may take a while to answer a confirmation form. */
const ELICIT_TIMEOUT_MS = 10 * 60_000;

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
    { capabilities: { tools: { listChanged: typeof options.readOnly === 'function' }, logging: {} }, instructions: INSTRUCTIONS },
  );
  const readOnly = typeof options.readOnly === 'function' ? options.readOnly : () => Boolean(options.readOnly);
  const offered = () => (readOnly() ? options.manifest.filter((entry) => entry.annotations.readOnlyHint) : options.manifest);

  server.setRequestHandler(ListToolsRequestSchema, () => ({ tools: offered().map(toMcpTool) }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args, _meta } = request.params;
    if (!offered().some((entry) => entry.name === name)) {
      const hidden = options.manifest.some((entry) => entry.name === name);
      throw new McpError(
        ErrorCode.InvalidParams,
        hidden ? `${name} is off: the server runs in read-only mode, so tools that change anything are not offered.` : `Unknown tool "${name}". Call tools/list for the tools this server offers.`,
      );
    }
    const runtime = await options.runtime();
    const progressToken = _meta?.progressToken;
    return runtime.callTool(name, args, {
      signal: extra.signal,
      sendProgress:
        progressToken === undefined
          ? undefined
          : (update) => extra.sendNotification({ method: 'notifications/progress', params: { progressToken, ...update } }),
      elicit: canShowForms(server)
        ? (params) => extra.sendRequest({ method: 'elicitation/create', params: { mode: 'form', ...params } }, ElicitResultSchema, { timeout: ELICIT_TIMEOUT_MS })
        : undefined,
      // Not tied to the request: it must still arrive when the caller has cancelled it.
      notify: (message) => void server.sendLoggingMessage({ level: 'notice', logger: 'operations', data: message }, extra.sessionId).catch(() => undefined),
    });
  });
  return server;
}

function toMcpTool(entry: ToolManifestEntry): Tool {
  return {
    name: entry.name,
    title: entry.title,
    description: entry.description,
    inputSchema: entry.inputSchema,
    outputSchema: entry.outputSchema,
    annotations: { title: entry.title, ...entry.annotations },
  };
}

/** Form elicitation: `elicitation: {}` (2025-06-18) or `elicitation: { form: {} }` (later revisions). */
function canShowForms(server: Server): boolean {
  const elicitation = server.getClientCapabilities()?.elicitation as { form?: object; url?: object } | undefined;
  return Boolean(elicitation && (elicitation.form || !elicitation.url));
}
