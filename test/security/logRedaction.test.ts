import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLogger, redact } from '../../src/log';
import { HttpClient, safeUrl } from '../../src/platform/http';
import { startSandbox, type Sandbox } from '../../src/sandbox/server';

const PASSWORD = 'Pa55-w0rd-in-url';

describe('credentials in URLs never reach a log', () => {
  let sandbox: Sandbox;
  before(async () => {
    sandbox = await startSandbox();
  });
  after(() => sandbox.close());

  it('the HTTP client logs a URL without its user name, password or secret query values, at debug level', async () => {
    const lines: string[] = [];
    const http = new HttpClient({
      logger: createLogger('debug', (line) => lines.push(line)),
      userAgent: 'test',
      extraCaCerts: [sandbox.certificatePem],
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 1 },
    });
    const port = new URL(sandbox.url).port;
    try {
      for (const url of [
        `https://127.0.0.1:${port}/nowhere?sig=s1gnature&code=auth-c0de`,
        `https://admin:${PASSWORD}@127.0.0.1:${port}/nowhere`,
      ]) {
        await http.send({ service: 'bap', method: 'GET', url }).catch(() => undefined);
      }
    } finally {
      await http.close();
    }
    assert.ok(lines.length >= 2, `logged: ${lines.join('\n')}`);
    for (const secret of [PASSWORD, 'admin:', 's1gnature', 'auth-c0de'])
      assert.ok(!lines.some((line) => line.includes(secret)), `${secret} in ${lines.join('\n')}`);
  });

  it('every log line is redacted, whatever wrote it', () => {
    const lines: string[] = [];
    const logger = createLogger('debug', (line) => lines.push(line));
    logger.debug(`msal: calling https://svc:${PASSWORD}@login.example.test/token?client_secret=abc&password=def`);
    logger.error(`failed: ftp://user:${PASSWORD}@files.example.test/x`);
    assert.ok(!lines.some((line) => line.includes(PASSWORD) || line.includes('abc') || line.includes('def')), lines.join('\n'));
    assert.match(lines[0]!, /https:\/\/\[redacted\]@login\.example\.test\/token/);
  });

  it('safeUrl and redact leave ordinary text alone', () => {
    assert.equal(
      safeUrl('https://org.crm.dynamics.com/api/data/v9.2/solutions?$select=uniquename'),
      'https://org.crm.dynamics.com/api/data/v9.2/solutions?$select=uniquename',
    );
    assert.equal(
      redact('megan@contoso.sandbox signed in; see https://learn.microsoft.com/a@b'),
      'megan@contoso.sandbox signed in; see https://learn.microsoft.com/a@b',
    );
  });
});
