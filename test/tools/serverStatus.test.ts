import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { text } from '../helpers';
import { structured, withHarness } from '../lifecycle/harness';

type Check = { check: string; status: string; value: string; threshold: string };
const check = (result: Record<string, any>, name: string): Check => {
  const found = (result.checks as Check[]).find((c) => c.check === name);
  assert.ok(found, `check ${name} in ${JSON.stringify(result.checks)}`);
  return found;
};

describe('pp_server_status through an MCP client', () => {
  it('says there is nothing to judge yet on a fresh server', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect();
      const result = await h.call(cli, 'pp_server_status', {});
      assert.equal(result.isError, undefined, text(result));
      const status = structured(result);
      assert.deepEqual(status.tools, []);
      assert.equal(check(status, 'tool success rate').status, 'no data');
      assert.equal(check(status, 'Dataverse API budget').status, 'no data');
      assert.ok(status.memory.rssMb > 0);
      assert.ok(status.uptimeSeconds >= 0);
      assert.equal(status.healthy, true);
    });
  });

  it('counts calls, errors and durations per tool, and requests and the API budget per Dataverse org', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect();
      for (let i = 0; i < 3; i++) assert.equal((await h.call(cli, 'pp_whoami', { environment: 'Contoso Dev' })).isError, undefined);
      assert.equal((await h.call(cli, 'pp_whoami', { environment: 'Contoso Nowhere' })).isError, true);
      const status = structured(await h.call(cli, 'pp_server_status', {}));

      const whoami = status.tools.find((t: { tool: string }) => t.tool === 'pp_whoami');
      assert.equal(whoami.calls, 4);
      assert.equal(whoami.errors, 1);
      assert.ok(whoami.p50Ms > 0 && whoami.p95Ms >= whoami.p50Ms, JSON.stringify(whoami));
      // 3 of 4 calls worked: 75 %, under the 95 % the guide asks for.
      assert.equal(check(status, 'tool success rate').status, 'warning');
      assert.match(check(status, 'tool success rate').value, /^75\.0 % \(3 of 4 calls\)/);
      assert.equal(status.healthy, false);

      const org = status.services.find((s: { service: string }) => s.service === 'dataverse');
      const sandboxRequests = h.sandbox.requests.filter((r) => r.path.includes('/api/data/')).length;
      assert.equal(org.requests, sandboxRequests);
      assert.match(org.org, /\/orgs\/contoso-dev$/i);
      // The budget is what the last answer said: the documented 6,000 less the requests in the window.
      assert.equal(org.budget.requestsRemaining, 6000 - sandboxRequests);
      assert.ok(org.budget.secondsRemaining > 1190 && org.budget.secondsRemaining <= 1200, JSON.stringify(org.budget));
      assert.equal(check(status, 'Dataverse API budget').status, 'ok');
      assert.ok(status.services.some((s: { service: string; requests: number }) => s.service === 'bap' && s.requests > 0));
    });
  });

  it('counts 429s, retries and the time waited per service, and warns when the budget runs low', async () => {
    await withHarness(
      async (h) => {
        const cli = await h.connect();
        h.sandbox.faults.add({ kind: 'throttle', path: 'WhoAmI', times: 2, retryAfterSeconds: 1 });
        const result = await h.call(cli, 'pp_whoami', { environment: 'Contoso Dev' });
        assert.equal(result.isError, undefined, text(result));
        const status = structured(await h.call(cli, 'pp_server_status', {}));
        const org = status.services.find((s: { service: string }) => s.service === 'dataverse');
        assert.equal(org.throttled, 2);
        assert.equal(org.retries, 2);
        assert.equal(org.retryWaitMs, 2000);
        // 2 of 6 Dataverse requests and the sign-in and admin requests: well over 5 % throttled.
        assert.equal(check(status, 'service error rate').status, 'warning');
        // The sandbox allows this user 50 requests: what is left is under a fifth of the service's 6,000.
        assert.equal(check(status, 'Dataverse API budget').status, 'warning');
        assert.match(
          text(await h.call(cli, 'pp_server_status', {})),
          /WARN Dataverse API budget: low on 127\.0\.0\.1:\d+\/orgs\/contoso-dev/i,
        );
      },
      { serviceProtection: { requests: 50 } },
    );
  });

  it('counts the operations it followed', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect();
      const backup = await h.call(cli, 'pp_backup_environment', { environment: 'Contoso Dev', label: 'status test', waitSeconds: 30 });
      assert.equal(structured(backup).state, 'succeeded', text(backup));
      const status = structured(await h.call(cli, 'pp_server_status', {}));
      assert.deepEqual(status.operations, { running: 0, succeeded: 1, failed: 0 });
    });
  });
});
