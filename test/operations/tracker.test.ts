import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { silentLogger } from '../../src/log';
import type { OperationRecord } from '../../src/operations/record';
import { FileOperationStore } from '../../src/operations/store';
import { OperationTracker } from '../../src/operations/tracker';
import type { Services } from '../../src/services';
import { sandboxServices, withSandbox } from '../helpers';

/** Starts a reset of Contoso Test through the tracker, as pp_reset_environment does. */
function beginReset(tracker: OperationTracker, services: Services, retryAfterMs: number) {
  const id = '000000e0-0000-4000-8000-000000000003';
  return tracker.begin({
    kind: 'reset_environment',
    title: 'Reset Contoso Test',
    environment: { id, displayName: 'Contoso Test' },
    start: async () => {
      const response = await services.powerPlatform.reset(id, {});
      return { kind: 'poll', style: 'ppapi-operation', url: response.headers.get('operation-location')!, retryAfterMs };
    },
  });
}

describe('operation tracker', () => {
  it('sends a heartbeat while nothing changes, and returns at the wait limit with the operation still running', async () => {
    await withSandbox({ timeScale: 0.01 }, async (sandbox) => {
      const services = sandboxServices(sandbox);
      const tracker = new OperationTracker({
        store: new FileOperationStore(join(mkdtempSync(join(tmpdir(), 'ops-')), 'operations.json')),
        services: async () => services,
        logger: silentLogger,
        heartbeatMs: 100,
        defaultPollIntervalMs: 50,
      });
      const started = await beginReset(tracker, services, 50);
      const seen: string[] = [];
      const { record, end } = await tracker.wait(started.id, { waitMs: 600, onProgress: (r) => void seen.push(r.stage ?? '') });
      assert.equal(end, 'timeout');
      assert.equal(record.state, 'running');
      assert.ok(seen.length >= 5, `heartbeats and changes: ${seen.length}`);
      const finished = await tracker.wait(started.id, { waitMs: 30_000 });
      assert.equal(finished.end, 'finished');
      assert.equal(finished.record.state, 'succeeded');
      tracker.close();
      await services.close();
    });
  });

  it('Stop Waiting ends every wait for an operation at once, and the operation goes on to its end', async () => {
    await withSandbox({ timeScale: 0.01 }, async (sandbox) => {
      const services = sandboxServices(sandbox);
      const tracker = new OperationTracker({
        store: new FileOperationStore(join(mkdtempSync(join(tmpdir(), 'ops-')), 'operations.json')),
        services: async () => services,
        logger: silentLogger,
        defaultPollIntervalMs: 50,
      });
      const started = await beginReset(tracker, services, 50);
      const waits = [tracker.wait(started.id, { waitMs: 60_000 }), tracker.wait(started.id, { waitMs: 60_000 })];
      assert.equal(tracker.waiting(started.id), 2);
      const before = Date.now();
      assert.equal(tracker.release(started.id), 2);
      const ended = await Promise.all(waits);
      assert.ok(Date.now() - before < 1000);
      assert.deepEqual(
        ended.map((w) => [w.end, w.record.state]),
        [
          ['released', 'running'],
          ['released', 'running'],
        ],
      );
      assert.equal(tracker.waiting(started.id), 0);
      assert.equal(tracker.release(started.id), 0, 'nothing left to release');
      const finished = await tracker.wait(started.id, { waitMs: 30_000 });
      assert.equal(finished.record.state, 'succeeded');
      tracker.close();
      await services.close();
    });
  });

  it('a record whose status cannot be read ends unknown, and pp_get_operation can try again', async () => {
    await withSandbox({ timeScale: 0.01 }, async (sandbox) => {
      const services = sandboxServices(sandbox, {}, { retry: { maxAttempts: 1 } });
      const dir = mkdtempSync(join(tmpdir(), 'ops-'));
      const tracker = new OperationTracker({
        store: new FileOperationStore(join(dir, 'operations.json')),
        services: async () => services,
        logger: silentLogger,
        defaultPollIntervalMs: 20,
        maxPollFailures: 2,
      });
      sandbox.faults.add({ kind: 'unavailable', path: '/environmentmanagement/operations/', times: 3 });
      const changes: OperationRecord[] = [];
      tracker.onDidChange((r) => changes.push(r));
      const started = await beginReset(tracker, services, 20);
      const deadline = Date.now() + 5000;
      while (tracker.get(started.id)?.state !== 'unknown' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const lost = tracker.get(started.id)!;
      assert.equal(lost.state, 'unknown');
      assert.match(lost.error!.hint!, /may still run in the service/);
      assert.ok(lost.poll, 'it keeps its status URL so it can be read again');
      assert.ok(
        changes.some((c) => c.state === 'unknown'),
        'listeners heard about it',
      );
      tracker.refresh(started.id);
      const finished = await tracker.wait(started.id, { waitMs: 30_000 });
      assert.equal(finished.record.state, 'succeeded');
      tracker.close();
      await services.close();
      rmSync(dir, { recursive: true, force: true });
    });
  });
});
