import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { eventually, text } from '../helpers';
import { environmentByName, structured, withHarness, type Harness } from './harness';

const CHANGING_TOOLS = [
  'pp_create_environment',
  'pp_delete_environment',
  'pp_backup_environment',
  'pp_restore_environment',
  'pp_copy_environment',
  'pp_reset_environment',
];

const ALLOW_DEV_AND_QA = { POWERAGENT_ALLOWED_ENVIRONMENTS: 'Contoso Dev, contoso-qa' };

/** Requests the sandbox got that could change something (sign-in aside). */
function changesSent(h: Harness): number {
  return h.sandbox.requests.filter((r) => r.method !== 'GET' && !r.path.includes('/oauth2/')).length;
}

describe('safety switches and operations that outlive a call or a server', () => {
  it('read-only mode leaves changing tools out of tools/list', async () => {
    await withHarness(async (h) => {
      const session = await h.connect(['--read-only']);
      const names = (await session.client.listTools()).tools.map((t) => t.name);
      for (const tool of CHANGING_TOOLS) assert.ok(!names.includes(tool), `${tool} is hidden`);
      for (const tool of ['pp_list_environments', 'pp_get_operation', 'pp_list_operations', 'pp_list_backups'])
        assert.ok(names.includes(tool), `${tool} is offered`);
    });
  });

  it('read-only mode refuses a changing tool called anyway, and changes nothing', async () => {
    await withHarness(async (h) => {
      const session = await h.connect(['--read-only']);
      await assert.rejects(
        session.client.callTool({ name: 'pp_delete_environment', arguments: { environment: 'Contoso Test', confirm: 'Contoso Test' } }),
        /read-only mode/,
      );
      assert.ok(environmentByName(h.sandbox, 'Contoso Test'));
    });
  });

  it('POWERAGENT_READ_ONLY turns read-only mode on', async () => {
    await withHarness(async (h) => {
      const viaEnv = await h.connect([], { POWERAGENT_READ_ONLY: '1' });
      assert.ok(!(await viaEnv.client.listTools()).tools.some((t) => t.name === 'pp_create_environment'));
    });
  });

  it('the allow-list hides other environments from the list', async () => {
    await withHarness(async (h) => {
      const session = await h.connect([], ALLOW_DEV_AND_QA);
      const list = await h.call(session, 'pp_list_environments', {});
      assert.deepEqual(
        structured(list).environments.map((e: { displayName: string }) => e.displayName),
        ['Contoso Dev'],
      );
      assert.match(text(list), /4 other environment\(s\) are hidden/);
    });
  });

  it('the allow-list refuses a change to another environment, and sends nothing', async () => {
    await withHarness(async (h) => {
      const session = await h.connect([], ALLOW_DEV_AND_QA);
      const refused = await h.call(session, 'pp_reset_environment', {
        environment: '000000e0-0000-4000-8000-000000000003',
        confirm: 'Contoso Test',
      });
      assert.equal(refused.isError, true);
      assert.match(
        text(refused),
        /limited to the environments in POWERAGENT_ALLOWED_ENVIRONMENTS, and Contoso Test \(000000e0-0000-4000-8000-000000000003\) is not one of them. Nothing was done/,
      );
      assert.equal(changesSent(h), 0, 'nothing was sent that changes anything');
    });
  });

  it('the allow-list refuses a copy from another environment', async () => {
    await withHarness(async (h) => {
      const session = await h.connect([], ALLOW_DEV_AND_QA);
      const copyFromOther = await h.call(session, 'pp_copy_environment', {
        source: 'Contoso Production',
        environment: 'Contoso Dev',
        confirm: 'Contoso Dev',
      });
      assert.match(text(copyFromOther), /Contoso Production .* is not one of them/);
      assert.equal(changesSent(h), 0, 'nothing was sent that changes anything');
    });
  });

  it('the allow-list refuses to create an environment it does not name', async () => {
    await withHarness(async (h) => {
      const session = await h.connect([], ALLOW_DEV_AND_QA);
      const create = await h.call(session, 'pp_create_environment', { displayName: 'Somewhere Else' });
      assert.match(text(create), /a new environment named Somewhere Else is not one of them/);
      assert.equal(changesSent(h), 0, 'nothing was sent that changes anything');
    });
  });

  it('the allow-list lets a create through when it names the new environment', async () => {
    await withHarness(async (h) => {
      const session = await h.connect([], ALLOW_DEV_AND_QA);
      const allowed = await h.call(session, 'pp_create_environment', {
        displayName: 'Contoso QA',
        domainName: 'contoso-qa',
        waitSeconds: 60,
      });
      assert.equal(structured(allowed).state, 'succeeded', text(allowed));
    });
  });

  it('--confirm production lets a pipeline skip confirmation outside production', async () => {
    await withHarness(async (h) => {
      const session = await h.connect(['--confirm', 'production']);
      const sandboxReset = await h.call(session, 'pp_reset_environment', { environment: 'Contoso Test', waitSeconds: 0 });
      assert.notEqual(sandboxReset.isError, true, text(sandboxReset));
    });
  });

  it('--confirm production still asks for confirmation on production', async () => {
    await withHarness(async (h) => {
      const session = await h.connect(['--confirm', 'production']);
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
      const notice = await eventually(
        async () => notices.find((n) => /Stopped waiting/.test(n)),
        (found) => found !== undefined,
      );
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

      // The copy finishes in the service while no server runs.
      const serviceCopy = [...h.sandbox.lifecycle.operations.values()].find((op) => op.type === 'Copy')!;
      h.sandbox.lifecycle.endNow(serviceCopy);
      assert.ok(serviceCopy.ended, 'the copy ended in the service');

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
      const copyNotice = /Copy Contoso Dev onto Contoso Test \(Minimal\) succeeded while the server was not running/;
      await eventually(
        async () => notices,
        (heard) => heard.some((n) => copyNotice.test(n)),
      );
      assert.ok(
        notices.some((n) => copyNotice.test(n)),
        JSON.stringify(notices),
      );
    });
  });
});
