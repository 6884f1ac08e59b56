import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { silentLogger } from '../../src/log';
import { HEALTH_PATH, startLoopbackServer, type LoopbackServer } from '../../src/server/loopback';
import { createMcpServer } from '../../src/server/mcpServer';
import { manifestOfAllTools } from '../helpers';

const manifest = manifestOfAllTools();
let server: LoopbackServer;

before(async () => {
  server = await startLoopbackServer({
    createServer: () => createMcpServer({ manifest, runtime: () => Promise.reject(new Error('no tool is called here')) }),
    logger: silentLogger,
  });
});
after(() => server.close());

/** A request without the secret header. */
function probe(
  method: string,
  path = HEALTH_PATH,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, method, path, headers }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('loopback HTTP health probe', () => {
  it('answers GET /healthz with 200 {"status":"ok"} without the secret, and nothing more', async () => {
    const answer = await probe('GET');
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.body), { status: 'ok' });
    assert.equal(answer.headers['content-type'], 'application/json');
    assert.equal(answer.headers['cache-control'], 'no-store');
    assert.equal(server.sessionCount(), 0);
  });

  it('answers HEAD with the status alone', async () => {
    const answer = await probe('HEAD');
    assert.equal(answer.status, 200);
    assert.equal(answer.body, '');
  });

  it('refuses other methods on it, and every other path still needs the secret', async () => {
    assert.equal((await probe('POST')).status, 405);
    assert.equal((await probe('GET', '/mcp')).status, 403);
    assert.equal((await probe('GET', '/healthz/details')).status, 403);
  });

  it('keeps the loopback Host check: a probe under a foreign host name is refused', async () => {
    assert.equal((await probe('GET', HEALTH_PATH, { host: 'attacker.example' })).status, 403);
  });
});
