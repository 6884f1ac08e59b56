import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { silentLogger } from '../../src/log';
import { MCP_PATH, SECRET_HEADER, startLoopbackServer, type LoopbackServer, type LoopbackServerOptions } from '../../src/server/loopback';
import { createMcpServer } from '../../src/server/mcpServer';
import { manifestOfAllTools } from '../helpers';

const manifest = manifestOfAllTools();
const noRuntime = () => Promise.reject(new Error('no tool is called here'));

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Resolves when the connection the request went over closes. */
  socketClosed: Promise<void>;
}

/** One request over a keep-alive connection, so a test sees whether the server closes it. */
function post(server: LoopbackServer, body: string | Buffer, headers: Record<string, string> = {}, agent?: Agent): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: MCP_PATH,
        agent,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          [SECRET_HEADER]: server.headers[SECRET_HEADER]!,
          ...headers,
        },
      },
      (res) => {
        const socketClosed = new Promise<void>((closed) => res.socket.once('close', () => closed()));
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, socketClosed }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const initialize = (id: number | string = 1) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
  });

/**
 * Waits until the SDK client's GET stream is open: the client opens it on its own after initialize, so
 * the server's notification is sent again until one arrives over it.
 */
async function streamOpened(server: LoopbackServer, client: Client): Promise<void> {
  let arrived = false;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void (arrived = true));
  const deadline = Date.now() + 10_000;
  while (!arrived) {
    assert.ok(Date.now() < deadline, 'the GET stream opened');
    await server.notifyToolsChanged();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** A session made with a bare initialize request: no GET stream, so nothing keeps it in use. */
async function openSession(server: LoopbackServer): Promise<string> {
  const response = await post(server, initialize());
  assert.equal(response.status, 200, response.body);
  return response.headers['mcp-session-id'] as string;
}

async function withServer<T>(options: Partial<LoopbackServerOptions>, body: (server: LoopbackServer) => Promise<T>): Promise<T> {
  const server = await startLoopbackServer({
    createServer: () => createMcpServer({ manifest, runtime: noRuntime }),
    logger: silentLogger,
    ...options,
  });
  try {
    return await body(server);
  } finally {
    await server.close();
  }
}

describe('HTTP errors name the request they answer', () => {
  let server: LoopbackServer;
  before(
    async () =>
      (server = await startLoopbackServer({ createServer: () => createMcpServer({ manifest, runtime: noRuntime }), logger: silentLogger })),
  );
  after(() => server.close());

  it('a JSON-RPC error carries the request id when the request could be read', async () => {
    const unknownSession = await post(server, JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list' }), {
      'mcp-session-id': 'no-such-session',
    });
    assert.equal(unknownSession.status, 404);
    assert.deepEqual(JSON.parse(unknownSession.body), {
      jsonrpc: '2.0',
      error: { code: -32001, message: 'Session not found: it ended or expired. Start a new session with initialize.' },
      id: 7,
    });
    const noSession = await post(server, JSON.stringify({ jsonrpc: '2.0', id: 'abc', method: 'tools/list' }));
    assert.equal(JSON.parse(noSession.body).id, 'abc');
    const badVersion = await post(server, JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }), {
      'mcp-protocol-version': '1999-01-01',
    });
    assert.equal(badVersion.status, 400);
    assert.equal(JSON.parse(badVersion.body).id, 9);
    assert.match(JSON.parse(badVersion.body).error.message, /Unsupported protocol version 1999-01-01; supported: 2025-11-25/);
    const notAcceptable = await post(server, initialize(11), { accept: 'application/json' });
    assert.equal(notAcceptable.status, 406);
    assert.equal(JSON.parse(notAcceptable.body).id, 11);
  });

  it('an unreadable body gets id null', async () => {
    const parseError = await post(server, '{not json');
    assert.equal(parseError.status, 400);
    assert.deepEqual(JSON.parse(parseError.body), {
      jsonrpc: '2.0',
      error: { code: -32700, message: 'Parse error: the body is not JSON.' },
      id: null,
    });
  });

  it('a body over 4 MB gets 413 and its connection is closed; the next request on a new one works', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const tooLarge = await post(server, Buffer.alloc(5 * 1024 * 1024, 0x20), {}, agent);
      assert.equal(tooLarge.status, 413);
      assert.equal(tooLarge.headers.connection, 'close');
      assert.match(JSON.parse(tooLarge.body).error.message, /Request body too large: the most is 4194304 bytes\./);
      await tooLarge.socketClosed;
      const next = await post(server, initialize(), {}, agent);
      assert.equal(next.status, 200);
    } finally {
      agent.destroy();
    }
  });

  it('a body over 4 MB without Content-Length (chunked) is refused the same way', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const response = await new Promise<RawResponse>((resolve, reject) => {
        const req = request(
          {
            host: '127.0.0.1',
            port: server.port,
            method: 'POST',
            path: MCP_PATH,
            agent,
            headers: { 'content-type': 'application/json', [SECRET_HEADER]: server.headers[SECRET_HEADER]! },
          },
          (res) => {
            const socketClosed = new Promise<void>((closed) => res.socket.once('close', () => closed()));
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, socketClosed }));
          },
        );
        req.on('error', reject);
        for (let i = 0; i < 5; i++) req.write(Buffer.alloc(1024 * 1024, 0x20));
        req.end();
      });
      assert.equal(response.status, 413);
      await response.socketClosed;
    } finally {
      agent.destroy();
    }
  });
});

describe('HTTP sessions expire and are capped', () => {
  it('a session unused for the idle timeout is closed, and its id then gets 404', async () => {
    let now = 1_000_000;
    await withServer({ idleTimeoutMs: 30 * 60_000, now: () => now }, async (server) => {
      const old = await openSession(server);
      now += 20 * 60_000;
      const recent = await openSession(server);
      assert.equal(await server.closeIdleSessions(), 0, 'nothing is idle for 30 minutes yet');
      now += 11 * 60_000;
      assert.equal(await server.closeIdleSessions(), 1);
      assert.equal(server.sessionCount(), 1);
      const gone = await post(server, JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'ping' }), { 'mcp-session-id': old });
      assert.equal(gone.status, 404);
      const kept = await post(server, JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'ping' }), {
        'mcp-session-id': recent,
        'mcp-protocol-version': '2025-06-18',
      });
      assert.equal(kept.status, 200, kept.body);
    });
  });

  it('a session with an open stream is in use, however long it is quiet', async () => {
    let now = 1_000_000;
    await withServer({ idleTimeoutMs: 60_000, now: () => now }, async (server) => {
      const client = new Client({ name: 'test', version: '1' });
      const transport = new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: server.headers } });
      await client.connect(transport);
      try {
        await streamOpened(server, client);
        now += 10 * 60_000;
        assert.equal(await server.closeIdleSessions(), 0);
        assert.equal(server.sessionCount(), 1);
        await client.ping();
      } finally {
        await client.close();
      }
    });
  });

  it('at the cap, a new session closes the one unused the longest', async () => {
    let now = 1_000_000;
    await withServer({ maxSessions: 3, now: () => now }, async (server) => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push(await openSession(server));
        now += 1000;
      }
      const fourth = await openSession(server);
      assert.equal(server.sessionCount(), 3);
      assert.equal(
        (await post(server, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), { 'mcp-session-id': ids[0]! })).status,
        404,
        'the oldest was closed',
      );
      for (const id of [ids[1]!, ids[2]!, fourth]) {
        assert.equal(
          (
            await post(server, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }), {
              'mcp-session-id': id,
              'mcp-protocol-version': '2025-06-18',
            })
          ).status,
          200,
        );
      }
    });
  });

  it('at the cap with every session busy, a new session is refused with 503 and the request id', async () => {
    await withServer({ maxSessions: 1 }, async (server) => {
      const client = new Client({ name: 'test', version: '1' });
      await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: server.headers } }));
      try {
        await streamOpened(server, client);
        const refused = await post(server, initialize(42));
        assert.equal(refused.status, 503);
        assert.equal(JSON.parse(refused.body).id, 42);
        assert.match(JSON.parse(refused.body).error.message, /Too many sessions in use \(1\)/);
      } finally {
        await client.close();
      }
    });
  });
});
