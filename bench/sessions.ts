/**
 * Memory of the loopback HTTP server with many sessions that clients opened and left (as a client that
 * reconnects without ending its sessions does). Side by side in one run: the old behaviour (sessions
 * never expire, no cap) and the default (capped at 100; idle ones closed after 30 minutes, here on a
 * fake clock). Run with `node --expose-gc --import tsx bench/sessions.ts`; BENCH_SESSIONS sets the count.
 */
import { request } from 'node:http';
import { silentLogger } from '../src/log';
import { MCP_PATH, SECRET_HEADER, startLoopbackServer, type LoopbackServer, type LoopbackServerOptions } from '../src/server/loopback';
import { buildManifest } from '../src/server/manifest';
import { createMcpServer } from '../src/server/mcpServer';
import { allTools } from '../src/tools';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 2200);
const manifest = buildManifest(allTools);
const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '0' } },
});

function open(server: LoopbackServer): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'POST',
        path: MCP_PATH,
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          [SECRET_HEADER]: server.headers[SECRET_HEADER]!,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(initialize);
  });
}

function memory(): { heapMb: number; rssMb: number } {
  for (let i = 0; i < 3; i++) (globalThis as { gc?: () => void }).gc?.();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapMb: Math.round(heapUsed / 1e5) / 10, rssMb: Math.round(rss / 1e5) / 10 };
}

async function run(
  label: string,
  options: Partial<LoopbackServerOptions>,
  afterOpening?: (server: LoopbackServer) => Promise<void>,
): Promise<void> {
  const server = await startLoopbackServer({
    createServer: () => createMcpServer({ manifest, runtime: () => Promise.reject(new Error('unused')) }),
    logger: silentLogger,
    ...options,
  });
  const before = memory();
  const started = Date.now();
  for (let i = 0; i < SESSIONS; i++) await open(server);
  const opened = memory();
  const line = [
    `${label}:`,
    `${server.sessionCount()} sessions kept of ${SESSIONS} opened in ${((Date.now() - started) / 1000).toFixed(1)} s;`,
  ];
  line.push(`heap ${before.heapMb} -> ${opened.heapMb} MB, RSS ${before.rssMb} -> ${opened.rssMb} MB`);
  if (afterOpening) {
    await afterOpening(server);
    const after = memory();
    line.push(`; after the idle ones expire: ${server.sessionCount()} sessions, heap ${after.heapMb} MB, RSS ${after.rssMb} MB`);
  }
  console.log(line.join(' '));
  await server.close();
}

async function main(): Promise<void> {
  if (!(globalThis as { gc?: unknown }).gc) console.log('(run with --expose-gc for steadier figures)');
  let now = Date.now();
  // Baseline: what the server did before sessions expired or were capped.
  await run('never expire, no cap (before)', { maxSessions: Number.MAX_SAFE_INTEGER, idleTimeoutMs: Number.MAX_SAFE_INTEGER });
  await run('no cap, 30-minute idle expiry', { maxSessions: Number.MAX_SAFE_INTEGER, now: () => now }, async (server) => {
    now += 31 * 60_000;
    await server.closeIdleSessions();
  });
  await run('defaults (cap 100, 30-minute idle expiry)', {});
}

void main();
