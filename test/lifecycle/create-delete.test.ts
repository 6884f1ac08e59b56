import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { text } from '../helpers';
import { environmentByName, structured, withHarness } from './harness';

describe('pp_create_environment and pp_delete_environment through an MCP client', () => {
  it('creates an environment with Dataverse, reporting progress, and returns it once its URL exists', async () => {
    await withHarness(async (h) => {
      const session = await h.connect();
      const progress: Array<{ progress: number; message?: string }> = [];
      const result = await h.call(
        session,
        'pp_create_environment',
        { displayName: 'Contoso QA', domainName: 'contoso-qa', region: 'europe' },
        { onprogress: (p) => progress.push(p) },
      );
      assert.equal(result.isError, undefined, text(result));
      const op = structured(result);
      assert.equal(op.state, 'succeeded');
      assert.equal(op.result.environment.displayName, 'Contoso QA');
      assert.match(op.result.environment.url, /\/orgs\/contoso-qa$/);
      // The lifecycle operation succeeds before Dataverse exists; the tool waited for the URL.
      const env = environmentByName(h.sandbox, 'Contoso QA')!;
      assert.equal(env.record.properties?.databaseType, 'CommonDataService');
      assert.ok(env.org, 'the database exists');
      assert.ok(progress.length >= 3, `progress notifications arrived: ${progress.length}`);
      assert.ok(
        progress.some((p) => /Run \(3 of 4\)/.test(p.message ?? '')),
        'a stage was reported',
      );
      for (let i = 1; i < progress.length; i++)
        assert.ok(progress[i]!.progress > progress[i - 1]!.progress, 'progress rises with every notification');
      // Create sends databaseType, language, currency and the all-zero security group.
      const creates = h.sandbox.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/environments'));
      assert.equal(creates.length, 1);
    });
  });

  it('returns early with an operation id when waitSeconds runs out, and pp_get_operation follows it to the end', async () => {
    await withHarness(async (h) => {
      const session = await h.connect();
      const started = await h.call(session, 'pp_create_environment', { displayName: 'Contoso UAT', waitSeconds: 0 });
      const op = structured(started);
      assert.equal(op.done, false);
      assert.match(op.state, /queued|running/);
      assert.match(text(started), new RegExp(`Operation id: ${op.id}`));
      const finished = await h.call(session, 'pp_get_operation', { id: op.id, waitSeconds: 60 });
      assert.equal(structured(finished).state, 'succeeded', text(finished));
      assert.ok(structured(finished).result.environment.url);
    });
  });

  it('a create called again after a timeout follows the first one instead of making a second environment', async () => {
    await withHarness(async (h) => {
      const session = await h.connect();
      const first = structured(await h.call(session, 'pp_create_environment', { displayName: 'Contoso Retry', waitSeconds: 0 }));
      const again = await h.call(session, 'pp_create_environment', { displayName: 'Contoso Retry', waitSeconds: 60 });
      assert.equal(structured(again).state, 'succeeded', text(again));
      assert.equal(structured(again).id, first.id, 'the same operation');
      const named = [...h.sandbox.tenant.environments.values()].filter((e) => e.record.properties?.displayName === 'Contoso Retry');
      assert.equal(named.length, 1);
      const third = await h.call(session, 'pp_create_environment', { displayName: 'Contoso Retry' });
      assert.equal(third.isError, true);
      assert.match(text(third), /already exists.*Nothing was created[\s\S]*allowDuplicateName/);
    });
  });

  it('a create whose answer is lost finds the environment the service made, and makes no second one', async () => {
    await withHarness(async (h) => {
      h.sandbox.faults.add({ kind: 'lost', method: 'POST', path: '/Microsoft.BusinessAppPlatform/environments', times: 1 });
      const session = await h.connect();
      const result = await h.call(session, 'pp_create_environment', { displayName: 'Contoso Lost', waitSeconds: 60 });
      assert.equal(structured(result).state, 'succeeded', text(result));
      const posts = h.sandbox.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/environments'));
      assert.equal(posts.length, 1, 'the start was not sent again');
      assert.equal(
        [...h.sandbox.tenant.environments.values()].filter((e) => e.record.properties?.displayName === 'Contoso Lost').length,
        1,
      );
    });
  });

  it('a capacity error is final: clear message, nothing started, no second try', async () => {
    await withHarness(async (h) => {
      h.sandbox.tenant.databaseCapacityGb = 4; // all used by the seeded databases
      const session = await h.connect();
      const result = await h.call(session, 'pp_create_environment', { displayName: 'Contoso Full' });
      assert.equal(result.isError, true);
      assert.match(text(result), /HTTP 409, InsufficientCapacity_StorageDriven/);
      assert.match(text(result), /retrying will not help/);
      assert.match(text(result), /Correlation id: /);
      assert.equal(h.sandbox.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/environments')).length, 1);
      const list = structured(await h.call(session, 'pp_list_operations', {}));
      assert.equal(list.matched, 0, 'a refused start leaves no operation behind');
    });
  });

  it('without Dataverse: no database, no domain arguments', async () => {
    await withHarness(async (h) => {
      const session = await h.connect();
      const bad = await h.call(session, 'pp_create_environment', { displayName: 'Teams Only', dataverse: false, domainName: 'teams-only' });
      assert.equal(bad.isError, true);
      assert.match(text(bad), /domainName: applies only with dataverse: true/);
      const ok = await h.call(session, 'pp_create_environment', { displayName: 'Teams Only', dataverse: false, type: 'Trial' });
      assert.equal(structured(ok).state, 'succeeded', text(ok));
      assert.equal(structured(ok).result.environment.hasDataverse, false);
      assert.equal(environmentByName(h.sandbox, 'Teams Only')!.record.properties?.databaseType, 'None');
    });
  });

  it('deletes only after confirmation, and never the default environment', async () => {
    await withHarness(async (h) => {
      const session = await h.connect();
      const refused = await h.call(session, 'pp_delete_environment', { environment: 'Contoso Test' });
      assert.equal(refused.isError, true);
      assert.match(
        text(refused),
        /needs the user's confirmation[\s\S]*Nothing was changed[\s\S]*confirm set to the environment's display name, "Contoso Test"/,
      );
      const wrong = await h.call(session, 'pp_delete_environment', { environment: 'Contoso Test', confirm: 'Contoso Dev' });
      assert.match(text(wrong), /does not match/);
      assert.ok(environmentByName(h.sandbox, 'Contoso Test'), 'still there');
      assert.equal(h.sandbox.requests.filter((r) => r.method === 'DELETE').length, 0);

      const defaultEnv = await h.call(session, 'pp_delete_environment', { environment: 'Contoso (default)', confirm: 'Contoso (default)' });
      assert.match(text(defaultEnv), /default environment, which cannot be deleted/);

      const deleted = await h.call(session, 'pp_delete_environment', { environment: 'Contoso Test', confirm: 'Contoso Test' });
      assert.equal(structured(deleted).state, 'succeeded', text(deleted));
      assert.equal(environmentByName(h.sandbox, 'Contoso Test'), undefined);
      assert.ok(
        h.sandbox.requests.some((r) => r.path.endsWith('/validateDelete')),
        'validated first',
      );
    });
  });

  it('asks through a form when the client supports elicitation; a decline changes nothing', async () => {
    await withHarness(async (h) => {
      const answers = [{ action: 'decline' as const }, { action: 'accept' as const, content: { environmentName: 'Contoso Test' } }];
      const asked: string[] = [];
      const session = await h.connect(
        [],
        {},
        {
          capabilities: { elicitation: {} },
          setup: (client) =>
            client.setRequestHandler(ElicitRequestSchema, async (request) => {
              asked.push(String(request.params.message));
              return answers.shift()!;
            }),
        },
      );
      // confirm is ignored when the person can be asked: only the person's answer counts.
      const declined = await h.call(session, 'pp_delete_environment', { environment: 'Contoso Test', confirm: 'Contoso Test' });
      assert.equal(declined.isError, true);
      assert.match(text(declined), /declined by the user. Nothing was changed/);
      assert.ok(environmentByName(h.sandbox, 'Contoso Test'));
      const accepted = await h.call(session, 'pp_delete_environment', { environment: 'Contoso Test' });
      assert.equal(structured(accepted).state, 'succeeded', text(accepted));
      assert.equal(asked.length, 2);
      assert.match(asked[0]!, /Delete Contoso Test \(Sandbox, 000000e0-0000-4000-8000-000000000003\)\?/);
    });
  });
});
