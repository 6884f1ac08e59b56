import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FaultInjector } from '../../src/sandbox/faults';
import { connectCli, eventually, sandboxServices, text, withSandbox } from '../helpers';

describe('sandbox fault injection', () => {
  it('applies rules by method, path (text or /regex/), count and a repeatable rate', () => {
    const faults = new FaultInjector([
      { kind: 'reset', method: 'POST', path: '/token', times: 1 },
      { kind: 'throttle', path: '/^\\/orgs\\/[^/]+\\/api/', rate: 0.5 },
    ]);
    assert.equal(faults.pick('GET', '/x/token'), undefined);
    assert.equal(faults.pick('POST', '/x/token')?.kind, 'reset');
    assert.equal(faults.pick('POST', '/x/token'), undefined, 'times: 1');
    const hits = Array.from({ length: 1000 }, () => faults.pick('GET', '/orgs/a/api/data/v9.2/WhoAmI')).filter(Boolean).length;
    assert.ok(hits > 430 && hits < 570, `rate 0.5 gave ${hits}/1000`);
    const again = new FaultInjector([{ kind: 'throttle', rate: 0.5 }]);
    const first = Array.from({ length: 50 }, () => Boolean(again.pick('GET', '/')));
    const replay = new FaultInjector([{ kind: 'throttle', rate: 0.5 }]);
    assert.deepEqual(
      Array.from({ length: 50 }, () => Boolean(replay.pick('GET', '/'))),
      first,
      'seeded: runs repeat',
    );
    assert.throws(() => new FaultInjector([{ kind: 'explode' as never }]), /unknown fault kind/);
  });

  it('a slow response runs into the client timeout, and the read is retried', async () => {
    await withSandbox({ faults: [{ kind: 'slow', path: '/WhoAmI', times: 1, delayMs: 1500 }] }, async (sandbox) => {
      const services = sandboxServices(sandbox, {}, { timeoutMs: 500 });
      const dataverse = services.dataverse(`${sandbox.url}/orgs/contoso-dev`);
      await services.tokens.getToken(dataverse.resource); // sign in first, so only the calls are timed
      const started = Date.now();
      const who = await dataverse.whoAmI();
      const elapsed = Date.now() - started;
      assert.match(who.UserId, /^[0-9a-f-]{36}$/);
      assert.ok(elapsed >= 500 && elapsed < 1500, `gave up on the slow answer after the 500 ms timeout, then retried (${elapsed} ms)`);
      // The slow answer is recorded when it is finally sent.
      const recorded = () => sandbox.requests.filter((r) => r.path.endsWith('/WhoAmI')).length;
      await eventually(
        () => Promise.resolve(recorded()),
        (count) => count >= 2,
      );
      assert.deepEqual(
        sandbox.requests.filter((r) => r.path.endsWith('/WhoAmI')).map((r) => r.status),
        [200, 200],
      );
      await services.close();
    });
  });

  it('--sandbox reads POWERAGENT_SANDBOX_FAULTS', async () => {
    const faults = JSON.stringify([{ kind: 'throttle', path: '/scopes/admin/environments', times: 10, retryAfterSeconds: 0 }]);
    const { client, close } = await connectCli(['--sandbox'], { POWERAGENT_SANDBOX_FAULTS: faults });
    try {
      const result = await client.callTool({ name: 'pp_list_environments', arguments: {} });
      assert.equal(result.isError, true);
      assert.match(text(result), /^Power Platform admin \(BAP\) error \(HTTP 429, TooManyRequests\)[\s\S]*5 attempts were made/);
    } finally {
      await close();
    }
  });
});
