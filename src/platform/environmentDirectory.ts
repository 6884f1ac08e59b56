import type { BapClient, BapEnvironment } from './bap';
import { PlatformError } from './errors';

/** What a lookup found, and the list it looked in. */
export interface DirectoryLookup {
  matches: BapEnvironment[];
  environments: BapEnvironment[];
}

/**
 * The tenant's environments as the admin API last listed them, kept for a short time so that a call
 * naming an environment by name or URL does not page through the whole tenant each time. One per
 * signed-in process. Our own operations put, reload or remove the environments they change; a change
 * made elsewhere shows once the kept list is older than the caller's lifetime, or at once when the name
 * is not in the kept list (a miss reads the tenant again before anyone is told "not found").
 */
export class EnvironmentDirectory {
  private kept: { environments: BapEnvironment[]; readAt: number } | undefined;
  private reading: { promise: Promise<BapEnvironment[]>; version: number } | undefined;
  /** Grows with every change to the kept list, so that a list read before a change is not kept over it. */
  private version = 0;
  /** Reloads of single environments under way; lookups wait for them so they never see the state before. */
  private readonly updates = new Set<Promise<void>>();

  constructor(
    private readonly bap: BapClient,
    private readonly now: () => number = Date.now,
  ) {}

  /** Lists the tenant now and keeps the list; joins a list already being read since the last change. */
  async refresh(signal?: AbortSignal): Promise<BapEnvironment[]> {
    await this.settled();
    if (!this.reading || this.reading.version !== this.version) {
      const version = this.version;
      const readAt = this.now();
      // Shared by every caller, so it carries no caller's signal; each caller stops waiting on its own.
      const promise = this.bap.listEnvironments().then((environments) => {
        if (this.version === version) this.kept = { environments, readAt };
        return environments;
      });
      const reading = { promise, version };
      this.reading = reading;
      const clear = () => {
        if (this.reading === reading) this.reading = undefined;
      };
      promise.then(clear, clear);
    }
    return abortable(this.reading.promise, signal);
  }

  /**
   * The environments `matches` picks, from the kept list while it is younger than `maxAgeMs`. When the kept
   * list has no match or several, the tenant is listed again once and the answer comes from that list.
   */
  async find(matches: (env: BapEnvironment) => boolean, maxAgeMs: number, signal?: AbortSignal): Promise<DirectoryLookup> {
    await this.settled();
    const kept = this.kept && this.now() - this.kept.readAt < maxAgeMs ? this.kept.environments : undefined;
    if (kept) {
      const found = kept.filter(matches);
      if (found.length === 1) return { matches: found, environments: kept };
    }
    const environments = await this.refresh(signal);
    return { matches: environments.filter(matches), environments };
  }

  /** Keeps this record of an environment, read by id: it replaces the kept one or joins the list. */
  put(env: BapEnvironment): void {
    if (!this.kept) return;
    const id = env.name.toLowerCase();
    const index = this.kept.environments.findIndex((e) => e.name.toLowerCase() === id);
    const environments = [...this.kept.environments];
    if (index >= 0) environments[index] = env;
    else environments.push(env);
    this.keep(environments);
  }

  /** Forgets an environment that is gone. */
  remove(environmentId: string): void {
    if (!this.kept) return;
    const id = environmentId.toLowerCase();
    this.keep(this.kept.environments.filter((e) => e.name.toLowerCase() !== id));
  }

  /** Reads one environment again by id (after our own operation changed it); lookups wait for the answer. */
  reload(environmentId: string): void {
    const update = this.bap.getEnvironment(environmentId).then(
      (env) => this.put(env),
      (error) => (error instanceof PlatformError && error.status === 404 ? this.remove(environmentId) : this.forget()),
    );
    this.updates.add(update);
    void update.finally(() => this.updates.delete(update));
  }

  /** Drops the kept list: the next lookup lists the tenant. */
  forget(): void {
    this.kept = undefined;
    this.version++;
  }

  private keep(environments: BapEnvironment[]): void {
    this.kept = { environments, readAt: this.kept!.readAt };
    this.version++;
  }

  private async settled(): Promise<void> {
    while (this.updates.size) await Promise.all(this.updates);
  }
}

/** The promise's outcome, or the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
