import { json, type Reply } from './http';

/** Dataverse's service protection limits, per user and web server (the sandbox is one server). */
export interface ServiceProtectionLimits {
  /** Requests in the window (6000). */
  requests: number;
  /** Combined execution time in the window, in seconds (1200). */
  executionSeconds: number;
  /** The sliding window, in seconds (300). */
  windowSeconds: number;
  /** Requests at once (52). */
  concurrent: number;
}

export const DATAVERSE_LIMITS: ServiceProtectionLimits = { requests: 6000, executionSeconds: 1200, windowSeconds: 300, concurrent: 52 };

interface Usage {
  /** Start times and durations of the requests in the window, oldest first. */
  entries: Array<{ at: number; ms: number }>;
  /** The sum of their durations. */
  usedMs: number;
  inFlight: number;
  maxInFlight: number;
}

const number = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/**
 * Counts each user's Dataverse requests and their execution time in a sliding window, answers 429
 * with Retry-After once a limit is passed, as the service does, and reports the remaining budget on
 * every response in the headers the service sends (x-ms-ratelimit-*-remaining-xrm-requests).
 */
export class ServiceProtection {
  private readonly usage = new Map<string, Usage>();

  constructor(
    readonly limits: ServiceProtectionLimits = DATAVERSE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** The most requests a user had in flight at once (for tests of pacing). */
  maxInFlight(user: string): number {
    return this.usage.get(user)?.maxInFlight ?? 0;
  }

  /** Forgets the counts, so a test or benchmark can start from a full budget. */
  reset(): void {
    this.usage.clear();
  }

  async run(user: string, handle: () => Promise<Reply>): Promise<Reply> {
    const usage = this.usage.get(user) ?? { entries: [], usedMs: 0, inFlight: 0, maxInFlight: 0 };
    this.usage.set(user, usage);
    const start = this.now();
    const windowMs = this.limits.windowSeconds * 1000;
    let expired = 0;
    while (expired < usage.entries.length && usage.entries[expired]!.at <= start - windowMs) usage.usedMs -= usage.entries[expired++]!.ms;
    if (expired) usage.entries.splice(0, expired);
    const retryAfter = () => String(Math.max(1, Math.ceil(((usage.entries[0]?.at ?? start) + windowMs - start) / 1000)));
    if (usage.inFlight >= this.limits.concurrent) {
      return json(
        429,
        { error: { code: '0x80072326', message: `Number of concurrent requests exceeded the limit of ${this.limits.concurrent}.` } },
        { 'retry-after': '1' },
      );
    }
    if (usage.entries.length >= this.limits.requests) {
      return json(
        429,
        {
          error: {
            code: '0x80072322',
            message: `Number of requests exceeded the limit of ${this.limits.requests} over time window of ${this.limits.windowSeconds} seconds.`,
          },
        },
        { 'retry-after': retryAfter() },
      );
    }
    if (usage.usedMs >= this.limits.executionSeconds * 1000) {
      const limit = new Intl.NumberFormat('en-US').format(this.limits.executionSeconds * 1000);
      return json(
        429,
        {
          error: {
            code: '0x80072321',
            message: `Combined execution time of incoming requests exceeded limit of ${limit} milliseconds over time window of ${this.limits.windowSeconds} seconds. Decrease number of concurrent requests or reduce the duration of requests and try again later.`,
          },
        },
        { 'retry-after': retryAfter() },
      );
    }
    const entry = { at: start, ms: 0 };
    usage.entries.push(entry);
    usage.inFlight++;
    usage.maxInFlight = Math.max(usage.maxInFlight, usage.inFlight);
    try {
      const reply = await handle();
      entry.ms = Math.max(1, this.now() - start);
      usage.usedMs += entry.ms;
      const remainingMs = Math.max(0, this.limits.executionSeconds * 1000 - usage.usedMs);
      reply.headers = {
        ...reply.headers,
        'x-ms-ratelimit-burst-remaining-xrm-requests': String(Math.max(0, this.limits.requests - usage.entries.length)),
        'x-ms-ratelimit-time-remaining-xrm-requests': number.format(remainingMs / 1000),
      };
      return reply;
    } finally {
      usage.inFlight--;
    }
  }
}
