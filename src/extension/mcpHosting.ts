/**
 * The extension's loopback MCP server: the SDK and the zod schemas it brings make up most of the
 * extension's code. They are a bundle of their own (dist/mcpHosting.js), loaded when VS Code first
 * asks for the server, so activation does not load them.
 */
export { startLoopbackServer } from '../server/loopback';
export { createMcpServer } from '../server/mcpServer';
