import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from '../log';

/**
 * The header that carries the per-process secret. Not `Authorization`: VS Code treats a 401/403 on
 * that header as an OAuth challenge and starts a sign-in flow (vscode-integration.md §1.6).
 */
export const SECRET_HEADER = 'x-power-agent-secret';
export const MCP_PATH = '/mcp';
const MAX_BODY_BYTES = 4 * 1024 * 1024;

export interface LoopbackServerOptions {
  /** Makes the MCP server for a new session. */
  createServer: () => Server;
  logger: Logger;
  /** Defaults to 32 random bytes; tests may pass their own. */
  secret?: string;
}

export interface LoopbackServer {
  url: string;
  port: number;
  /** Headers a client must send: the secret header and its value. Never log them. */
  headers: Record<string, string>;
  sessionCount(): number;
  /** Tells every open session that tools/list changed (sent when read-only mode is switched). */
  notifyToolsChanged(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Streamable HTTP on 127.0.0.1 with an OS-chosen port, for the VS Code extension to host. Every
 * request must carry the secret (compared in constant time), a loopback Host (defeats DNS rebinding)
 * and no foreign Origin (defeats web pages in the user's browser).
 */
export async function startLoopbackServer(options: LoopbackServerOptions): Promise<LoopbackServer> {
  const secret = options.secret ?? randomBytes(32).toString('base64url');
  const secretDigest = digest(secret);
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; server: Server }>();
  let port = 0;

  const http = createServer((req, res) => {
    handle(req, res).catch((error) => {
      options.logger.error(`loopback server: ${(error as Error).message}`);
      if (!res.headersSent) reply(res, 500, 'Internal error.');
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const allowedHosts = [`127.0.0.1:${port}`, `localhost:${port}`];
    if (!allowedHosts.includes(req.headers.host ?? '')) return reply(res, 403, 'Forbidden host.');
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedHosts.some((host) => origin === `http://${host}`)) return reply(res, 403, 'Forbidden origin.');
    const path = new URL(req.url ?? '/', `http://${req.headers.host}`).pathname;
    // VS Code looks for OAuth metadata after a 403; a quick 404 tells it there is none.
    if (path.startsWith('/.well-known/')) return reply(res, 404, 'Not found.');
    const given = req.headers[SECRET_HEADER];
    if (typeof given !== 'string' || !timingSafeEqual(digest(given), secretDigest)) return reply(res, 403, 'Missing or wrong secret.');
    if (path !== MCP_PATH) return reply(res, 404, 'Not found.');

    const sessionId = req.headers['mcp-session-id'];
    if (req.method === 'POST') {
      if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) return reply(res, 415, 'Content-Type must be application/json.');
      const body = await readJson(req);
      if (body === TOO_LARGE) return reply(res, 413, 'Request body too large.');
      if (body === INVALID) return jsonRpcError(res, 400, -32700, 'Parse error.');
      if (typeof sessionId === 'string') {
        const session = sessions.get(sessionId);
        if (!session) return jsonRpcError(res, 404, -32001, 'Session not found.');
        return session.transport.handleRequest(req, res, body);
      }
      if (!isInitializeRequest(body)) return jsonRpcError(res, 400, -32000, 'Bad request: no session id and not an initialize request.');
      const server = options.createServer();
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void sessions.set(id, { transport, server }),
        onsessionclosed: (id) => void sessions.delete(id),
      });
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      await server.connect(transport);
      return transport.handleRequest(req, res, body);
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      const session = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
      if (!session) return jsonRpcError(res, typeof sessionId === 'string' ? 404 : 400, -32001, 'Session not found.');
      return session.transport.handleRequest(req, res);
    }
    res.setHeader('allow', 'GET, POST, DELETE');
    return reply(res, 405, 'Method not allowed.');
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  port = (http.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}${MCP_PATH}`,
    port,
    headers: { [SECRET_HEADER]: secret },
    sessionCount: () => sessions.size,
    async notifyToolsChanged() {
      await Promise.all([...sessions.values()].map(({ server }) => server.sendToolListChanged().catch(() => undefined)));
    },
    async close() {
      await Promise.all([...sessions.values()].map(({ transport }) => transport.close().catch(() => undefined)));
      sessions.clear();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

const TOO_LARGE = Symbol('too large');
const INVALID = Symbol('invalid');

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return TOO_LARGE;
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return INVALID;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
