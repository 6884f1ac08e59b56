/**
 * The loopback HTTP server alone, for bench/http-cpu.ts: prints its port and secret as one JSON line,
 * then serves until killed. `json` as the first argument answers POSTs with JSON bodies, else streams.
 */
import { silentLogger } from '../../src/log';
import { SECRET_HEADER, startLoopbackServer } from '../../src/server/loopback';
import { buildManifest } from '../../src/server/manifest';
import { createMcpServer } from '../../src/server/mcpServer';
import { allTools } from '../../src/tools';

const manifest = buildManifest(allTools);
void startLoopbackServer({
  createServer: () => createMcpServer({ manifest, runtime: () => Promise.reject(new Error('not used by the benchmark')) }),
  logger: silentLogger,
  jsonResponses: process.argv[2] === 'json',
}).then((server) => process.stdout.write(`${JSON.stringify({ port: server.port, secret: server.headers[SECRET_HEADER] })}\n`));
