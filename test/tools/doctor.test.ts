import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { text } from '../helpers';
import { environmentByName, structured, withHarness } from '../lifecycle/harness';

type Check = { check: string; status: string; detail: string; fix: string | null };
const find = (result: unknown, name: string): Check => {
  const found = (structured(result as never).checks as Check[]).find((c) => c.check.startsWith(name));
  assert.ok(found, `check ${name} in ${text(result)}`);
  return found;
};

describe('pp_doctor through an MCP client', () => {
  it('passes every check on a working setup, and reads the settings back', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect(['--read-only']);
      const result = await h.call(cli, 'pp_doctor', { environment: 'Contoso Dev' });
      assert.equal(result.isError, undefined, text(result));
      assert.equal(structured(result).failed, 0, text(result));
      assert.match(text(result), /^Ready: 7 passed, 0 warning\(s\), 0 failed\./);
      assert.equal(find(result, 'Dataverse access: Contoso Dev').status, 'ok');
      // The WhoAmI's answer said how much of the service protection budget is left.
      assert.match(find(result, 'Dataverse API budget: ').detail, /^5999 requests and 1,?\d{3}(\.\d+)? s of execution time left/);
      assert.match(find(result, 'settings').detail, /read-only \(tools that change anything are off\)/);
      assert.equal(find(result, 'clock').status, 'ok');
    });
  });

  it('warns when the Dataverse API budget runs low', async () => {
    await withHarness(
      async (h) => {
        const cli = await h.connect();
        const result = await h.call(cli, 'pp_doctor', { environment: 'Contoso Dev' });
        const budget = find(result, 'Dataverse API budget: ');
        assert.equal(budget.status, 'warning');
        assert.match(budget.detail, /^99 requests and/);
        assert.match(budget.fix!, /429/);
      },
      { serviceProtection: { requests: 100 } },
    );
  });

  it('says what to fix: no admin permission, no Dataverse user, an allow-list entry that matches nothing', async () => {
    await withHarness(async (h) => {
      const test = environmentByName(h.sandbox, 'Contoso Test')!.org!;
      test.users = test.users.filter((u) => !u.applicationid);
      const cli = await h.connect([], { POWERAGENT_ALLOWED_ENVIRONMENTS: 'Contoso Test,Contoso Nowhere' });
      const result = await h.call(cli, 'pp_doctor', { environment: 'Contoso Test' });
      const dataverse = find(result, 'Dataverse access: Contoso Test');
      assert.equal(dataverse.status, 'failed');
      assert.match(dataverse.fix!, /pp_assign_user|application user/);
      assert.match(dataverse.detail, /not a member of the organization/);
      const allowed = find(result, 'allowed environments');
      assert.equal(allowed.status, 'warning');
      assert.match(allowed.detail, /"Contoso Nowhere"/);

      h.sandbox.tenant.apps[0]!.managementApp = false;
      const denied = await h.call(cli, 'pp_doctor', { environment: 'Contoso Test' });
      const admin = find(denied, 'admin API');
      assert.equal(admin.status, 'failed');
      assert.match(admin.fix!, /management application/);
      assert.match(admin.detail, /correlation id /);
      assert.equal(find(denied, 'Dataverse access').status, 'skipped');
    });
  });

  it('reports a refused sign-in and a clock minutes off, without failing the call', async () => {
    await withHarness(
      async (h) => {
        const cli = await h.connect([], { POWERPLATFORM_CLIENT_SECRET: 'not-the-secret' });
        const result = await h.call(cli, 'pp_doctor', {});
        assert.equal(result.isError, undefined);
        const bap = find(result, 'sign-in: Power Platform admin API');
        assert.equal(bap.status, 'failed');
        assert.match(bap.detail, /AADSTS7000215/);
        assert.doesNotMatch(text(result), /not-the-secret/);
        assert.match(text(result), /^2 problem\(s\) to fix/);

        const skewed = await h.connect([]);
        const clock = find(await h.call(skewed, 'pp_doctor', {}), 'clock');
        assert.equal(clock.status, 'warning');
        assert.match(clock.detail, /behind the service/);
      },
      { clockOffsetSeconds: 900 },
    );
  });
});
