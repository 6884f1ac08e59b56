import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { text } from '../helpers';
import { environmentByName, structured, withHarness } from './harness';

const CHANGING_TOOLS = [
  'pp_create_environment',
  'pp_delete_environment',
  'pp_backup_environment',
  'pp_restore_environment',
  'pp_copy_environment',
  'pp_reset_environment',
];

describe('safety switches and operations that outlive a call or a server', () => {
  it('read-only mode leaves changing tools out of tools/list and refuses them', async () => {
    await withHarness(async (h) => {
      const session = await h.connect(['--read-only']);
      const names = (await session.client.listTools()).tools.map((t) => t.name);
      for (const tool of CHANGING_TOOLS) assert.ok(!names.includes(tool), `${tool} is hidden`);
      for (const tool of ['pp_list_environments', 'pp_get_operation', 'pp_list_operations', 'pp_list_backups'])
        assert.ok(names.includes(tool), `${tool} is offered`);
      await assert.rejects(
        session.client.callTool({ name: 'pp_delete_environment', arguments: { environment: 'Contoso Test', confirm: 'Contoso Test' } }),
        /read-only mode/,
      );
      assert.ok(environmentByName(h.sandbox, 'Contoso Test'));

      const viaEnv = await h.connect([], { POWERAGENT_READ_ONLY: '1' });
      assert.ok(!(await viaEnv.client.listTools()).tools.some((t) => t.name === 'pp_create_environment'));
    });
  });

  it('the allow-list refuses other environments, hides them from the list, and limits create', async () => {
    await withHarness(async (h) => {
      const session = await h.connect([], { POWERAGENT_ALLOWED_ENVIRONMENTS: 'Contoso Dev, contoso-qa' });
      const list = await h.call(session, 'pp_list_environments', {});
      assert.deepEqual(
        structured(list).environments.map((e: { displayName: string }) => e.displayName),
        ['Contoso Dev'],
      );
      assert.match(text(list), /4 other environment\(s\) are hidden/);
      const refused = await h.call(session, 'pp_reset_environment', {
        environment: '000000e0-0000-4000-8000-000000000003',
        confirm: 'Contoso Test',
      });
      assert.equal(refused.isError, true);
      assert.match(
        text(refused),
        /limited to the environments in POWERAGENT_ALLOWED_ENVIRONMENTS, and Contoso Test \(000000e0-0000-4000-8000-000000000003\) is not one of them. Nothing was done/,
      );
      const copyFromOther = await h.call(session, 'pp_copy_environment', {
        source: 'Contoso Production',
        environment: 'Contoso Dev',
        confirm: 'Contoso Dev',
      });
      assert.match(text(copyFromOther), /Contoso Production .* is not one of them/);
      const create = await h.call(session, 'pp_create_environment', { displayName: 'Somewhere Else' });
      assert.match(text(create), /a new environment named Somewhere Else is not one of them/);
      assert.equal(
        h.sandbox.requests.filter((r) => r.method !== 'GET' && !r.path.includes('/oauth2/')).length,
        0,
        'nothing was sent that changes anything',
      );
      const allowed = await h.call(session, 'pp_create_environment', {
        displayName: 'Contoso QA',
        domainName: 'contoso-qa',
        waitSeconds: 60,
      });
      assert.equal(structured(allowed).state, 'succeeded', text(allowed));
    });
  });

  it('--confirm production lets pipelines skip confirmation, except on production', async () => {
    await withHarness(async (h) => {
      const session = await h.connect(['--confirm', 'production']);
      const sandboxReset = await h.call(session, 'pp_reset_environment', { environment: 'Contoso Test', waitSeconds: 0 });
      assert.notEqual(sandboxReset.isError, true, text(sandboxReset));
      const production = await h.call(session, 'pp_delete_environment', { environment: 'Contoso Production' });
      assert.match(text(production), /needs the user's confirmation/);
    });
  });

  it('a cancelled call stops waiting, says the operation goes on, and the operation still ends', async () => {
    await withHarness(async (h) => {
      const notices: string[] = [];
      const session = await h.connect(
        [],
        {},
        {
          setup: (client) =>
            client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void notices.push(String(n.params.data))),
        },
      );
      const controller = new AbortController();
      const call = h.call(
        session,
        'pp_create_environment',
        { displayName: 'Contoso Cancel', waitSeconds: 120 },
        { signal: controller.signal, onprogress: () => controller.abort() },
      );
      await assert.rejects(call, /AbortError|aborted|cancel/i);
      const deadline = Date.now() + 5000;
      while (!notices.some((n) => /Stopped waiting/.test(n)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      const notice = notices.find((n) => /Stopped waiting/.test(n));
      assert.ok(notice, `a notice arrived: ${JSON.stringify(notices)}`);
      assert.match(notice, /"Create environment Contoso Cancel" \(operation [0-9a-f-]{36}\). It goes on in the service/);
      const id = /operation ([0-9a-f-]{36})/.exec(notice)![1]!;
      const done = await h.call(session, 'pp_get_operation', { id, waitSeconds: 60 });
      assert.equal(structured(done).state, 'succeeded', text(done));
    });
  });

  it('a restarted server resumes what was running, and reports what finished while it was down', async () => {
    await withHarness(async (h) => {
      const first = await h.connect();
      const create = structured(await h.call(first, 'pp_create_environment', { displayName: 'Contoso Resume', waitSeconds: 0 }));
      const copy = structured(
        await h.call(first, 'pp_copy_environment', {
          source: 'Contoso Dev',
          environment: 'Contoso Test',
          confirm: 'Contoso Test',
          waitSeconds: 0,
        }),
      );
      await first.close(); // the server process ends while both run in the service

      const file = join(h.stateDir, 'operations.json');
      assert.equal(statSync(file).mode & 0o777, 0o600, 'the store is readable by its owner only');
      const stored = JSON.parse(readFileSync(file, 'utf8')).operations as Array<{ id: string; state: string }>;
      assert.deepEqual(stored.map((o) => o.state).sort(), ['running', 'running']);

      // Let the copy finish in the service while no server runs.
      const serviceCopy = [...h.sandbox.lifecycle.operations.values()].find((op) => op.type === 'Copy')!;
      const copyEnds = serviceCopy.startedAt + serviceCopy.stageMs.reduce((a, b) => a + b, 0);
      await new Promise((r) => setTimeout(r, Math.max(0, copyEnds - Date.now()) + 200));

      const notices: string[] = [];
      const second = await h.connect(
        [],
        {},
        {
          setup: (client) =>
            client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => void notices.push(String(n.params.data))),
        },
      );
      const listed = structured(await h.call(second, 'pp_list_operations', {}));
      assert.deepEqual(listed.operations.map((o: { id: string }) => o.id).sort(), [create.id, copy.id].sort());
      const copyDone = await h.call(second, 'pp_get_operation', { id: copy.id, waitSeconds: 30 });
      assert.equal(structured(copyDone).state, 'succeeded', text(copyDone));
      const createDone = await h.call(second, 'pp_get_operation', { id: create.id, waitSeconds: 60 });
      assert.equal(structured(createDone).state, 'succeeded', text(createDone));
      assert.ok(structured(createDone).result.environment.url);
      const deadline = Date.now() + 5000;
      while (notices.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.ok(
        notices.some((n) => /Copy Contoso Dev onto Contoso Test \(Minimal\) succeeded while the server was not running/.test(n)),
        JSON.stringify(notices),
      );
    });
  });
});
