import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log';
import { SUPPORTED_PROTOCOL_VERSIONS, isInitializeRequest, type RequestId, type Server } from './sdk';
import { RecentEventStore } from './eventStore';
import { StreamableHTTPServerTransport } from './sdkHttp';

/**
 * The header that carries the per-process secret. Not `Authorization`: VS Code treats a 401/403 on
 * that header as an OAuth challenge and starts a sign-in flow.
 */
export const SECRET_HEADER = 'x-power-agent-secret';
export const MCP_PATH = '/mcp';
/** Answers 200 {"status":"ok"} without the secret, for a load balancer's or supervisor's health probe; says nothing else. */
export const HEALTH_PATH = '/healthz';
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** A session nobody used for this long is closed; its client starts a new one (a 404 tells it to). */
export const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60_000;
/** At most this many sessions; beyond it, the one unused the longest makes room. */
export const DEFAULT_MAX_SESSIONS = 100;
/** How long a client whose stream was closed waits before it reconnects (sent with each stream's first event). */
const RECONNECT_AFTER_MS = 1000;

export interface LoopbackServerOptions {
  /** Makes the MCP server for a new session. */
  createServer: () => Server;
  logger: Logger;
  /** Defaults to 32 random bytes; tests may pass their own. */
  secret?: string;
  idleTimeoutMs?: number;
  maxSessions?: number;
  /** The clock idle time is measured with; tests pass their own. */
  now?: () => number;
  /**
   * Answer each POST with one JSON body instead of an event stream. Off by default: a tool call's
   * progress, log messages and confirmation forms travel on its stream. bench/http-cpu.ts measures both.
   */
  jsonResponses?: boolean;
}

export interface LoopbackServer {
  url: string;
  port: number;
  /** Headers a client must send: the secret header and its value. Never log them. */
  headers: Record<string, string>;
  sessionCount(): number;
  /** Tells every open session that tools/list changed (sent when read-only mode or the toolsets change). */
  notifyToolsChanged(): Promise<void>;
  /** Closes the sessions unused for longer than the idle timeout (also done every minute); returns how many. */
  closeIdleSessions(): Promise<number>;
  close(): Promise<void>;
}

interface Session {
  transport: StreamableHTTPServerTransport;
  server: Server;
  lastUsed: number;
  /** Requests in progress, an open GET stream among them: a session with any is in use, never idle. */
  inFlight: number;
}

/**
 * Streamable HTTP on 127.0.0.1 with an OS-chosen port, for the VS Code extension to host. Every
 * request must carry the secret (compared in constant time), a loopback Host (defeats DNS rebinding)
 * and no foreign Origin (defeats web pages in the user's browser). Sessions unused for the idle timeout
 * are closed, and their number is capped.
 */
export async function startLoopbackServer(options: LoopbackServerOptions): Promise<LoopbackServer> {
  const secret = options.secret ?? randomBytes(32).toString('base64url');
  const secretDigest = digest(secret);
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const maxSessions = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
  const now = options.now ?? Date.now;
  const sessions = new Map<string, Session>();
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
    if (path === HEALTH_PATH) return health(req, res);
    const given = req.headers[SECRET_HEADER];
    if (typeof given !== 'string' || !timingSafeEqual(digest(given), secretDigest)) return reply(res, 403, 'Missing or wrong secret.');
    if (path !== MCP_PATH) return reply(res, 404, 'Not found.');

    const sessionId = req.headers['mcp-session-id'];
    if (req.method === 'POST') {
      if (!(req.headers['content-type'] ?? '').toLowerCase().startsWith('application/json'))
        return reply(res, 415, 'Content-Type must be application/json.');
      if (Number(req.headers['content-length']) > MAX_BODY_BYTES) return tooLarge(res);
      const body = await readJson(req);
      if (body === TOO_LARGE) return tooLarge(res);
      if (body === INVALID) return jsonRpcError(res, 400, -32700, 'Parse error: the body is not JSON.', null);
      const id = requestId(body);
      const accept = req.headers.accept ?? '';
      if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
        return jsonRpcError(
          res,
          406,
          -32000,
          'Not Acceptable: the Accept header must list both application/json and text/event-stream.',
          id,
        );
      }
      const version = req.headers['mcp-protocol-version'];
      if (typeof version === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
        return jsonRpcError(
          res,
          400,
          -32000,
          `Unsupported protocol version ${version.slice(0, 40)}; supported: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}.`,
          id,
        );
      }
      if (typeof sessionId === 'string') {
        const session = sessions.get(sessionId);
        if (!session)
          return jsonRpcError(res, 404, -32001, 'Session not found: it ended or expired. Start a new session with initialize.', id);
        return serve(session, req, res, body);
      }
      if (!isInitializeRequest(body))
        return jsonRpcError(res, 400, -32000, 'Bad request: no Mcp-Session-Id header, and not an initialize request.', id);
      if (sessions.size >= maxSessions && !(await makeRoom())) {
        return jsonRpcError(res, 503, -32000, `Too many sessions in use (${maxSessions}). Close one, or try again later.`, id);
      }
      const server = options.createServer();
      const transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: options.jsonResponses ?? false,
        // A client whose connection dropped reconnects with Last-Event-ID and gets what it missed.
        eventStore: new RecentEventStore(),
        retryInterval: RECONNECT_AFTER_MS,
        onsessioninitialized: (newId) => void sessions.set(newId, session),
        onsessionclosed: (closedId) => void sessions.delete(closedId),
      });
      const session: Session = { transport, server, lastUsed: now(), inFlight: 0 };
      transport.onclose = () => {
        if (transport.sessionId) sessions.delete(transport.sessionId);
      };
      await server.connect(transport);
      return serve(session, req, res, body);
    }
    if (req.method === 'GET' || req.method === 'DELETE') {
      const session = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;
      if (!session) return jsonRpcError(res, typeof sessionId === 'string' ? 404 : 400, -32001, 'Session not found.', null);
      return serve(session, req, res);
    }
    res.setHeader('allow', 'GET, POST, DELETE');
    return reply(res, 405, 'Method not allowed.');
  }

  /** Hands a request to its session's transport, counting it in use until the response closes. */
  function serve(session: Session, req: IncomingMessage, res: ServerResponse, body?: unknown): Promise<void> {
    session.inFlight++;
    session.lastUsed = now();
    res.once('close', () => {
      session.inFlight--;
      session.lastUsed = now();
    });
    return session.transport.handleRequest(req, res, body);
  }

  async function closeSession(id: string, session: Session): Promise<void> {
    sessions.delete(id);
    await session.transport.close().catch(() => undefined);
    await session.server.close().catch(() => undefined);
  }

  async function closeIdleSessions(): Promise<number> {
    const cutoff = now() - idleTimeoutMs;
    const idle = [...sessions].filter(([, session]) => session.inFlight === 0 && session.lastUsed <= cutoff);
    await Promise.all(idle.map(([id, session]) => closeSession(id, session)));
    if (idle.length) options.logger.debug(`closed ${idle.length} idle MCP session(s)`);
    return idle.length;
  }

  /** Closes idle sessions, else the one unused the longest that has nothing in progress; false when all are busy. */
  async function makeRoom(): Promise<boolean> {
    if (await closeIdleSessions()) return true;
    const oldest = [...sessions].filter(([, session]) => session.inFlight === 0).sort(([, a], [, b]) => a.lastUsed - b.lastUsed)[0];
    if (!oldest) return false;
    options.logger.info(`closing the MCP session unused the longest: ${sessions.size} sessions is the most`);
    await closeSession(...oldest);
    return true;
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  port = (http.address() as AddressInfo).port;
  const sweeper = setInterval(() => void closeIdleSessions(), Math.min(60_000, Math.max(1000, idleTimeoutMs / 2)));
  sweeper.unref();

  return {
    url: `http://127.0.0.1:${port}${MCP_PATH}`,
    port,
    headers: { [SECRET_HEADER]: secret },
    sessionCount: () => sessions.size,
    closeIdleSessions,
    async notifyToolsChanged() {
      await Promise.all([...sessions.values()].map(({ server }) => server.sendToolListChanged().catch(() => undefined)));
    },
    async close() {
      clearInterval(sweeper);
      await Promise.all([...sessions].map(([id, session]) => closeSession(id, session)));
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

/** The id of a single JSON-RPC request, so an error about it can name it; null for a batch or a notification. */
function requestId(body: unknown): RequestId | null {
  const id = (body as { id?: unknown } | null)?.id;
  return (typeof id === 'string' && id.length <= 200) || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}

/**
 * The rest of the body was not read, so the connection cannot carry another request: it is closed
 * once the answer is sent, and the client opens a new one.
 */
function tooLarge(res: ServerResponse): void {
  res.shouldKeepAlive = false;
  res.once('finish', () => res.socket?.destroySoon());
  jsonRpcError(res, 413, -32600, `Request body too large: the most is ${MAX_BODY_BYTES} bytes.`, null, { connection: 'close' });
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

function health(req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method not allowed.');
    return;
  }
  req.resume();
  const body = req.method === 'HEAD' ? undefined : '{"status":"ok"}';
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(body);
}

function reply(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(text);
}

function jsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  id: RequestId | null,
  headers: Record<string, string> = {},
): void {
  res
    .writeHead(status, { 'content-type': 'application/json', ...headers })
    .end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id }));
}
