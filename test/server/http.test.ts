import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { silentLogger } from '../../src/log';
import { createRuntime, type ToolRuntime } from '../../src/runtime';
import { MCP_PATH, SECRET_HEADER, startLoopbackServer, type LoopbackServer } from '../../src/server/loopback';
import { createMcpServer } from '../../src/server/mcpServer';
import { allTools } from '../../src/tools';
import { text, manifestOfAllTools } from '../helpers';

let server: LoopbackServer;
let runtime: ToolRuntime;
const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
});

before(async () => {
  runtime = createRuntime({ env: {}, sandbox: true, settings: {}, logger: silentLogger });
  const manifest = manifestOfAllTools();
  server = await startLoopbackServer({
    createServer: () => createMcpServer({ manifest, runtime: async () => runtime }),
    logger: silentLogger,
  });
});
after(async () => {
  await server.close();
  await runtime.close();
});

/** A raw request, so the test controls Host and Origin exactly (fetch would not let it set Host). */
function raw(options: {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: options.method ?? 'POST',
        path: options.path ?? MCP_PATH,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...options.headers },
      },
      (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('Streamable HTTP on loopback', () => {
  it('switching read-only mode tells open sessions the tool list changed, on the same address', async () => {
    let readOnly = false;
    const manifest = manifestOfAllTools();
    const switching = await startLoopbackServer({
      createServer: () => createMcpServer({ manifest, runtime: async () => runtime, readOnly: () => readOnly }),
      logger: silentLogger,
    });
    const client = new Client({ name: 'test', version: '1' });
    let changes = 0;
    client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changes++);
    const transport = new StreamableHTTPClientTransport(new URL(switching.url), { requestInit: { headers: switching.headers } });
    await client.connect(transport);
    try {
      assert.equal(client.getServerCapabilities()?.tools?.listChanged, true);
      const all = (await client.listTools()).tools.length;
      readOnly = true;
      await switching.notifyToolsChanged();
      const deadline = Date.now() + 5000;
      while (!changes && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.equal(changes, 1);
      const offered = (await client.listTools()).tools;
      assert.ok(offered.length < all && offered.every((t) => t.annotations?.readOnlyHint), 'only read-only tools now');
      const refused = await client.callTool({ name: 'pp_delete_environment', arguments: {} }).catch((e: Error) => e);
      assert.match(String((refused as Error).message), /read-only mode/);
    } finally {
      await client.close();
      await switching.close();
    }
  });

  it('listens on 127.0.0.1 only, with a long random secret', () => {
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    assert.ok(server.headers[SECRET_HEADER]!.length >= 40);
  });

  it('serves the SDK client that sends the secret header: tools/list and a tool call', async () => {
    const client = new Client({ name: 'test', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: server.headers } });
    await client.connect(transport);
    try {
      assert.equal((await client.listTools()).tools.length, allTools.length);
      const result = await client.callTool({ name: 'pp_whoami', arguments: { environment: 'Contoso Dev' } });
      assert.equal(result.isError, undefined, text(result));
      assert.equal(server.sessionCount(), 1);
    } finally {
      await transport.terminateSession();
      await client.close();
    }
    assert.equal(server.sessionCount(), 0);
  });

  it('refuses a missing or wrong secret with 403, whatever its length', async () => {
    assert.equal((await raw({ body: initialize })).status, 403);
    assert.equal((await raw({ body: initialize, headers: { [SECRET_HEADER]: 'short' } })).status, 403);
    assert.equal(
      (await raw({ body: initialize, headers: { [SECRET_HEADER]: server.headers[SECRET_HEADER]!.replace(/.$/, '_') } })).status,
      403,
    );
    assert.equal((await raw({ body: initialize, headers: { authorization: `Bearer ${server.headers[SECRET_HEADER]}` } })).status, 403);
  });

  it('refuses a foreign Host (DNS rebinding) and a foreign Origin (browser pages), even with the secret', async () => {
    const secret = { [SECRET_HEADER]: server.headers[SECRET_HEADER]! };
    assert.equal((await raw({ body: initialize, headers: { ...secret, host: `evil.example:${server.port}` } })).status, 403);
    assert.equal((await raw({ body: initialize, headers: { ...secret, host: '127.0.0.1:1' } })).status, 403);
    assert.equal((await raw({ body: initialize, headers: { ...secret, origin: 'https://evil.example' } })).status, 403);
    assert.equal((await raw({ body: initialize, headers: { ...secret, origin: 'null' } })).status, 403);
    const fromLoopback = await raw({ body: initialize, headers: { ...secret, origin: `http://localhost:${server.port}` } });
    assert.equal(fromLoopback.status, 200);
  });

  it('answers OAuth discovery with 404 so VS Code does not start a sign-in', async () => {
    assert.equal((await raw({ method: 'GET', path: '/.well-known/oauth-protected-resource' })).status, 404);
  });

  it('requires JSON on POST, a session for GET, and a real path', async () => {
    const secret = { [SECRET_HEADER]: server.headers[SECRET_HEADER]! };
    assert.equal((await raw({ body: 'a=1', headers: { ...secret, 'content-type': 'application/x-www-form-urlencoded' } })).status, 415);
    assert.equal((await raw({ body: '{not json', headers: secret })).status, 400);
    assert.equal((await raw({ method: 'GET', headers: secret })).status, 400);
    assert.equal((await raw({ method: 'GET', headers: { ...secret, 'mcp-session-id': 'nope' } })).status, 404);
    assert.equal((await raw({ path: '/other', body: initialize, headers: secret })).status, 404);
    assert.equal((await raw({ body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }), headers: secret })).status, 400);
  });
});
