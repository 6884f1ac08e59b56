import { randomUUID } from 'node:crypto';
import { openSync, readFileSync, statSync, unlinkSync, writeSync, closeSync } from 'node:fs';

/** A lock held longer than this is taken as abandoned even when its process seems alive (its pid reused). */
const STALE_MS = 30_000;
/** How long a caller waits for the lock before giving up. */
const TIMEOUT_MS = 15_000;

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Blocks this thread for `ms` (the store is synchronous; waits are a few milliseconds). */
function pause(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/**
 * The wait before the next try: 1 ms doubling to 8 ms, with jitter, so that twenty waiters do not
 * starve the holder of the CPU; a process that has waited long tries every millisecond or so, so it
 * is not passed over again and again by newcomers.
 */
function backoff(attempt: number, waitedMs: number): number {
  if (waitedMs > 100) return 0.5 + Math.random();
  return Math.min(8, 2 ** Math.min(attempt, 3)) * (0.5 + Math.random());
}

/** Whether a process with this id runs (EPERM: it runs as someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Holder {
  pid: number;
  at: number;
  token: string;
  text: string;
}

/**
 * A lock between processes: a file created exclusively, holding its owner's pid, time and a token.
 * A lock whose process is gone, or that is older than STALE_MS, is broken, under a second lock so
 * that two processes breaking the same stale lock cannot remove a fresh one.
 */
export class FileLock {
  constructor(private readonly path: string) {}

  /** Runs `body` while holding the lock. */
  hold<T>(body: () => T): T {
    const token = this.acquire();
    try {
      return body();
    } finally {
      this.release(token);
    }
  }

  private acquire(): string {
    const token = randomUUID();
    const started = Date.now();
    const deadline = started + TIMEOUT_MS;
    for (let attempt = 0; ; attempt++) {
      if (create(this.path, `${process.pid} ${Date.now()} ${token}`)) return token;
      const holder = read(this.path);
      if (holder && isStale(holder)) this.breakStale(holder);
      else if (Date.now() > deadline) {
        throw new Error(
          `the operation store is locked${holder ? ` by process ${holder.pid}` : ''} for more than ${TIMEOUT_MS / 1000} s (${this.path})`,
        );
      } else pause(backoff(attempt, Date.now() - started));
    }
  }

  private release(token: string): void {
    if (read(this.path)?.token === token) unlinkQuietly(this.path);
  }

  private breakStale(stale: Holder): void {
    const breaker = `${this.path}.break`;
    if (!create(breaker, `${process.pid} ${Date.now()} ${randomUUID()}`)) {
      const other = read(breaker);
      if (!other || isStale(other)) unlinkQuietly(breaker);
      pause(2);
      return;
    }
    try {
      // Only the very lock found stale is removed: a fresh one taken meanwhile stays.
      if (read(this.path)?.text === stale.text) unlinkQuietly(this.path);
    } finally {
      unlinkQuietly(breaker);
    }
  }
}

function create(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** The lock's holder; a lock file still empty (its owner is writing it) counts as held since its creation. */
function read(path: string): Holder | undefined {
  let text: string;
  let created: number;
  try {
    text = readFileSync(path, 'utf8');
    created = statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
  const [pid, at, token] = text.split(' ');
  return { pid: Number(pid), at: Number(at) || created, token: token ?? '', text };
}

function isStale(holder: Holder): boolean {
  if (Date.now() - holder.at > STALE_MS) return true;
  return holder.token !== '' && !isProcessAlive(holder.pid);
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
