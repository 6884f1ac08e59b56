import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ToolError } from '../callerError';
import { resumeSchema, type ResumeState } from './importProgress';

/**
 * Where a partial import's progress waits for the call that finishes it. The caller is given only its
 * id: the state can run to megabytes (the records matched by updateCompare fields, the refused ids),
 * which no model should have to copy back into a call.
 */
export interface ResumeStore {
  /** Keeps the state; returns the id a later call gives as `resume`. */
  save(state: ResumeState): Promise<string>;
  /** The state kept under the id, or undefined when none is (never given, or expired). */
  load(id: string): Promise<ResumeState | undefined>;
  /** How long and where states are kept, as a clause: "for 7 days, in …". */
  readonly retention: string;
}

/** What to do when a partial import's progress is not there to finish it with. */
export const WITHOUT_RESUME = 'Call again without resume: the records imported are found again and updated, not duplicated.';

/** How long a partial import can be finished. */
export const RESUME_KEPT_DAYS = 7;
const KEPT_MS = RESUME_KEPT_DAYS * 24 * 3600 * 1000;

/** In memory, for the sandbox, whose records go with it: the newest 100 partial imports. */
export class MemoryResumeStore implements ResumeStore {
  readonly retention = 'in memory, the newest 100, until the server stops';
  private readonly states = new Map<string, string>();

  save(state: ResumeState): Promise<string> {
    const id = randomUUID();
    this.states.set(id, JSON.stringify(state));
    if (this.states.size > 100) this.states.delete(this.states.keys().next().value!);
    return Promise.resolve(id);
  }

  load(id: string): Promise<ResumeState | undefined> {
    const text = this.states.get(id.toLowerCase());
    return Promise.resolve(text === undefined ? undefined : (JSON.parse(text) as ResumeState));
  }
}

/**
 * One file per partial import in a folder of the server's state directory, readable by its owner only,
 * written whole by a rename; any server on the machine sharing the directory can finish the import.
 * Files older than RESUME_KEPT_DAYS are removed when a new one is saved.
 */
export class FileResumeStore implements ResumeStore {
  readonly retention: string;

  constructor(private readonly folder: string) {
    this.retention = `for ${RESUME_KEPT_DAYS} days, in ${folder}`;
  }

  async save(state: ResumeState): Promise<string> {
    await mkdir(this.folder, { recursive: true, mode: 0o700 });
    await this.removeExpired();
    const id = randomUUID();
    const temporary = join(this.folder, `${id}.${process.pid}.tmp`);
    await writeFile(temporary, JSON.stringify(state), { mode: 0o600 });
    await rename(temporary, this.fileOf(id));
    return id;
  }

  async load(id: string): Promise<ResumeState | undefined> {
    if (!UUID.test(id)) return undefined;
    let text: string;
    try {
      const file = this.fileOf(id);
      if (Date.now() - (await stat(file)).mtimeMs > KEPT_MS) return undefined;
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const parsed = resumeSchema.safeParse(safeJson(text));
    if (!parsed.success)
      throw new ToolError(
        `resume: the progress kept for this import (${this.fileOf(id)}) is damaged. Nothing was imported.`,
        WITHOUT_RESUME,
      );
    return parsed.data;
  }

  private fileOf(id: string): string {
    return join(this.folder, `${id.toLowerCase()}.json`);
  }

  /** Best effort: a file another server removes first, or cannot be read, is passed over. */
  private async removeExpired(): Promise<void> {
    const now = Date.now();
    for (const name of await readdir(this.folder).catch(() => [] as string[])) {
      if (!/\.(json|tmp)$/.test(name)) continue;
      const file = join(this.folder, name);
      const age = await stat(file).then(
        (s) => now - s.mtimeMs,
        () => 0,
      );
      if (age > KEPT_MS) await rm(file, { force: true }).catch(() => undefined);
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
