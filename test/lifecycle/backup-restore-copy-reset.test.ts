import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { text } from '../helpers';
import { environmentByName, solutionNames, structured, withHarness } from './harness';

describe('backup, restore, copy and reset through an MCP client', () => {
  it('backs up with a label, lists it, and restores it after a change', async () => {
    await withHarness(async (h) => {
      const session = await h.connect();
      const backup = await h.call(session, 'pp_backup_environment', { environment: 'Contoso Dev', label: 'before-release-42' });
      assert.equal(structured(backup).state, 'succeeded', text(backup));
      assert.equal(structured(backup).result.backup.label, 'before-release-42');
      const list = await h.call(session, 'pp_list_backups', { environment: 'Contoso Dev' });
      assert.deepEqual(
        structured(list).backups.map((b: { label: string }) => b.label),
        ['before-release-42'],
      );

      const before = solutionNames(h.sandbox, 'Contoso Dev');
      // A change after the backup, which the restore must undo.
      const org = environmentByName(h.sandbox, 'Contoso Dev')!.org!;
      org.solutions = org.solutions.filter((s) => s.uniquename !== 'ContosoPortal');
      org.history.push({ at: Date.now(), solutions: structuredClone(org.solutions) });
      assert.notDeepEqual(solutionNames(h.sandbox, 'Contoso Dev'), before);

      const restored = await h.call(session, 'pp_restore_environment', {
        environment: 'Contoso Dev',
        backup: 'before-release-42',
        confirm: 'Contoso Dev',
        waitSeconds: 60,
      });
      assert.equal(structured(restored).state, 'succeeded', text(restored));
      assert.deepEqual(solutionNames(h.sandbox, 'Contoso Dev'), before);
      assert.match(text(restored), /administration mode/);
    });
  });

  it('refuses restores the service would refuse, before asking anyone', async () => {
    await withHarness(async (h) => {
      const session = await h.connect();
      const production = await h.call(session, 'pp_restore_environment', {
        environment: 'Contoso Production',
        pointInTime: new Date(Date.now() - 3600_000).toISOString(),
        confirm: 'Contoso Production',
      });
      assert.equal(production.isError, true);
      assert.match(text(production), /can only overwrite a Sandbox environment, and Contoso Production is Production/);
      const noOffset = await h.call(session, 'pp_restore_environment', { environment: 'Contoso Dev', pointInTime: '2026-11-20T14:30:00' });
      assert.match(text(noOffset), /pointInTime: must be an RFC 3339 date and time with a time zone offset/);
      const both = await h.call(session, 'pp_restore_environment', { environment: 'Contoso Dev' });
      assert.match(text(both), /backup: give exactly one of backup and pointInTime/);
      const missing = await h.call(session, 'pp_restore_environment', {
        environment: 'Contoso Dev',
        backup: 'nope',
        confirm: 'Contoso Dev',
      });
      assert.match(text(missing), /has no backup "nope"/);
      assert.equal(h.sandbox.requests.filter((r) => r.path.endsWith('/restore')).length, 0);
    });
  });

  it('copies: the target gets the source solutions, and the service validation is reported by field', async () => {
    await withHarness(async (h) => {
      const session = await h.connect();
      const copied = await h.call(session, 'pp_copy_environment', {
        source: 'Contoso Dev',
        environment: 'Contoso Test',
        confirm: 'Contoso Test',
        newName: 'Contoso Test (copy)',
        waitSeconds: 60,
      });
      assert.equal(structured(copied).state, 'succeeded', text(copied));
      assert.deepEqual(solutionNames(h.sandbox, 'Contoso Test (copy)'), solutionNames(h.sandbox, 'Contoso Dev'));
      assert.equal(structured(copied).result.environment.displayName, 'Contoso Test (copy)');

      const ontoProduction = await h.call(session, 'pp_copy_environment', {
        source: 'Contoso Dev',
        environment: 'Contoso Production',
        confirm: 'Contoso Production',
      });
      assert.match(text(ontoProduction), /can only overwrite a Sandbox environment/);
    });
  });

  it('resets: the database keeps only the system solutions', async () => {
    await withHarness(async (h) => {
      const session = await h.connect();
      assert.ok(solutionNames(h.sandbox, 'Contoso Dev').includes('ContosoCore'));
      const reset = await h.call(session, 'pp_reset_environment', { environment: 'Contoso Dev', confirm: 'Contoso Dev', waitSeconds: 60 });
      assert.equal(structured(reset).state, 'succeeded', text(reset));
      assert.deepEqual(solutionNames(h.sandbox, 'Contoso Dev'), ['Active', 'Default', 'System']);
      const production = await h.call(session, 'pp_reset_environment', {
        environment: 'Contoso Production',
        confirm: 'Contoso Production',
      });
      assert.match(text(production), /Only Sandbox and Developer environments can be reset/);
    });
  });

  it('one operation per environment: a second start queues on 409 OperationNotStartable and runs when the first ends', async () => {
    await withHarness(async (h) => {
      const session = await h.connect();
      const reset = structured(
        await h.call(session, 'pp_reset_environment', { environment: 'Contoso Test', confirm: 'Contoso Test', waitSeconds: 0 }),
      );
      const backup = await h.call(session, 'pp_backup_environment', { environment: 'Contoso Test', label: 'after-reset', waitSeconds: 0 });
      assert.equal(structured(backup).state, 'queued', text(backup));
      assert.match(structured(backup).stage, /Waiting for the operation already running on Contoso Test/);
      const done = await h.call(session, 'pp_get_operation', { id: structured(backup).id, waitSeconds: 60 });
      assert.equal(structured(done).state, 'succeeded', text(done));
      const resetDone = structured(await h.call(session, 'pp_get_operation', { id: reset.id, waitSeconds: 60 }));
      assert.equal(resetDone.state, 'succeeded');
      const serviceReset = [...h.sandbox.lifecycle.operations.values()].find((op) => op.type === 'Reset')!;
      const resetEnded = serviceReset.startedAt + serviceReset.stageMs.reduce((a, b) => a + b, 0);
      assert.ok(Date.parse(structured(done).result.backup.backupPointDateTime) >= resetEnded, 'the backup was taken after the reset ended');
      assert.ok(
        h.sandbox.requests.some((r) => r.path.endsWith('/backups') && r.status === 409),
        'the service said busy',
      );
    });
  });

  it('an operation that fails in the service ends failed, with its error, as a tool error', async () => {
    await withHarness(async (h) => {
      h.sandbox.lifecycle.failNext('Copy', { code: 'CopyFailed', message: 'The copy failed while copying the database.' });
      const session = await h.connect();
      const result = await h.call(session, 'pp_copy_environment', {
        source: 'Contoso Dev',
        environment: 'Contoso Test',
        confirm: 'Contoso Test',
        waitSeconds: 60,
      });
      assert.equal(result.isError, true);
      assert.equal(structured(result).state, 'failed');
      assert.match(text(result), /Error \(CopyFailed\): The copy failed while copying the database/);
      assert.deepEqual(solutionNames(h.sandbox, 'Contoso Test'), ['Active', 'ContosoCore', 'Default', 'System'], 'unchanged');
    });
  });

  it('429, 503 and dropped connections while polling do not change the outcome', async () => {
    await withHarness(async (h) => {
      h.sandbox.faults.add({ kind: 'throttle', path: '/environmentmanagement/operations/', times: 2, retryAfterSeconds: 0.2 });
      h.sandbox.faults.add({ kind: 'unavailable', path: '/environmentmanagement/operations/', times: 2 });
      h.sandbox.faults.add({ kind: 'reset', path: '/environmentmanagement/operations/', times: 2 });
      h.sandbox.faults.add({ kind: 'throttle', path: '/lifecycleOperations/', times: 2, retryAfterSeconds: 0.2 });
      h.sandbox.faults.add({ kind: 'reset', path: '/lifecycleOperations/', times: 1 });
      const session = await h.connect();
      const copied = await h.call(session, 'pp_copy_environment', {
        source: 'Contoso Dev',
        environment: 'Contoso Test',
        confirm: 'Contoso Test',
        waitSeconds: 90,
      });
      assert.equal(structured(copied).state, 'succeeded', text(copied));
      const created = await h.call(session, 'pp_create_environment', { displayName: 'Contoso Faults', waitSeconds: 90 });
      assert.equal(structured(created).state, 'succeeded', text(created));
      const statuses = h.sandbox.requests.filter((r) => /operations\//i.test(r.path)).map((r) => r.status);
      for (const status of [429, 503, 0]) assert.ok(statuses.includes(status), `saw ${status}`);
      assert.deepEqual(solutionNames(h.sandbox, 'Contoso Test'), solutionNames(h.sandbox, 'Contoso Dev'));
    });
  });
});
