import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { after, before, describe, it, mock } from 'node:test';
import { silentLogger } from '../../src/log';
import { HttpClient } from '../../src/platform/http';
import { generateCertificate } from '../../src/sandbox/tls';

let server: Server;
let base = '';
let certificatePem = '';

before(async () => {
  const pems = await generateCertificate();
  certificatePem = pems.certificatePem;
  // Every answer closes its connection, so each request opens a new one.
  server = createServer({ key: pems.privateKeyPem, cert: pems.certificatePem }, (_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }).end('{"ok":true}'),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

/** How many TLS contexts Node builds while `http` sends three requests, each on a new connection. */
async function contextsBuiltFor(http: HttpClient): Promise<number> {
  const spy = mock.method(tls, 'createSecureContext');
  try {
    for (let i = 0; i < 3; i++) {
      const response = await http.send({ service: 'dataverse', method: 'GET', url: `${base}/ping` });
      assert.deepEqual(response.body, { ok: true });
    }
    return spy.mock.callCount();
  } finally {
    spy.mock.restore();
    await http.close();
  }
}

describe('HttpClient TLS trust', () => {
  it('builds the trust for extra certificates once, not for each new connection', async () => {
    const http = new HttpClient({ logger: silentLogger, userAgent: 'test', extraCaCerts: [certificatePem] });
    assert.equal(await contextsBuiltFor(http), 0);
  });

  it('the baseline kept for the benchmark builds it for every connection', async () => {
    const http = new HttpClient({ logger: silentLogger, userAgent: 'test', extraCaCerts: [certificatePem], trustPerConnection: true });
    assert.equal(await contextsBuiltFor(http), 3);
  });
});
