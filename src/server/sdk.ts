/**
 * Everything the server takes from the MCP TypeScript SDK (1.x), in one place (with ./sdkHttp for the
 * HTTP transport). The other server modules import from here only, so moving to SDK v2
 * (`@modelcontextprotocol/server`) changes these files and the few calls whose shape differs, not every module.
 */
export { Server } from '@modelcontextprotocol/sdk/server/index.js';
export { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
export type {
  TaskStore,
  CreateTaskOptions,
  CreateTaskRequestHandlerExtra,
} from '@modelcontextprotocol/sdk/experimental/tasks/interfaces.js';
export {
  CallToolRequestSchema,
  CompleteRequestSchema,
  ElicitResultSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  RootsListChangedNotificationSchema,
  SubscribeRequestSchema,
  SUPPORTED_PROTOCOL_VERSIONS,
  UnsubscribeRequestSchema,
  isInitializeRequest,
} from '@modelcontextprotocol/sdk/types.js';
export type {
  CallToolResult,
  Icon,
  Prompt,
  GetPromptResult,
  Request,
  RequestId,
  Resource,
  ResourceTemplate,
  ReadResourceResult,
  Result,
  ServerCapabilities,
  Task,
  Tool,
} from '@modelcontextprotocol/sdk/types.js';

/**
 * An error the SDK sends back as a JSON-RPC error with exactly this message. The SDK's McpError puts
 * "MCP error <code>: " in front of its message, and the client puts it there again when it reads it.
 */
export function protocolError(code: number, message: string): Error & { code: number } {
  return Object.assign(new Error(message), { code });
}
