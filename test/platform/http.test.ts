import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { TokenProvider } from '../../src/auth/tokenProvider';
import { createLogger } from '../../src/log';
import { PlatformError } from '../../src/platform/errors';
import { HttpClient, type HttpClientOptions } from '../../src/platform/http';

/** A scripted service: each path answers from a queue of handlers, and counts its requests. */
type Step = (req: IncomingMessage, res: ServerResponse) => void;
const scripts = new Map<string, Step[]>();
const hits = new Map<string, number>();
const seenAuthorization: string[] = [];
let inFlight = 0;
let maxInFlight = 0;
let base = '';
const server = createServer((req, res) => {
  const path = req.url ?? '/';
  hits.set(path, (hits.get(path) ?? 0) + 1);
  seenAuthorization.push(req.headers.authorization ?? '');
  const step = scripts.get(path)?.shift() ?? ((_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  step(req, res);
});

const ok: Step = (_q, r) => void r.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
const status =
  (code: number, headers: Record<string, string> = {}, body = ''): Step =>
  (_q, r) =>
    void r.writeHead(code, { 'content-type': 'application/json', ...headers }).end(body);
const reset: Step = (req) => void req.socket.destroy();

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

function client(options: Partial<HttpClientOptions> = {}) {
  const waits: number[] = [];
  const logs: string[] = [];
  const http = new HttpClient({
    logger: createLogger('debug', (line) => logs.push(line)),
    userAgent: 'test',
    sleep: async (ms) => void waits.push(ms),
    random: () => 0.5,
    retry: { baseDelayMs: 100, maxDelayMs: 1000, maxAttempts: 4, maxRetryAfterMs: 60_000 },
    ...options,
  });
  return { http, waits, logs };
}

function script(path: string, ...steps: Step[]) {
  scripts.set(path, steps);
  hits.set(path, 0);
}

describe('HttpClient', () => {
  it('waits exactly what Retry-After says on 429, then succeeds', async () => {
    script('/throttled', status(429, { 'retry-after': '7' }), status(429, { 'retry-after': '2' }), ok);
    const { http, waits } = client();
    const response = await http.send({ service: 'dataverse', method: 'GET', url: `${base}/throttled` });
    assert.deepEqual(response.body, { ok: true });
    assert.deepEqual(waits, [7000, 2000]);
    assert.equal(hits.get('/throttled'), 3);
  });

  it('repeats a request that starts work after 429 (refused before doing anything) but not after 503', async () => {
    script('/start-429', status(429, { 'retry-after': '1' }), ok);
    const { http } = client();
    await http.send({ service: 'dataverse', method: 'POST', url: `${base}/start-429`, body: {} });
    assert.equal(hits.get('/start-429'), 2);

    script('/start-503', status(503, { 'retry-after': '1' }), ok);
    await assert.rejects(
      http.send({ service: 'dataverse', method: 'POST', url: `${base}/start-503`, body: {} }),
      (e: PlatformError) => e.status === 503,
    );
    assert.equal(hits.get('/start-503'), 1);
  });

  it('backs off with jitter on 503 and 5xx for idempotent requests, honouring Retry-After when given', async () => {
    script('/flaky', status(503), status(502), status(503, { 'retry-after': '3' }), ok);
    const { http, waits } = client();
    await http.send({ service: 'bap', method: 'GET', url: `${base}/flaky` });
    assert.deepEqual(waits, [75, 150, 3000]); // 100·2^(n-1)·(0.5 + 0.5·random), random fixed at 0.5
  });

  it('never repeats a start after a connection reset, and says the outcome is unknown', async () => {
    script('/start-reset', reset, ok);
    const { http } = client();
    await assert.rejects(http.send({ service: 'dataverse', method: 'POST', url: `${base}/start-reset`, body: {} }), (e: PlatformError) => {
      assert.equal(e.code, 'NetworkError');
      assert.equal(e.outcomeUnknown, true);
      assert.match(e.hint ?? '', /Check the current state before trying again/);
      return true;
    });
    assert.equal(hits.get('/start-reset'), 1);
  });

  it('repeats an idempotent request after a connection reset', async () => {
    script('/read-reset', reset, reset, ok);
    const { http } = client();
    await http.send({ service: 'dataverse', method: 'GET', url: `${base}/read-reset` });
    assert.equal(hits.get('/read-reset'), 3);
  });

  it('gives up after maxAttempts and reports the attempts', async () => {
    script('/down', status(503), status(503), status(503), status(503), ok);
    const { http } = client();
    await assert.rejects(
      http.send({ service: 'bap', method: 'GET', url: `${base}/down` }),
      (e: PlatformError) => e.status === 503 && /4 attempts/.test(e.hint ?? ''),
    );
    assert.equal(hits.get('/down'), 4);
  });

  it('does not wait for a Retry-After beyond its budget; the error says how long to wait', async () => {
    script(
      '/long-wait',
      status(
        429,
        { 'retry-after': '600' },
        '{"error":{"code":"0x80072322","message":"Number of requests exceeded the limit of 6000 over time window of 300 seconds."}}',
      ),
    );
    const { http, waits } = client();
    await assert.rejects(http.send({ service: 'dataverse', method: 'GET', url: `${base}/long-wait` }), (e: PlatformError) => {
      assert.equal(e.code, '0x80072322');
      assert.match(e.hint ?? '', /wait 600 s/);
      return true;
    });
    assert.deepEqual(waits, []);
  });

  /** A client whose waits move its own clock, for requests with a throttle deadline. */
  function patientClient() {
    const waits: number[] = [];
    let clock = 1_000_000;
    const { http } = client({
      now: () => clock,
      sleep: async (ms) => {
        waits.push(ms);
        clock += ms;
      },
    });
    return { http, waits, at: (later: number) => clock + later };
  }
  const zeroWait = status(429, { 'retry-after': '0' });

  it('waits out throttling past its own attempts until the caller’s deadline, the base delay at least', async () => {
    script('/patient', zeroWait, zeroWait, zeroWait, zeroWait, zeroWait, zeroWait, ok);
    const { http, waits, at } = patientClient();
    await http.send({ service: 'dataverse', method: 'GET', url: `${base}/patient`, throttleDeadline: at(10_000) });
    assert.equal(hits.get('/patient'), 7);
    // Three retries of its own (4 attempts), then the deadline's, 100 ms apart rather than none.
    assert.deepEqual(waits, [0, 0, 0, 100, 100, 100]);
  });

  it('gives up on throttling at the caller’s deadline', async () => {
    script('/deadline', ...Array<Step>(8).fill(zeroWait));
    const { http, waits, at } = patientClient();
    await assert.rejects(
      http.send({ service: 'dataverse', method: 'GET', url: `${base}/deadline`, throttleDeadline: at(250) }),
      (e: PlatformError) => e.status === 429,
    );
    assert.deepEqual(waits, [0, 0, 0, 100, 100]);
    assert.equal(hits.get('/deadline'), 6);
  });

  it('waits for a Retry-After past its limit when the deadline allows, keeping its own retries for other failures', async () => {
    const long = status(429, { 'retry-after': '120' });
    script('/long-then-down', long, long, long, status(503), status(503), ok);
    const { http, waits, at } = patientClient();
    await http.send({ service: 'dataverse', method: 'GET', url: `${base}/long-then-down`, throttleDeadline: at(600_000) });
    assert.deepEqual(waits, [120_000, 120_000, 120_000, 75, 150]);
    assert.equal(hits.get('/long-then-down'), 6);
  });

  it('fetches a fresh token once after a 401, and never logs the token', async () => {
    script('/auth', status(401), ok);
    let issued = 0;
    const invalidated: string[] = [];
    const tokens: TokenProvider = {
      description: 'test',
      getToken: async () => `eyJhbGciOiJub25lIn0.eyJzdWIiOiJ0ZXN0In0.secret-token-${++issued}`,
      invalidate: (r) => void invalidated.push(r),
    };
    const { http, logs } = client({ tokens });
    seenAuthorization.length = 0;
    await http.send({ service: 'dataverse', method: 'GET', url: `${base}/auth`, resource: 'https://org.crm.dynamics.com' });
    assert.deepEqual(invalidated, ['https://org.crm.dynamics.com']);
    assert.deepEqual(
      seenAuthorization.map((h) => h.replace(/^Bearer .*-(\d)$/, 'token $1')),
      ['token 1', 'token 2'],
    );
    assert.ok(!logs.join('\n').includes('secret-token'), 'a token reached the log');
  });

  it('keeps at most perHostConcurrency requests in flight per host', async () => {
    inFlight = 0;
    maxInFlight = 0;
    const slow: Step = (_q, r) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      setTimeout(() => {
        inFlight--;
        ok(_q, r);
      }, 20);
    };
    script('/slow', ...Array.from({ length: 12 }, () => slow));
    const { http } = client({ perHostConcurrency: 3 });
    await Promise.all(Array.from({ length: 12 }, () => http.send({ service: 'dataverse', method: 'GET', url: `${base}/slow` })));
    assert.equal(maxInFlight, 3);
    assert.equal(hits.get('/slow'), 12);
  });

  it('times out a request that gets no answer', async () => {
    script(
      '/hang',
      () => undefined,
      () => undefined,
    );
    const { http } = client({ timeoutMs: 100, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 } });
    await assert.rejects(
      http.send({ service: 'bap', method: 'GET', url: `${base}/hang` }),
      (e: PlatformError) => e.code === 'Timeout' && e.status === 0,
    );
    assert.equal(hits.get('/hang'), 2);
  });

  it('times out an answer whose body stops coming, as a timeout of the service, not a raw error', async () => {
    script('/stall', (_q, r) => void r.writeHead(200, { 'content-type': 'application/json' }).write('{"value":['));
    const { http } = client({ timeoutMs: 150 });
    await assert.rejects(http.send({ service: 'dataverse', method: 'GET', url: `${base}/stall` }), (e: PlatformError) => {
      assert.equal(e.code, 'Timeout');
      assert.match(e.describe(), /No answer from 127\.0\.0\.1:\d+ within the time limit/);
      return true;
    });
  });

  it("shares one caller's signal among many requests in flight without a listener-leak warning", async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const caller = new AbortController();
      const { http } = client({ perHostConcurrency: 30 });
      const send = () => http.send({ service: 'dataverse', method: 'GET', url: `${base}/many`, signal: caller.signal });
      await Promise.all(Array.from({ length: 60 }, send));
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      assert.deepEqual(warnings, []);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it('reads the headers of an answer by name in any case, a repeated one joined', async () => {
    script('/headers', (_q, r) => {
      r.setHeader('x-ms-correlation-id', 'corr-9');
      r.setHeader('set-cookie', ['a=1', 'b=2']);
      r.writeHead(204).end();
    });
    const response = await client().http.send({ service: 'dataverse', method: 'GET', url: `${base}/headers` });
    assert.equal(response.status, 204);
    assert.equal(response.body, undefined);
    assert.equal(response.correlationId, 'corr-9');
    assert.equal(response.headers.get('X-MS-Correlation-Id'), 'corr-9');
    assert.equal(response.headers.get('set-cookie'), 'a=1, b=2');
    assert.equal(response.headers.get('absent'), null);
  });

  // Without the abort these requests would hang (no answer) or wait 30 s: a failure shows as the test's timeout.
  it('stops when the caller aborts a request in flight', { timeout: 10_000 }, async () => {
    const controller = new AbortController();
    script('/abort', () => controller.abort()); // aborted once the request has arrived, and never answered
    const { http } = client({ sleep: undefined });
    await assert.rejects(
      http.send({ service: 'bap', method: 'GET', url: `${base}/abort`, signal: controller.signal }),
      (e: PlatformError) => e.code === 'Canceled',
    );
  });

  it('stops when the caller aborts while the client waits to retry', { timeout: 10_000 }, async () => {
    script('/abort-wait', status(429, { 'retry-after': '30' }), ok);
    const waiting = new AbortController();
    // Aborted when the client says it will retry in 30 s, so during the real wait.
    const logger = createLogger('debug', (line) => {
      if (/abort-wait -> 429; retry 1 in 30000 ms/.test(line)) waiting.abort();
    });
    const { http } = client({ sleep: undefined, logger });
    await assert.rejects(
      http.send({ service: 'bap', method: 'GET', url: `${base}/abort-wait`, signal: waiting.signal }),
      (e: PlatformError) => e.code === 'Canceled',
    );
    assert.equal(hits.get('/abort-wait'), 1, 'the retry was never sent');
  });

  it('decodes the error, the correlation id from the response, and a hint', async () => {
    script(
      '/gone',
      status(
        404,
        { 'x-ms-correlation-id': 'corr-123' },
        JSON.stringify({ error: { code: 'EnvironmentNotFound', message: 'The environment could not be found.' } }),
      ),
    );
    const { http } = client();
    await assert.rejects(http.send({ service: 'bap', method: 'GET', url: `${base}/gone` }), (e: PlatformError) => {
      assert.equal(e.status, 404);
      assert.equal(e.code, 'EnvironmentNotFound');
      assert.equal(e.correlationId, 'corr-123');
      assert.match(
        e.describe(),
        /Power Platform admin \(BAP\) error \(HTTP 404, EnvironmentNotFound\): The environment could not be found\.\nCorrelation id: corr-123\nWhat to do: Check the environment id/,
      );
      assert.equal(e.said(), 'The environment could not be found (correlation id corr-123)', 'a clause, quoted inside a sentence');
      return true;
    });
  });

  it('falls back to its own client request id when the service sends no correlation header', async () => {
    script('/bad', status(400, {}, '{"error":{"code":"0x80040203","message":"Invalid argument."}}'));
    const { http } = client();
    await assert.rejects(http.send({ service: 'dataverse', method: 'GET', url: `${base}/bad` }), (e: PlatformError) =>
      /^[0-9a-f-]{36}$/.test(e.correlationId ?? ''),
    );
  });
});
