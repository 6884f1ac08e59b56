import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { silentLogger } from '../../src/log';
import { createServices } from '../../src/services';
import { CLI, runNode } from '../helpers';

describe('power-agent-mcp sandbox', { timeout: 60_000 }, () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`runs only the sandbox, prints what points a client at it, serves it, and stops cleanly on ${signal}`, async () => {
      const child = spawn(process.execPath, [CLI, 'sandbox', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const exited = once(child, 'exit');
      try {
        const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
        const info = JSON.parse(line) as {
          url: string;
          environments: Array<{ name: string; url: string }>;
          env: Record<string, string>;
          caCertificate: string;
        };
        assert.match(info.url, /^https:\/\/127\.0\.0\.1:\d+$/);
        assert.equal(info.env.NODE_EXTRA_CA_CERTS, info.caCertificate);
        assert.match(readFileSync(info.caCertificate, 'utf8'), /-----BEGIN CERTIFICATE-----/);
        const test = info.environments.find((e) => e.name === 'Contoso Test')!;
        const { NODE_EXTRA_CA_CERTS: _, ...env } = info.env;
        const services = createServices({
          env,
          logger: silentLogger,
          userAgent: 'tests',
          http: { extraCaCerts: [readFileSync(info.caCertificate, 'utf8')] },
        });
        try {
          const me = await services.dataverse(test.url).whoAmI();
          assert.match(me.UserId, /^[0-9a-f-]{36}$/);
        } finally {
          await services.close();
        }
        child.kill(signal);
        const [code] = (await exited) as [number];
        assert.equal(code, 0);
        assert.equal(existsSync(info.caCertificate), false, 'its certificate file is removed');
      } finally {
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    });
  }

  it('prints its URLs, the variables to export and the CA certificate for a person, and refuses an unknown option', async () => {
    const bad = await runNode([CLI, 'sandbox', '--port', 'many']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /^--port needs a number from 0 to 65535, got "many"\./);
    const help = await runNode([CLI, 'sandbox', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /prints its URLs, the\s+environment variables/);
  });

  it('in text form lists every URL and export line', async () => {
    const child = spawn(process.execPath, [CLI, 'sandbox'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    try {
      while (!output.includes('Stop with Ctrl+C.')) await once(child.stdout, 'data');
      assert.match(output, /^Power Agent MCP sandbox: a local emulator of the Microsoft cloud on https:\/\/127\.0\.0\.1:\d+\n/);
      assert.match(output, /Dataverse: Contoso Test +https:\/\/127\.0\.0\.1:\d+\/orgs\/contoso-test\n/);
      for (const name of [
        'POWERAGENT_AUTHORITY_HOST',
        'POWERAGENT_BAP_URL',
        'POWERAGENT_POWERPLATFORM_URL',
        'POWERPLATFORM_TENANT_ID',
        'POWERPLATFORM_APPLICATION_ID',
        'NODE_EXTRA_CA_CERTS',
      ])
        assert.match(output, new RegExp(`\\n  export ${name}=\\S+\\n`));
      assert.match(output, /\nCA certificate: \S+sandbox-ca\.pem\n/);
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  });
});
