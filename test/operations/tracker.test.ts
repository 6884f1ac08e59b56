import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { silentLogger } from '../../src/log';
import type { OperationRecord, PollStyle } from '../../src/operations/record';
import { MemoryOperationStore } from '../../src/operations/store';
import { OperationTracker, type TrackerOptions } from '../../src/operations/tracker';
import type { Services } from '../../src/services';
import { sandboxServices, withSandbox } from '../helpers';
import { ManualClock } from '../manualClock';

const CONTOSO_TEST = { id: '000000e0-0000-4000-8000-000000000003', displayName: 'Contoso Test' };

/** Starts a reset of Contoso Test through the tracker, as pp_reset_environment does. */
function beginReset(tracker: OperationTracker, services: Services, retryAfterMs: number) {
  return tracker.begin({
    kind: 'reset_environment',
    title: 'Reset Contoso Test',
    environment: CONTOSO_TEST,
    start: async () => {
      const response = await services.powerPlatform.reset(CONTOSO_TEST.id, {});
      return { kind: 'poll', style: 'ppapi-operation', url: response.headers.get('operation-location')!, retryAfterMs };
    },
  });
}

/**
 * A tracker on a clock that moves only when the test says so, with one running operation. Its first
 * status read is a minute away, so nothing changes the record while the test moves the clock less.
 */
async function runningOnManualClock(options: Partial<TrackerOptions> = {}) {
  const clock = new ManualClock();
  const tracker = new OperationTracker({
    store: new MemoryOperationStore(),
    services: () => Promise.reject(new Error('this test reads no status')),
    logger: silentLogger,
    clock,
    defaultPollIntervalMs: 60_000,
    ...options,
  });
  const record = await tracker.begin({
    kind: 'reset_environment',
    title: 'Reset Contoso Test',
    environment: CONTOSO_TEST,
    start: async () => ({
      kind: 'poll',
      style: 'ppapi-operation',
      url: 'https://api.powerplatform.com/environmentmanagement/operations/1',
    }),
  });
  return { clock, tracker, record };
}

/** The first change the tracker announces that passes `check`. */
function nextChange(tracker: OperationTracker, check: (record: OperationRecord) => boolean): Promise<OperationRecord> {
  return new Promise((resolve) => {
    const stop = tracker.onDidChange((record) => {
      if (!check(record)) return;
      stop();
      resolve(record);
    });
  });
}

describe('operation tracker: waiting', () => {
  it('reports the record at every heartbeat while nothing changes', async () => {
    const { clock, tracker, record } = await runningOnManualClock({ heartbeatMs: 100 });
    const seen: OperationRecord[] = [];
    const waiting = tracker.wait(record.id, { waitMs: 60_000, onProgress: (r) => void seen.push(r) });
    assert.equal(seen.length, 1, 'the record as the wait begins');
    clock.advance(99);
    assert.equal(seen.length, 1, 'no heartbeat before heartbeatMs');
    clock.advance(1);
    assert.equal(seen.length, 2);
    clock.advance(400);
    assert.equal(seen.length, 6, 'one report per heartbeat');
    assert.ok(
      seen.every((r) => r.state === 'running' && r.stage === 'Started'),
      JSON.stringify(seen.map((r) => r.stage)),
    );
    tracker.release(record.id);
    await waiting;
    tracker.close();
  });

  it('returns at the wait limit, not before, with the operation still running', async () => {
    const { clock, tracker, record } = await runningOnManualClock();
    let settled = false;
    const waiting = tracker.wait(record.id, { waitMs: 600 }).finally(() => (settled = true));
    clock.advance(599);
    await nextTurn();
    assert.equal(settled, false, 'still waiting 1 ms before the limit');
    clock.advance(1);
    const { record: after, end } = await waiting;
    assert.equal(end, 'timeout');
    assert.equal(after.state, 'running');
    assert.equal(tracker.get(record.id)?.state, 'running', 'the operation is still followed');
    tracker.close();
  });

  it('Stop Waiting ends every wait for an operation at once', { timeout: 10_000 }, async () => {
    const { tracker, record } = await runningOnManualClock();
    // The clock never moves: only the release can end these waits.
    const waits = [tracker.wait(record.id, { waitMs: 60_000 }), tracker.wait(record.id, { waitMs: 60_000 })];
    assert.equal(tracker.waiting(record.id), 2);
    assert.equal(tracker.release(record.id), 2);
    const ended = await Promise.all(waits);
    assert.deepEqual(
      ended.map((w) => [w.end, w.record.state]),
      [
        ['released', 'running'],
        ['released', 'running'],
      ],
    );
    assert.equal(tracker.waiting(record.id), 0);
    assert.equal(tracker.release(record.id), 0, 'nothing left to release');
    tracker.close();
  });
});

describe('operation tracker: following', () => {
  it('an operation whose waits were released goes on to its end', { timeout: 60_000 }, async () => {
    await withSandbox({ timeScale: 0.01 }, async (sandbox) => {
      const services = sandboxServices(sandbox);
      const tracker = new OperationTracker({
        store: new MemoryOperationStore(),
        services: async () => services,
        logger: silentLogger,
        defaultPollIntervalMs: 50,
      });
      const started = await beginReset(tracker, services, 50);
      const released = tracker.wait(started.id, { waitMs: 60_000 });
      tracker.release(started.id);
      assert.equal((await released).end, 'released');
      const finished = await tracker.wait(started.id, { waitMs: 30_000 });
      assert.equal(finished.end, 'finished');
      assert.equal(finished.record.state, 'succeeded');
      tracker.close();
      await services.close();
    });
  });

  it(
    'a record whose status cannot be read turns unknown, keeps its status URL, and its listeners hear it',
    { timeout: 60_000 },
    async () => {
      await withSandbox({ timeScale: 0.01 }, async (sandbox) => {
        const services = sandboxServices(sandbox, {}, { retry: { maxAttempts: 1 } });
        const tracker = new OperationTracker({
          store: new MemoryOperationStore(),
          services: async () => services,
          logger: silentLogger,
          defaultPollIntervalMs: 20,
          maxPollFailures: 2,
        });
        sandbox.faults.add({ kind: 'unavailable', path: '/environmentmanagement/operations/', times: 3 });
        const unknown = nextChange(tracker, (r) => r.state === 'unknown');
        const started = await beginReset(tracker, services, 20);
        const lost = await unknown;
        assert.equal(lost.id, started.id);
        assert.match(lost.error!.hint!, /may still run in the service/);
        assert.ok(lost.poll, 'it keeps its status URL so it can be read again');
        tracker.close();
        await services.close();
      });
    },
  );

  it('pp_get_operation reads a record in state unknown again at once', { timeout: 20_000 }, async () => {
    await withSandbox({ timeScale: 0.01 }, async (sandbox) => {
      const services = sandboxServices(sandbox, {}, { retry: { maxAttempts: 1 } });
      // On this clock the next try after the failure never comes by itself.
      const clock = new ManualClock();
      const tracker = new OperationTracker({
        store: new MemoryOperationStore(),
        services: async () => services,
        logger: silentLogger,
        clock,
        maxPollFailures: 1,
      });
      sandbox.faults.add({ kind: 'unavailable', path: '/environmentmanagement/operations/', times: 1 });
      const unknown = nextChange(tracker, (r) => r.state === 'unknown');
      const started = await beginReset(tracker, services, 0);
      await unknown;
      const readAgain = nextChange(tracker, (r) => r.state !== 'unknown');
      assert.equal(tracker.refresh(started.id)?.state, 'unknown', 'refresh answers with the record as it is now');
      const record = await readAgain;
      assert.ok(['queued', 'running'].includes(record.state), record.state);
      assert.equal(record.error, undefined);
      tracker.close();
      await services.close();
    });
  });

  it('a stored record whose poll style this version does not know ends unknown, and its URL is not called', async () => {
    const store = new MemoryOperationStore();
    const now = new Date().toISOString();
    store.save({
      id: '0000000f-0000-4000-8000-000000000001',
      kind: 'reset_environment',
      title: 'Reset Contoso Test',
      environment: CONTOSO_TEST,
      state: 'running',
      poll: { style: 'from-a-later-version' as PollStyle, url: 'https://api.powerplatform.com/environmentmanagement/operations/1' },
      createdAt: now,
      updatedAt: now,
    });
    const sent: unknown[] = [];
    const services = { http: { send: (request: unknown) => void sent.push(request) } } as unknown as Services;
    const tracker = new OperationTracker({ store, services: async () => services, logger: silentLogger });
    const ended = nextChange(tracker, (r) => r.state === 'unknown');
    assert.equal(tracker.resume(), 1);
    const record = await ended;
    assert.ok(record.error);
    assert.equal(record.error.code, 'UnknownPollStyle');
    assert.match(record.error.message, /from-a-later-version/);
    assert.deepEqual(sent, []);
    tracker.close();
  });
});
