import { randomUUID } from 'node:crypto';
import type { Logger } from '../log';
import { PlatformError } from '../platform/errors';
import { backoffDelay, parseRetryAfter } from '../platform/retry';
import type { Services } from '../services';
import { isBusyConflict } from './busyConflict';
import { every, sleepOn, systemClock, type Clock } from '../platform/clock';
import { pollStyle, type PollStyleSpec } from './pollStyles';
import {
  isTerminal,
  type EnvironmentRef,
  type OperationError,
  type OperationKind,
  type OperationRecord,
  type StartOutcome,
} from './record';
import type { StatusReading } from './status';
import { isProcessAlive } from './fileLock';
import { locateStart, type Sighting } from './locate';
import type { OperationStore } from './store';

export type { StartOutcome } from './record';

export interface BeginRequest {
  kind: OperationKind;
  title: string;
  environment: EnvironmentRef;
  source?: EnvironmentRef;
  details?: Record<string, string | number | boolean>;
  notes?: string[];
  /** Sends the start request. Throws PlatformError when the service refuses; a busy 409 is retried here. */
  start(): Promise<StartOutcome>;
}

/** Why a wait ended: `released` means someone chose to stop waiting (the Stop Waiting action). */
export type WaitEnd = 'finished' | 'timeout' | 'canceled' | 'released';

export interface WaitOptions {
  waitMs: number;
  signal?: AbortSignal;
  /** Called at every change of the record and every `heartbeatMs` while waiting. */
  onProgress?: (record: OperationRecord) => void | Promise<void>;
}

export interface TrackerOptions {
  store: OperationStore;
  services: () => Promise<Services>;
  logger: Logger;
  /** Poll interval when the service sends no Retry-After (terraform uses 10-20 s). */
  defaultPollIntervalMs?: number;
  /** Progress is reported at least this often while a caller waits. */
  heartbeatMs?: number;
  /** How long a start keeps waiting for a busy environment. */
  queueTimeoutMs?: number;
  /** Consecutive failed polls before the record is marked unknown. */
  maxPollFailures?: number;
  /** Told when an operation that was running while the server was down turns out to have finished. */
  onNotice?: (message: string) => void;
  /**
   * How long after a start whose answer was lost the service must still show no sign of it before
   * the start counts as never arrived (default 12 poll intervals).
   */
  lostStartWindowMs?: number;
  /** The longest wait between two tries to learn about a record in state unknown (default 5 minutes). */
  maxUnknownIntervalMs?: number;
  /** The time it goes by: the system's unless a test passes a fake one. */
  clock?: Clock;
}

type Listener = (record: OperationRecord) => void;

/**
 * Turns long-running service calls into operation records: starts them (waiting out a busy
 * environment), polls the service's status URL at the pace it asks for, finishes kind-specific steps,
 * persists every change, and lets callers wait for a bounded time. Polling belongs to the tracker, not
 * to a request, so an operation goes on when the caller stops waiting.
 */
export class OperationTracker {
  private readonly owned = new Map<string, OperationRecord>();
  private readonly listeners = new Set<Listener>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private readonly closing = new AbortController();
  private readonly pollIntervalMs: number;
  private readonly heartbeatMs: number;
  private readonly queueTimeoutMs: number;
  private readonly maxPollFailures: number;
  private readonly lostStartWindowMs: number;
  private readonly maxUnknownIntervalMs: number;
  private readonly clock: Clock;
  /** Records a loop of this process follows now. */
  private readonly following = new Set<string>();
  /** Ends the current pause of a record's loop (pp_get_operation on an unknown record). */
  private readonly wakers = new Map<string, () => void>();
  private readonly owner = { pid: process.pid, startedAt: new Date().toISOString() };

  constructor(private readonly options: TrackerOptions) {
    this.pollIntervalMs = options.defaultPollIntervalMs ?? 10_000;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.queueTimeoutMs = options.queueTimeoutMs ?? 30 * 60_000;
    this.maxPollFailures = options.maxPollFailures ?? 20;
    this.lostStartWindowMs = options.lostStartWindowMs ?? 12 * this.pollIntervalMs;
    this.maxUnknownIntervalMs = options.maxUnknownIntervalMs ?? 5 * 60_000;
    this.clock = options.clock ?? systemClock;
  }

  /** Subscribes to every change of every record; returns the unsubscribe function. */
  onDidChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get(id: string): OperationRecord | undefined {
    const own = this.owned.get(id);
    if (own) return structuredClone(own);
    return this.options.store.load().find((r) => r.id === id);
  }

  /** Every known record, newest first: this process's and those of other processes sharing the store. */
  list(): OperationRecord[] {
    const all = new Map(this.options.store.load().map((r) => [r.id, r]));
    for (const [id, record] of this.owned) all.set(id, structuredClone(record));
    return [...all.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /**
   * Starts an operation. The record is saved as `starting` before the start request is sent, so a
   * server stopped at any moment leaves a record behind. Resolves with the record once the service
   * has accepted the start, once the record is queued behind another operation on the same
   * environment, or once the answer was lost (state unknown: the service is searched for it).
   * Throws the service's error when it refuses the start (nothing was started, no record is kept).
   */
  begin(request: BeginRequest): Promise<OperationRecord> {
    const now = this.timestamp();
    const record: OperationRecord = {
      id: randomUUID(),
      kind: request.kind,
      title: request.title,
      environment: { ...request.environment },
      source: request.source ? { ...request.source } : undefined,
      state: 'starting',
      details: request.details,
      notes: request.notes,
      createdAt: now,
      updatedAt: now,
      owner: this.owner,
    };
    this.owned.set(record.id, record);
    return new Promise((resolve, reject) => {
      let announced = false;
      const announce = () => {
        if (!announced) resolve(structuredClone(record));
        announced = true;
      };
      this.startWithQueue(record, request, announce).then(announce, (error) => {
        if (!announced) {
          this.forget(record);
          return reject(error);
        }
        // A queued start left behind by a closing server stays queued; the next server cancels it.
        if (!this.closing.signal.aborted) this.finish(record, 'failed', { error: toOperationError(error) });
      });
    });
  }

  /** Waits until the operation ends, the time runs out or the caller cancels; returns the record then. */
  async wait(id: string, options: WaitOptions): Promise<{ record: OperationRecord; end: WaitEnd }> {
    const current = this.get(id);
    if (!current) throw new Error(`No operation ${id}`);
    if (isTerminal(current.state) || options.waitMs <= 0)
      return { record: current, end: isTerminal(current.state) ? 'finished' : 'timeout' };
    return new Promise((resolve) => {
      const report = (record: OperationRecord) => void Promise.resolve(options.onProgress?.(record)).catch(() => undefined);
      const done = (end: WaitEnd) => {
        cancelTimer();
        cancelHeartbeat();
        unsubscribe();
        waiters.delete(release);
        if (!waiters.size) this.waiters.delete(id);
        options.signal?.removeEventListener('abort', onAbort);
        resolve({ record: this.get(id) ?? current, end });
      };
      const onAbort = () => done('canceled');
      const release = () => done('released');
      const waiters = this.waiters.get(id) ?? new Set();
      this.waiters.set(id, waiters);
      waiters.add(release);
      const unsubscribe = this.onDidChange((record) => {
        if (record.id !== id) return;
        if (isTerminal(record.state) || (record.state === 'unknown' && !this.following.has(id))) return done('finished');
        report(record);
      });
      const cancelTimer = this.clock.after(options.waitMs, () => done('timeout'));
      const cancelHeartbeat = every(this.clock, this.heartbeatMs, () => report(this.get(id) ?? current));
      if (options.signal?.aborted) return done('canceled');
      options.signal?.addEventListener('abort', onAbort, { once: true });
      report(current);
    });
  }

  /** How many callers wait for this operation now. */
  waiting(id: string): number {
    return this.waiters.get(id)?.size ?? 0;
  }

  /** Ends every wait for this operation now; the operation goes on and is still followed. Returns how many ended. */
  release(id: string): number {
    const waiters = [...(this.waiters.get(id) ?? [])];
    for (const release of waiters) release();
    this.waiters.delete(id);
    return waiters.length;
  }

  /**
   * Takes over records whose server stopped before they ended: polls them again, searches the service
   * for starts that were being sent (they are never sent again), and cancels starts that were still
   * waiting for a busy environment (they were never sent). Returns how many it took over.
   */
  resume(): number {
    let adopted = 0;
    for (const stored of this.options.store.load()) {
      if (isTerminal(stored.state) || this.owned.has(stored.id) || ownedByLiveProcess(stored)) continue;
      const record = this.takeOver(stored.id, true);
      if (record && !isTerminal(record.state)) adopted++;
    }
    return adopted;
  }

  /**
   * Looks at the service again now for a record in state unknown (pp_get_operation), or takes over a
   * record left by a stopped server; returns the record as it is now.
   */
  refresh(id: string): OperationRecord | undefined {
    const own = this.owned.get(id);
    if (own) {
      if (own.state === 'unknown') {
        if (this.following.has(id)) this.wake(id);
        else void this.follow(own, 0, false);
      }
      return structuredClone(own);
    }
    const stored = this.options.store.load().find((r) => r.id === id);
    if (!stored || isTerminal(stored.state) || ownedByLiveProcess(stored)) return stored;
    const record = this.takeOver(id, false);
    return record ? structuredClone(record) : this.options.store.load().find((r) => r.id === id);
  }

  /** Claims a stopped server's record and goes on with it; undefined when another server took it first. */
  private takeOver(id: string, resumed: boolean): OperationRecord | undefined {
    const record = this.options.store.claim(id, this.owner);
    if (!record) return undefined;
    this.owned.set(id, record);
    if (record.state === 'queued' && !record.poll) {
      this.finish(record, 'canceled', {
        error: {
          code: 'NotStarted',
          message: 'The server stopped while this operation waited for the environment to be free; nothing was started.',
          hint: 'Start it again if it is still wanted.',
        },
      });
      return record;
    }
    if (record.state === 'starting') {
      record.state = 'unknown';
      record.error = lostStartError(record, 'The server stopped while the start request was being sent');
      this.touch(record);
    }
    void this.follow(record, 0, resumed);
    return record;
  }

  close(): void {
    this.closing.abort();
  }

  /** Sends the start, waiting out a busy environment; `announce` runs once the record is tracked (queued, accepted or lost). */
  private async startWithQueue(record: OperationRecord, request: BeginRequest, announce: () => void): Promise<void> {
    const queuedSince = this.clock.now();
    for (let attempt = 1; ; attempt++) {
      record.state = 'starting';
      record.stage = attempt === 1 ? 'Sending the start request' : 'Sending the start request again: the environment is free';
      this.touch(record); // saved before anything is sent
      let outcome: StartOutcome;
      try {
        outcome = await request.start();
      } catch (error) {
        if (error instanceof PlatformError && isBusyConflict(error) && this.clock.now() - queuedSince < this.queueTimeoutMs) {
          // Refused before anything started: wait for the environment and send it again.
          record.state = 'queued';
          record.stage = `Waiting for the operation already running on ${record.environment.displayName} to finish`;
          this.touch(record);
          announce();
          await this.pause(error.retryAfterMs ?? backoffDelay(attempt, this.pollIntervalMs, this.pollIntervalMs * 3));
          continue;
        }
        if (error instanceof PlatformError && error.outcomeUnknown) {
          // The start may have reached the service: keep the record and look for what it started.
          record.state = 'unknown';
          record.stage = undefined;
          record.error = { ...toOperationError(error), hint: lostStartHint(record) };
          this.touch(record);
          void this.follow(record, this.pollIntervalMs, false);
          return;
        }
        throw error;
      }
      this.accept(record, outcome);
      return;
    }
  }

  /** Applies what a start led to (its answer, or what the service shows after a lost answer). */
  private accept(record: OperationRecord, outcome: StartOutcome): void {
    if (outcome.correlationId) record.correlationId = outcome.correlationId;
    if (outcome.environmentId) record.environment.id = outcome.environmentId;
    delete record.error;
    if (outcome.kind === 'done') return this.finish(record, 'succeeded', { result: outcome.result });
    record.state = 'running';
    record.stage = 'Started';
    if (outcome.serviceOperationId) record.serviceOperationId = outcome.serviceOperationId;
    record.poll = { style: outcome.style, url: outcome.url };
    if (outcome.details) record.details = { ...record.details, ...outcome.details };
    this.touch(record);
    if (!this.following.has(record.id)) void this.follow(record, outcome.retryAfterMs ?? this.pollIntervalMs, false);
  }

  /**
   * Follows a record to its end: reads its status URL at the service's pace, or, for a start whose
   * answer was lost, searches the service for it. A record whose status cannot be read turns unknown
   * and is still read, less and less often; pp_get_operation reads it again at once.
   */
  private async follow(record: OperationRecord, firstDelayMs: number, resumed: boolean): Promise<void> {
    if (this.following.has(record.id)) return;
    this.following.add(record.id);
    let delay = firstDelayMs;
    let failures = 0;
    let lookups = 0;
    try {
      while (!isTerminal(record.state)) {
        await this.pause(delay, record.id);
        if (!record.poll) {
          const next = await this.lookForStart(record, ++lookups);
          if (next === 'stop') break;
          delay = next;
          continue;
        }
        const services = await this.options.services();
        const poll = record.poll;
        const style = pollStyle(poll.style);
        if (!style) {
          this.finish(record, 'unknown', {
            error: {
              code: 'UnknownPollStyle',
              message: `This server does not know how to read a status of the kind "${poll.style}"; it was not called.`,
              hint: 'Follow it with the version of the server that started it, or check the environment with pp_get_environment.',
            },
          });
          break;
        }
        if (!style.host.trusts(poll.url, services.endpoints, record)) {
          this.finish(record, 'unknown', {
            error: {
              code: 'UntrustedStatusUrl',
              message: `The status URL points to an unexpected host (${new URL(poll.url).host}); it was not called.`,
              hint: 'Check the environment with pp_get_environment.',
            },
          });
          break;
        }
        try {
          const response = await services.http.send({
            ...style.host.target(services.endpoints, record),
            method: 'GET',
            url: poll.url,
            signal: this.closing.signal,
          });
          const reading = style.read(response.body, record);
          delay = parseRetryAfter(response.headers.get('retry-after')) ?? this.pollIntervalMs;
          if (record.state === 'unknown') {
            record.state = 'running';
            delete record.error;
          }
          // The finishing step (reading an import's result, downloading an export) counts as part of the poll:
          // when it fails for a passing reason, the job is read again and the step repeated.
          await this.apply(record, style, reading, services);
          // The service's part is done and the next step reads something else (the environment, which is
          // most often usable already): read it at once, not after the operation's pace.
          if (record.poll !== poll) delay = 0;
          failures = 0;
        } catch (error) {
          if (this.closing.signal.aborted) return;
          const outcome = this.pollFailure(record, error, ++failures);
          if (outcome === 'stop') break;
          delay = outcome;
        }
      }
    } catch (error) {
      if (this.closing.signal.aborted) return;
      this.options.logger.error(`operation ${record.id}: following stopped unexpectedly: ${(error as Error).message}`);
      this.finish(record, 'unknown', { error: toOperationError(error) });
    } finally {
      this.following.delete(record.id);
    }
    // Nothing follows it any more: tell waiters, so they stop waiting for an end that will not be seen.
    if (record.state === 'unknown') this.touch(record);
    if (resumed && isTerminal(record.state)) {
      this.options.onNotice?.(`${record.title} ${record.state} while the server was not running (operation ${record.id}).`);
    }
  }

  /**
   * One search of the service for a start whose answer was lost. Returns the delay before the next
   * step, or 'stop' when the record ended or nothing more can be learnt.
   */
  private async lookForStart(record: OperationRecord, lookup: number): Promise<number | 'stop'> {
    const services = await this.options.services();
    const others = this.list().filter((r) => r.id !== record.id);
    let sighting: Sighting;
    try {
      sighting = await locateStart(record, services, others);
    } catch (error) {
      if (this.closing.signal.aborted) return 'stop';
      this.options.logger.debug(`operation ${record.id}: looking for its start failed (${(error as Error).message}); trying again`);
      return this.unknownDelay(lookup);
    }
    if (sighting.kind === 'found') {
      this.accept(record, sighting.outcome);
      return isTerminal(record.state) ? 'stop' : ((sighting.outcome.kind === 'poll' ? sighting.outcome.retryAfterMs : undefined) ?? 0);
    }
    if (sighting.kind === 'ended') {
      this.finish(record, 'failed', { error: sighting.error });
      return 'stop';
    }
    if (sighting.kind === 'unknowable') {
      record.error = { ...(record.error ?? { message: 'The answer to the start request was lost.' }), hint: sighting.hint };
      return 'stop';
    }
    // Absent long enough after the start was sent: it never arrived, and it is not sent again.
    const sinceStart = this.clock.now() - Date.parse(record.createdAt);
    if (sighting.kind === 'absent' && lookup >= 2 && sinceStart >= this.lostStartWindowMs) {
      this.finish(record, 'failed', {
        error: {
          code: 'NotStarted',
          message: `The answer to the start request was lost, and the service shows no sign of the operation ${Math.round(sinceStart / 1000)} s later: it did not start. Nothing was changed.`,
          correlationId: record.error?.correlationId,
          hint: 'Start it again if it is still wanted.',
        },
      });
      return 'stop';
    }
    return Math.min(this.unknownDelay(lookup), Math.max(this.pollIntervalMs, this.lostStartWindowMs / 4));
  }

  /** The wait before the n-th try to learn about an unknown record: from six poll intervals, growing up to maxUnknownIntervalMs. */
  private unknownDelay(attempt: number): number {
    return backoffDelay(attempt, Math.min(6 * this.pollIntervalMs, this.maxUnknownIntervalMs), this.maxUnknownIntervalMs);
  }

  /** Drops the record of a start the service refused: nothing was started. */
  private forget(record: OperationRecord): void {
    this.owned.delete(record.id);
    try {
      this.options.store.remove(record.id);
    } catch (error) {
      this.options.logger.warn(`could not remove operation ${record.id}: ${(error as Error).message}`);
    }
    for (const listener of this.listeners) listener(structuredClone(record));
  }

  private async apply(record: OperationRecord, style: PollStyleSpec, reading: StatusReading, services: Services): Promise<void> {
    const step = { record, services, signal: this.closing.signal };
    const ending = reading.state === 'succeeded' || reading.state === 'failed' ? await style.finish?.(reading, step) : undefined;
    if (ending) return this.finish(record, ending.error ? 'failed' : 'succeeded', ending);
    if (reading.state === 'running' && style.progress) reading.percent = (await style.progress(step)) ?? reading.percent;
    if (reading.serviceOperationId && style.namesOperation) record.serviceOperationId = reading.serviceOperationId;
    // A create learns its environment's id from the first status document (links.environment.path).
    if (reading.environmentId && !record.environment.id) record.environment.id = reading.environmentId;
    if (reading.state === 'failed') return this.finish(record, 'failed', { error: reading.error });
    if (reading.state !== 'succeeded') {
      const before = `${record.state}|${record.stage}|${record.percent}`;
      record.state = reading.state;
      record.stage = reading.stage ?? record.stage;
      record.percent = reading.percent ?? record.percent;
      // Only news is saved and announced; a poll that learns nothing changes nothing.
      if (`${record.state}|${record.stage}|${record.percent}` !== before) this.touch(record);
      return;
    }
    if (reading.result) return this.finish(record, 'succeeded', { result: reading.result });
    const completion = style.complete?.(record, reading, services.endpoints) ?? { result: {} };
    if ('result' in completion) return this.finish(record, 'succeeded', { result: completion.result });
    record.poll = completion.next;
    record.stage = completion.stage;
    record.percent = 99;
    this.touch(record);
  }

  /** Decides what a failed poll means: the next delay, or stop (the record has been finished). */
  private pollFailure(record: OperationRecord, error: unknown, failures: number): number | 'stop' {
    const e = error instanceof PlatformError ? error : undefined;
    if (e?.status === 404 && record.kind === 'delete_environment') {
      this.finish(record, 'succeeded', { result: { environmentId: record.environment.id ?? null, deleted: true } });
      return 'stop';
    }
    if (e?.status === 409) return e.retryAfterMs ?? this.pollIntervalMs; // still busy (docs/service-notes.md#long-running-operations)
    const transient = !e || e.status === 0 || e.status === 429 || e.status >= 500;
    if (transient && failures < this.maxPollFailures) {
      this.options.logger.debug(`operation ${record.id}: poll failed (${e?.code ?? (error as Error).message}); trying again`);
      return e?.retryAfterMs ?? backoffDelay(failures, this.pollIntervalMs, this.pollIntervalMs * 6);
    }
    // Unknown, but still read now and then: the operation may well go on in the service.
    if (record.state !== 'unknown') {
      this.finish(record, 'unknown', {
        error: {
          ...toOperationError(error),
          hint: `The status could not be read, but the operation may still run in the service; the server keeps trying to read it. ${record.kind.endsWith('_solution') || record.kind === 'apply_solution_upgrade' ? 'Check the solutions with pp_list_solutions' : 'Check the environment with pp_get_environment'}, or call pp_get_operation to read the status again now.`,
        },
      });
    }
    return this.unknownDelay(failures - this.maxPollFailures + 1);
  }

  private finish(
    record: OperationRecord,
    state: OperationRecord['state'],
    outcome: { result?: Record<string, unknown>; error?: OperationError },
  ): void {
    record.state = state;
    if (outcome.result) record.result = outcome.result;
    if (outcome.error) record.error = outcome.error;
    if (state === 'succeeded') record.percent = 100;
    if (isTerminal(state)) {
      record.finishedAt = this.timestamp();
      delete record.stage;
      delete record.poll;
    }
    this.touch(record);
  }

  private touch(record: OperationRecord): void {
    record.updatedAt = this.timestamp();
    this.save(record);
    for (const listener of this.listeners) {
      try {
        listener(structuredClone(record));
      } catch (error) {
        this.options.logger.warn(`operation listener failed: ${(error as Error).message}`);
      }
    }
  }

  private save(record: OperationRecord): void {
    try {
      this.options.store.save(record);
    } catch (error) {
      this.options.logger.warn(`could not save operation ${record.id}: ${(error as Error).message}`);
    }
  }

  /** Waits, unless the server closes (then it throws) or `wake(id)` ends the wait early. */
  private async pause(ms: number, id?: string): Promise<void> {
    if (ms <= 0) return;
    const early = new AbortController();
    if (id) this.wakers.set(id, () => early.abort());
    try {
      await sleepOn(this.clock, ms, AbortSignal.any([this.closing.signal, early.signal]));
    } catch (error) {
      if (this.closing.signal.aborted) throw error;
    } finally {
      if (id) this.wakers.delete(id);
    }
  }

  private timestamp(): string {
    return new Date(this.clock.now()).toISOString();
  }

  private wake(id: string): void {
    this.wakers.get(id)?.();
  }
}

/** What to do about a start whose answer never came. */
function lostStartHint(record: OperationRecord): string {
  const check = record.kind.endsWith('_solution') || record.kind === 'apply_solution_upgrade' ? 'pp_list_solutions' : 'pp_get_environment';
  return `It is not sent again: the server looks in the service for what it started and follows that; pp_get_operation shows what it found. Until then, check with ${check} before starting it again.`;
}

function lostStartError(record: OperationRecord, why: string): OperationError {
  return { code: 'StartInterrupted', message: `${why}; whether it reached the service is not known yet.`, hint: lostStartHint(record) };
}

function ownedByLiveProcess(record: OperationRecord): boolean {
  const pid = record.owner?.pid;
  return Boolean(pid) && pid !== process.pid && isProcessAlive(pid!);
}

export function toOperationError(error: unknown): OperationError {
  if (error instanceof PlatformError) {
    return {
      message: [error.message, ...(error.details ?? [])].join('\n'),
      code: error.code || undefined,
      correlationId: error.correlationId,
      hint: error.hint,
    };
  }
  const e = error as { message?: string; hint?: string };
  return { message: e?.message ?? String(error), hint: e?.hint };
}
