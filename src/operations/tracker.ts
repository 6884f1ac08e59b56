import { randomUUID } from 'node:crypto';
import type { Logger } from '../log';
import { PlatformError } from '../platform/errors';
import { backoffDelay, parseRetryAfter, sleep } from '../platform/retry';
import type { Services } from '../services';
import { completeAfterService, readEnvironmentReady } from './completion';
import { isBusyConflict, isTrustedPollUrl, pollService } from './pollTarget';
import { isTerminal, type EnvironmentRef, type OperationError, type OperationKind, type OperationRecord, type PollStyle } from './record';
import { finishDataverseJob, importProgress, readDataverseAsync, type JobEnding } from './dataverseJob';
import { finishCheckerRun } from './checkerRun';
import { readAppOperation, readBapLifecycle, readCatalogInstall, readCatalogSubmission, readCheckerStatus, readPpapiOperation, type StatusReading } from './status';
import { isProcessAlive } from './fileLock';
import type { OperationStore } from './store';

/** What a start request led to. */
export type StartOutcome =
  | {
      kind: 'poll';
      style: PollStyle;
      url: string;
      correlationId?: string;
      serviceOperationId?: string;
      environmentId?: string;
      retryAfterMs?: number;
      /** Facts learnt from the start's answer that the finishing step needs (the import job id). */
      details?: Record<string, string | number | boolean>;
    }
  | { kind: 'done'; result: Record<string, unknown>; correlationId?: string; environmentId?: string };

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
  private readonly owner = { pid: process.pid, startedAt: new Date().toISOString() };

  constructor(private readonly options: TrackerOptions) {
    this.pollIntervalMs = options.defaultPollIntervalMs ?? 10_000;
    this.heartbeatMs = options.heartbeatMs ?? 15_000;
    this.queueTimeoutMs = options.queueTimeoutMs ?? 30 * 60_000;
    this.maxPollFailures = options.maxPollFailures ?? 20;
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
   * Starts an operation. Resolves with its record once the service has accepted the start, or once
   * the record is queued behind another operation on the same environment. Throws the service's
   * error when it refuses the start (nothing was started, no record is kept).
   */
  begin(request: BeginRequest): Promise<OperationRecord> {
    const now = new Date().toISOString();
    const record: OperationRecord = {
      id: randomUUID(),
      kind: request.kind,
      title: request.title,
      environment: { ...request.environment },
      source: request.source ? { ...request.source } : undefined,
      state: 'queued',
      details: request.details,
      notes: request.notes,
      createdAt: now,
      updatedAt: now,
      owner: this.owner,
    };
    return new Promise((resolve, reject) => {
      let announced = false;
      const announce = () => {
        if (!announced) resolve(structuredClone(record));
        announced = true;
      };
      this.startWithQueue(record, request, announce).then(announce, (error) => {
        if (!announced) return reject(error);
        // A queued start left behind by a closing server stays queued; the next server cancels it.
        if (!this.closing.signal.aborted) this.finish(record, 'failed', { error: toOperationError(error) });
      });
    });
  }

  /** Waits until the operation ends, the time runs out or the caller cancels; returns the record then. */
  async wait(id: string, options: WaitOptions): Promise<{ record: OperationRecord; end: WaitEnd }> {
    const current = this.get(id);
    if (!current) throw new Error(`No operation ${id}`);
    if (isTerminal(current.state) || options.waitMs <= 0) return { record: current, end: isTerminal(current.state) ? 'finished' : 'timeout' };
    return new Promise((resolve) => {
      const report = (record: OperationRecord) => void Promise.resolve(options.onProgress?.(record)).catch(() => undefined);
      const done = (end: WaitEnd) => {
        clearTimeout(timer);
        clearInterval(heartbeat);
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
        if (isTerminal(record.state)) return done('finished');
        report(record);
      });
      const timer = setTimeout(() => done('timeout'), options.waitMs);
      const heartbeat = setInterval(() => report(this.get(id) ?? current), this.heartbeatMs);
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
   * Picks up records that were still running when their server stopped: polls them again, and marks
   * starts that never reached the service as canceled. Returns how many it took over.
   */
  resume(): number {
    let adopted = 0;
    for (const record of this.options.store.load()) {
      if (isTerminal(record.state) || this.owned.has(record.id) || ownedByLiveProcess(record)) continue;
      if (!record.poll) {
        if (record.state === 'queued') {
          this.owned.set(record.id, record);
          this.finish(record, 'canceled', { error: { code: 'NotStarted', message: 'The server stopped while this operation waited for the environment to be free; nothing was started.', hint: 'Start it again if it is still wanted.' } });
        }
        continue;
      }
      if (!this.adopt(record, true)) continue; // another server took it first
      adopted++;
    }
    return adopted;
  }

  /** Polls a record again that is in state unknown or was left by a stopped process; returns it as it is now. */
  refresh(id: string): OperationRecord | undefined {
    const own = this.owned.get(id);
    if (own) {
      if (own.state === 'unknown' && own.poll) this.adopt(own, false);
      return structuredClone(own);
    }
    const stored = this.options.store.load().find((r) => r.id === id);
    if (!stored || isTerminal(stored.state) || !stored.poll || ownedByLiveProcess(stored)) return stored;
    if (!this.adopt(stored, false)) return this.options.store.load().find((r) => r.id === id);
    return structuredClone(this.owned.get(id)!);
  }

  close(): void {
    this.closing.abort();
  }

  /** Takes a record over to poll it, unless another server took it first. */
  private adopt(stored: OperationRecord, resumed: boolean): boolean {
    const record = stored.owner?.pid === process.pid ? stored : this.options.store.claim(stored.id, this.owner);
    if (!record) return false;
    record.owner = this.owner;
    if (record.state === 'unknown') record.state = 'running';
    delete record.error;
    this.owned.set(record.id, record);
    this.save(record);
    void this.pollUntilDone(record, 0, resumed);
    return true;
  }

  /** Sends the start, waiting out a busy environment; `announce` runs once the record is tracked (queued or accepted). */
  private async startWithQueue(record: OperationRecord, request: BeginRequest, announce: () => void): Promise<void> {
    const queuedSince = Date.now();
    for (let attempt = 1; ; attempt++) {
      let outcome: StartOutcome;
      try {
        outcome = await request.start();
      } catch (error) {
        if (error instanceof PlatformError && isBusyConflict(error) && Date.now() - queuedSince < this.queueTimeoutMs) {
          if (attempt === 1) {
            record.stage = `Waiting for the operation already running on ${record.environment.displayName} to finish`;
            this.owned.set(record.id, record);
            this.touch(record);
            announce();
          }
          await this.pause(error.retryAfterMs ?? backoffDelay(attempt, this.pollIntervalMs, this.pollIntervalMs * 3));
          continue;
        }
        if (error instanceof PlatformError && error.outcomeUnknown) {
          // The start may have reached the service: keep a record, so nobody assumes nothing happens.
          this.owned.set(record.id, record);
          this.finish(record, 'unknown', { error: toOperationError(error) });
          return;
        }
        throw error;
      }
      record.correlationId = outcome.correlationId;
      if (outcome.environmentId) record.environment.id = outcome.environmentId;
      this.owned.set(record.id, record);
      if (outcome.kind === 'done') return this.finish(record, 'succeeded', { result: outcome.result });
      record.state = 'running';
      record.stage = 'Started';
      record.serviceOperationId = outcome.serviceOperationId;
      record.poll = { style: outcome.style, url: outcome.url };
      if (outcome.details) record.details = { ...record.details, ...outcome.details };
      this.touch(record);
      void this.pollUntilDone(record, outcome.retryAfterMs ?? this.pollIntervalMs, false);
      return;
    }
  }

  private async pollUntilDone(record: OperationRecord, firstDelayMs: number, resumed: boolean): Promise<void> {
    let delay = firstDelayMs;
    let failures = 0;
    try {
      while (!isTerminal(record.state) && record.poll && record.state !== 'unknown') {
        await this.pause(delay);
        const services = await this.options.services();
        const poll = record.poll;
        if (!isTrustedPollUrl(poll.url, poll.style, services.endpoints, record)) {
          this.finish(record, 'unknown', { error: { code: 'UntrustedStatusUrl', message: `The status URL points to an unexpected host (${new URL(poll.url).host}); it was not called.`, hint: 'Check the environment with pp_get_environment.' } });
          break;
        }
        try {
          const response = await services.http.send({ ...pollService(poll.style, services.endpoints, record), method: 'GET', url: poll.url, signal: this.closing.signal });
          const reading = this.read(poll.style, response.body, record);
          delay = parseRetryAfter(response.headers.get('retry-after')) ?? this.pollIntervalMs;
          // The finishing step (reading an import's result, downloading an export) counts as part of the poll:
          // when it fails for a passing reason, the job is read again and the step repeated.
          await this.apply(record, reading, services);
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
      this.options.logger.error(`operation ${record.id}: polling stopped unexpectedly: ${(error as Error).message}`);
      this.finish(record, 'unknown', { error: toOperationError(error) });
    }
    if (resumed && isTerminal(record.state)) {
      this.options.onNotice?.(`${record.title} ${record.state} while the server was not running (operation ${record.id}).`);
    }
  }

  private read(style: PollStyle, body: unknown, record: OperationRecord): StatusReading {
    if (style === 'bap-lifecycle') return readBapLifecycle(body);
    if (style === 'ppapi-operation') return readPpapiOperation(body);
    if (style === 'dataverse-async') return readDataverseAsync(body);
    if (style === 'ppapi-app-operation') return readAppOperation(body);
    if (style === 'checker') return readCheckerStatus(body);
    if (style === 'catalog-install') return readCatalogInstall(body);
    if (style === 'catalog-submission') return readCatalogSubmission(body);
    return readEnvironmentReady(body as never, record);
  }

  private async apply(record: OperationRecord, reading: StatusReading, services: Services): Promise<void> {
    const endpoints = services.endpoints;
    const ending = await finishingStep(record, reading, services, this.closing.signal);
    if (ending) return this.finish(record, ending.error ? 'failed' : 'succeeded', ending);
    // The async operation has no percent; a running import's job has.
    if (record.poll?.style === 'dataverse-async' && reading.state === 'running') reading.percent = (await importProgress(record, services, this.closing.signal)) ?? reading.percent;
    if (reading.serviceOperationId && record.poll?.style !== 'environment-ready') record.serviceOperationId = reading.serviceOperationId;
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
    const completion = completeAfterService(record, reading, endpoints);
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
    if (e?.status === 409) return e.retryAfterMs ?? this.pollIntervalMs; // still busy (§2.1)
    const transient = !e || e.status === 0 || e.status === 429 || e.status >= 500;
    if (transient && failures < this.maxPollFailures) {
      this.options.logger.debug(`operation ${record.id}: poll failed (${e?.code ?? (error as Error).message}); trying again`);
      return e?.retryAfterMs ?? backoffDelay(failures, this.pollIntervalMs, this.pollIntervalMs * 6);
    }
    this.finish(record, 'unknown', {
      error: {
        ...toOperationError(error),
        hint: `The status could not be read, but the operation may still run in the service. ${record.kind.endsWith('_solution') || record.kind === 'apply_solution_upgrade' ? 'Check the solutions with pp_list_solutions' : 'Check the environment with pp_get_environment'}, or call pp_get_operation later to try reading the status again.`,
      },
    });
    return 'stop';
  }

  private finish(record: OperationRecord, state: OperationRecord['state'], outcome: { result?: Record<string, unknown>; error?: OperationError }): void {
    record.state = state;
    if (outcome.result) record.result = outcome.result;
    if (outcome.error) record.error = outcome.error;
    if (state === 'succeeded') record.percent = 100;
    if (isTerminal(state)) {
      record.finishedAt = new Date().toISOString();
      delete record.stage;
      delete record.poll;
    }
    this.touch(record);
  }

  private touch(record: OperationRecord): void {
    record.updatedAt = new Date().toISOString();
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

  private async pause(ms: number): Promise<void> {
    if (ms > 0) await sleep(ms, this.closing.signal);
  }
}

/**
 * The step some jobs need once the service says they ended, before the outcome is known: a Dataverse
 * job's import result or download, a checker run's report. Undefined for every other reading.
 */
function finishingStep(record: OperationRecord, reading: StatusReading, services: Services, signal: AbortSignal): Promise<JobEnding> | undefined {
  const style = record.poll?.style;
  if (style === 'dataverse-async' && (reading.state === 'succeeded' || reading.state === 'failed')) return finishDataverseJob(record, reading, services, signal);
  if (style === 'checker' && reading.state === 'succeeded') return finishCheckerRun(record, reading.result ?? {}, services, signal);
  return undefined;
}

function ownedByLiveProcess(record: OperationRecord): boolean {
  const pid = record.owner?.pid;
  return Boolean(pid) && pid !== process.pid && isProcessAlive(pid!);
}

export function toOperationError(error: unknown): OperationError {
  if (error instanceof PlatformError) {
    return { message: [error.message, ...(error.details ?? [])].join('\n'), code: error.code || undefined, correlationId: error.correlationId, hint: error.hint };
  }
  const e = error as { message?: string; hint?: string };
  return { message: e?.message ?? String(error), hint: e?.hint };
}
