import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { isTerminal, type OperationRecord } from './record';

/** Where operation records live between restarts. */
export interface OperationStore {
  load(): OperationRecord[];
  save(record: OperationRecord): void;
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
    this.records.set(record.id, structuredClone(record));
  }
}

/**
 * One small JSON file, readable only by its owner and written atomically. Several processes (the VS Code
 * extension and a CLI) may share it: each write merges with what is on disk, so no process drops the
 * records of another.
 */
export class FileOperationStore implements OperationStore {
  constructor(private readonly file: string) {}

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
    const records = new Map(this.load().map((r) => [r.id, r]));
    records.set(record.id, record);
    const kept = prune([...records.values()]);
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ version: 1, operations: kept }, null, 1), { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.file);
  }
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
  return Boolean(r && typeof r.id === 'string' && typeof r.kind === 'string' && typeof r.state === 'string' && typeof r.createdAt === 'string');
}
