import { setMaxListeners } from 'node:events';
import { PlatformError } from '../platform/errors';
import { sleep as defaultSleep } from '../platform/retry';
import { BURST_REMAINING as BURST, TIME_REMAINING as TIME, headerNumber, parallelismHint } from '../observability/metrics';
import type { ResponseHeaders } from '../platform/responseHeaders';

/** The time budget ran out: what is done stays done, the rest is for the next call. */
export class BudgetExhausted extends Error {
  constructor(detail = 'the time budget ran out') {
    super(detail);
  }
}

/** Dataverse's default limit of requests at once per user (it can be higher): the most the dispatcher sends. */
const MOST_AT_ONCE = 52;

/** Requests at once when neither the caller nor the environment says. */
const DEFAULT_PARALLELISM = 4;

/**
 * How many requests to send at once: what the caller asked for, else what the environment
 * recommends (x-ms-dop-hint, followed as it changes), else 4; with a note for the summary where the
 * choice is worth knowing.
 */
export function chooseParallelism(
  asked: number | undefined,
  hint: number | undefined,
): { parallelism: number; follow: boolean; note?: string } {
  if (asked !== undefined) {
    const note =
      hint !== undefined && asked > hint
        ? `parallelism ${asked} is more than the ${hint} requests at once this environment recommends now (x-ms-dop-hint); leave parallelism out to follow it.`
        : undefined;
    return { parallelism: Math.min(asked, MOST_AT_ONCE), follow: false, note };
  }
  if (hint === undefined)
    return {
      parallelism: DEFAULT_PARALLELISM,
      follow: true,
      note: `Up to ${DEFAULT_PARALLELISM} requests at once: the environment recommended no degree of parallelism (x-ms-dop-hint).`,
    };
  const parallelism = Math.min(hint, MOST_AT_ONCE);
  const capped = parallelism < hint ? `, at most ${MOST_AT_ONCE}` : '';
  return {
    parallelism,
    follow: true,
    note: `Requests at once followed the degree of parallelism this environment recommends (x-ms-dop-hint: ${hint} at the start${capped}).`,
  };
}

export interface DispatcherOptions {
  parallelism: number;
  /** Follow the degree of parallelism the responses recommend (x-ms-dop-hint) instead of keeping `parallelism`. */
  followHint?: boolean;
  /** When the time budget ends (ms since the epoch). */
  deadline: number;
  /** The caller's cancellation. */
  signal: AbortSignal;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Runs write requests a few at a time and never gives up silently. It sends fewer at once as
 * Dataverse's rate-limit headers say the budget runs low, pauses every request when one is throttled
 * (for its Retry-After), retries throttled and transient failures until the time budget ends, and
 * then stops cleanly: tasks that did not finish are simply not marked done.
 */
export class Dispatcher {
  readonly signal: AbortSignal;
  /** Requests answered (successes and failures), for the summary. */
  requests = 0;
  throttles = 0;
  private limit: number;
  /** What `limit` comes back to while the rate-limit budget is ample. */
  private ceiling: number;
  /** Halved by each throttling, then one more for each answer, so a 429 is not met again at once. */
  private afterThrottling = MOST_AT_ONCE;
  private inFlight = 0;
  // Neither holds a small integer later (a time from Date.now() is past 2^30, an average has a
  // fraction): starting as such numbers rather than 0 spares V8 changing how every dispatcher
  // stores them mid-import, and recompiling the code that reads them.
  private pausedUntil = Number.NEGATIVE_INFINITY;
  /** NaN (falsy, as 0 was) until the first answer. */
  private averageMs = Number.NaN;
  private stopped: Error | undefined;
  private readonly running = new Set<Promise<void>>();
  private readonly waiters: Array<() => void> = [];
  private readonly now: () => number;
  private readonly wait: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly budget = new AbortController();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: DispatcherOptions) {
    this.limit = this.ceiling = options.parallelism;
    this.now = options.now ?? Date.now;
    this.wait = options.sleep ?? defaultSleep;
    this.signal = AbortSignal.any([options.signal, this.budget.signal]);
    // Every request in flight listens to it.
    setMaxListeners(1000, this.signal);
    this.timer = setTimeout(() => this.budget.abort(new BudgetExhausted()), Math.max(0, options.deadline - this.now()));
    this.timer.unref?.();
  }

  get budgetEnded(): boolean {
    return this.budget.signal.aborted || this.now() >= this.options.deadline;
  }

  /** Requests allowed at once now. */
  get concurrency(): number {
    return this.limit;
  }

  /** Sets how many requests may run at once from a response's recommended parallelism and budget left. */
  observe(headers: ResponseHeaders | undefined): void {
    if (!headers) return;
    const hint = this.options.followHint ? parallelismHint(headers) : undefined;
    if (hint !== undefined) this.ceiling = Math.min(hint, MOST_AT_ONCE);
    const burst = headerNumber(headers, BURST);
    const seconds = headerNumber(headers, TIME);
    if (burst === undefined && seconds === undefined) {
      // Without the budget, a lower recommendation is followed at once; a higher one waits for it.
      if (this.ceiling < this.limit) this.limit = this.ceiling;
      return;
    }
    let limit = Math.min(this.ceiling, this.afterThrottling);
    // Keep at least twice the requests in flight in reserve, and twice their execution time.
    if (burst !== undefined) limit = Math.min(limit, Math.max(1, Math.floor(burst / 2)));
    if (seconds !== undefined && this.averageMs > 0)
      limit = Math.min(limit, Math.max(1, Math.floor((seconds * 1000) / (this.averageMs * 4))));
    this.limit = limit;
    this.release();
  }

  /**
   * Starts `task` once a slot is free and returns; `onDone` runs when it succeeds. `settled` resolves
   * once the task succeeded (after `onDone`) or ended for good. Throws when the import must stop: the
   * budget ended, the caller cancelled, or a task failed for good.
   */
  async submit(
    task: (signal: AbortSignal) => Promise<ResponseHeaders | undefined>,
    onDone: () => void,
  ): Promise<{ settled: Promise<void> }> {
    await this.slot();
    const run = this.attempt(task, onDone).finally(() => {
      this.inFlight--;
      this.running.delete(run);
      this.release();
    });
    this.running.add(run);
    return { settled: run };
  }

  /** Waits for every started task; throws what stopped the dispatcher, if anything did. */
  async drain(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
    if (this.stopped) throw this.stopped;
  }

  close(): void {
    clearTimeout(this.timer);
  }

  private async attempt(task: (signal: AbortSignal) => Promise<ResponseHeaders | undefined>, onDone: () => void): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.stopped) return;
      const started = this.now();
      try {
        const headers = await task(this.signal);
        this.requests++;
        this.averageMs = this.averageMs ? this.averageMs * 0.8 + (this.now() - started) * 0.2 : this.now() - started;
        this.afterThrottling = Math.min(MOST_AT_ONCE, this.afterThrottling + 1);
        this.observe(headers);
        onDone();
        return;
      } catch (error) {
        this.requests++;
        const delay = this.retryDelay(error, attempt);
        if (delay === undefined) return;
        if (this.now() + delay >= this.options.deadline)
          return this.stop(new BudgetExhausted(`the service asked to wait ${Math.ceil(delay / 1000)} s, past the end of the time budget`));
        await this.wait(delay, this.signal).catch(() => undefined);
        if (this.options.signal.aborted) return this.stop((this.options.signal.reason as Error | undefined) ?? new Error('Canceled'));
        if (this.budgetEnded) return this.stop(new BudgetExhausted());
      }
    }
  }

  /** How long to wait before sending again, or undefined when the dispatcher stopped. */
  private retryDelay(error: unknown, attempt: number): number | undefined {
    if (this.options.signal.aborted) {
      this.stop(error instanceof Error ? error : new Error(String(error)));
      return undefined;
    }
    if (this.budgetEnded) {
      this.stop(new BudgetExhausted());
      return undefined;
    }
    if (error instanceof PlatformError && error.status === 429) {
      this.throttles++;
      // One throttling pauses every request and halves how many go at once afterwards; requests
      // throttled with it, while its pause lasts, do not halve that again.
      const delay = error.retryAfterMs ?? Math.min(60_000, 5000 * attempt);
      if (this.now() >= this.pausedUntil) this.limit = this.afterThrottling = Math.max(1, Math.floor(this.limit / 2));
      this.pausedUntil = Math.max(this.pausedUntil, this.now() + delay);
      return delay;
    }
    const transient =
      error instanceof PlatformError && (error.status === 0 || error.status === 408 || error.status >= 500) && error.code !== 'Canceled';
    if (transient) return Math.min(30_000, 1000 * 2 ** (attempt - 1));
    this.stop(error instanceof Error ? error : new Error(String(error)));
    return undefined;
  }

  private stop(error: Error): void {
    this.stopped ??= error;
    this.release();
  }

  private release(): void {
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Waits for a slot and takes it. */
  private async slot(): Promise<void> {
    for (;;) {
      if (this.stopped) throw this.stopped;
      if (this.budgetEnded) {
        this.stop(new BudgetExhausted());
        throw this.stopped!;
      }
      const pause = this.pausedUntil - this.now();
      if (pause > 0) {
        await this.wait(Math.min(pause, Math.max(0, this.options.deadline - this.now())), this.signal).catch(() => undefined);
        continue;
      }
      // Taken here, in the same turn as the check: tasks waiting for a slot are all woken at once.
      if (this.inFlight < this.limit) {
        this.inFlight++;
        return;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }
}
