import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { text } from '../helpers';
import { structured, withHarness, type Harness, type Session } from '../lifecycle/harness';

/**
 * Starts a reset of Contoso Test and kills the server with SIGKILL while its record is saved as
 * `starting`: at once, or once the service has received the start request (`inFlight`).
 */
async function killWhileStarting(h: Harness, inFlight: boolean): Promise<{ id: string; session: Session }> {
  const session = await h.connect([], {}, { process: true });
  const file = join(h.stateDir, 'operations.json');
  void h
    .call(session, 'pp_reset_environment', { environment: 'Contoso Test', confirm: 'Contoso Test', waitSeconds: 60 })
    .catch(() => undefined);
  for (const deadline = Date.now() + 30_000; ;) {
    if (Date.now() > deadline) throw new Error(`no starting record appeared; server said: ${session.stderr()}`);
    let stored: Array<{ id: string; state: string }> = [];
    try {
      stored = JSON.parse(readFileSync(file, 'utf8')).operations;
    } catch {
      // not written yet
    }
    const starting = stored.find((op) => op.state === 'starting');
    const received = h.sandbox.faults.applied.some((f) => f.method === 'POST' && f.path.endsWith('/reset'));
    if (starting && (received || !inFlight)) {
      process.kill(session.pid()!, 'SIGKILL');
      return { id: starting.id, session };
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const resets = (h: Harness) => [...h.sandbox.lifecycle.operations.values()].filter((op) => op.type === 'Reset');

describe('a server killed between saving a start and hearing its answer', () => {
  it('leaves a starting record; the next server finds the operation the service started and follows it, sending nothing again', async () => {
    // The service takes the request in, holds it a moment, then starts the reset: the server is gone by then.
    await withHarness(
      async (h) => {
        const { id } = await killWhileStarting(h, true);
        for (const deadline = Date.now() + 30_000; !resets(h).length;) {
          if (Date.now() > deadline) throw new Error('the service never started the reset');
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const next = await h.connect([], {}, { process: true });
        const done = await h.call(next, 'pp_get_operation', { id, waitSeconds: 60 });
        assert.equal(structured(done).state, 'succeeded', text(done));
        assert.equal(resets(h).length, 1, 'one reset in the service');
        assert.equal(
          h.sandbox.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/reset')).length,
          1,
          'the start was sent once',
        );
      },
      { faults: [{ kind: 'slow', method: 'POST', path: '/reset', times: 1, delayMs: 1000 }] },
    );
  });

  it('when the start never reached the service, the next server says it did not start, and sends nothing', async () => {
    // The request is held back beyond the test: as far as the service knows, it never came.
    await withHarness(
      async (h) => {
        const { id } = await killWhileStarting(h, false);
        const next = await h.connect([], {}, { process: true });
        const done = await h.call(next, 'pp_get_operation', { id, waitSeconds: 60 });
        assert.equal(structured(done).state, 'failed', text(done));
        assert.equal(structured(done).error.code, 'NotStarted');
        assert.equal(resets(h).length, 0, 'no reset in the service');
        assert.equal(h.sandbox.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/reset')).length, 0, 'nothing was handled');
      },
      { faults: [{ kind: 'slow', method: 'POST', path: '/reset', times: 1, delayMs: 120_000 }] },
    );
  });
});
