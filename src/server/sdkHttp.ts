/**
 * The SDK's Streamable HTTP transport, apart from ./sdk so the stdio CLI's bundle does not carry it
 * (the extension's loopback server is its only user).
 */
export { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
export type { EventStore } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
export type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
