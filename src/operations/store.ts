import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { FileLock, isProcessAlive } from './fileLock';
import { isTerminal, type OperationRecord } from './record';

/** Where operation records live between restarts. */
export interface OperationStore {
  load(): OperationRecord[];
  save(record: OperationRecord): void;
  /**
   * Makes `owner` the process that follows a record, unless it has ended or a live process other
   * than this one follows it. Returns the record as stored then, or undefined when it was not taken.
   */
  claim(id: string, owner: NonNullable<OperationRecord['owner']>): OperationRecord | undefined;
  /** Drops a record (a start the service refused: nothing happened). */
  remove(id: string): void;
}

/** Records kept in the file; the oldest finished ones are dropped beyond this. */
const MAX_RECORDS = 200;

/** Keeps records in memory only (the sandbox, whose operations cannot outlive it). */
export class MemoryOperationStore implements OperationStore {
  private readonly records = new Map<string, OperationRecord>();
  load(): OperationRecord[] {
    return [...this.records.values()].map((r) => structuredClone(r));
  }
  save(record: OperationRecord): void {
    const stored = this.records.get(record.id);
    if (stored && wouldRollBack(stored, record)) return;
    this.records.set(record.id, structuredClone(record));
  }
  remove(id: string): void {
    this.records.delete(id);
  }
  claim(id: string, owner: NonNullable<OperationRecord['owner']>): OperationRecord | undefined {
    const stored = this.records.get(id);
    if (!stored || !claimable(stored)) return undefined;
    stored.owner = owner;
    return structuredClone(stored);
  }
}

/**
 * One small JSON file, readable only by its owner and written atomically. Several processes (the VS Code
 * extension, CLIs, pipelines) share it: every change reads, merges and writes the file while holding a
 * lock file beside it (a lock whose process died is broken), so no process drops or rolls back the
 * records of another. Readers need no lock: the file is replaced whole by a rename.
 */
export class FileOperationStore implements OperationStore {
  private readonly lock: FileLock;

  constructor(private readonly file: string) {
    this.lock = new FileLock(`${file}.lock`);
  }

  load(): OperationRecord[] {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return [];
    }
    try {
      const parsed = JSON.parse(text) as { version?: number; operations?: OperationRecord[] };
      return Array.isArray(parsed.operations) ? parsed.operations.filter(isRecord) : [];
    } catch {
      return []; // a damaged file must not stop the server; it is rewritten on the next save
    }
  }

  save(record: OperationRecord): void {
    this.change((records) => {
      const stored = records.get(record.id);
      if (stored && wouldRollBack(stored, record)) return false;
      records.set(record.id, record);
      return true;
    });
  }

  claim(id: string, owner: NonNullable<OperationRecord['owner']>): OperationRecord | undefined {
    let claimed: OperationRecord | undefined;
    this.change((records) => {
      const stored = records.get(id);
      if (!stored || !claimable(stored)) return false;
      stored.owner = owner;
      claimed = stored;
      return true;
    });
    return claimed;
  }

  remove(id: string): void {
    this.change((records) => records.delete(id));
  }

  /** Reads, changes and writes the file under the lock; `edit` returns false when nothing changed. */
  private change(edit: (records: Map<string, OperationRecord>) => boolean): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    this.lock.hold(() => {
      const records = new Map(this.load().map((r) => [r.id, r]));
      if (!edit(records)) return;
      const temporary = `${this.file}.${process.pid}.${randomUUID()}.tmp`;
      writeFileSync(temporary, JSON.stringify({ version: 1, operations: prune([...records.values()]) }, null, 1), { mode: 0o600 });
      chmodSync(temporary, 0o600);
      renameSync(temporary, this.file);
    });
  }
}

/** An ended record is never rolled back to an earlier state by a late or stale save. */
function wouldRollBack(stored: OperationRecord, incoming: OperationRecord): boolean {
  return isTerminal(stored.state) && !isTerminal(incoming.state);
}

/** A record another process may take over: not ended, and not followed by a live process other than this one. */
function claimable(record: OperationRecord): boolean {
  if (isTerminal(record.state)) return false;
  const pid = record.owner?.pid;
  return !pid || pid === process.pid || !isProcessAlive(pid);
}

function prune(records: OperationRecord[]): OperationRecord[] {
  if (records.length <= MAX_RECORDS) return records;
  const byAge = [...records].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  let excess = records.length - MAX_RECORDS;
  const dropped = new Set<string>();
  for (const record of byAge) {
    if (excess === 0) break;
    if (isTerminal(record.state)) {
      dropped.add(record.id);
      excess--;
    }
  }
  return records.filter((r) => !dropped.has(r.id));
}

function isRecord(value: unknown): value is OperationRecord {
  const r = value as OperationRecord;
  return Boolean(
    r && typeof r.id === 'string' && typeof r.kind === 'string' && typeof r.state === 'string' && typeof r.createdAt === 'string',
  );
}
