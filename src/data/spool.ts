import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { emptyArrayOf } from './emptyArray';

/** Items added to the file without the caller waiting, at most: what memory holds while the disk catches up. */
const UNWAITED_ITEMS = 256;

/**
 * Work for the later passes (lookups, states, N:N links), kept as data.xml is read once. The first
 * items stay in memory; past `inMemory` they go to a temporary file, read back line by line, so
 * memory stays flat however large the file is.
 */
export class Spool<T> {
  private count = 0;
  /** The items kept in memory (an array of objects from the start: see emptyArrayOf). */
  private readonly held = emptyArrayOf<T>('objects');
  private dir: string | undefined;
  private file: string | undefined;
  private out: WriteStream | undefined;
  private writing: Promise<void> = Promise.resolve();
  private unwaited = 0;
  private failure: Error | undefined;

  constructor(private readonly inMemory = 20_000) {}

  get size(): number {
    return this.count;
  }

  /** Keeps an item; a promise comes back when the caller should wait for the file (it rejects if writing failed). */
  add(item: T): Promise<void> | undefined {
    this.count++;
    if (this.count <= this.inMemory) {
      this.held.push(item);
      return undefined;
    }
    // Writes go one after another, in order; the caller waits only every so many items, or when the file is behind.
    this.writing = this.writing
      .then(() => (this.failure ? undefined : this.write(item)))
      .catch((error: unknown) => {
        this.failure ??= error instanceof Error ? error : new Error(String(error));
      });
    if (++this.unwaited < UNWAITED_ITEMS && !this.out?.writableNeedDrain) return undefined;
    this.unwaited = 0;
    return this.written();
  }

  private async written(): Promise<void> {
    await this.writing;
    if (this.failure) throw this.failure;
  }

  private async write(item: T): Promise<void> {
    if (!this.out) {
      this.dir = await mkdtemp(join(tmpdir(), 'power-agent-import-'));
      this.file = join(this.dir, 'spool.ndjson');
      this.out = createWriteStream(this.file);
    }
    if (!this.out.write(`${JSON.stringify(item)}\n`)) await once(this.out, 'drain');
  }

  /** Ends writing; the items can then be read, in the order they came, as often as needed. */
  async seal(): Promise<void> {
    await this.written();
    if (!this.out || this.out.writableEnded) return;
    this.out.end();
    await once(this.out, 'finish');
  }

  /** The items, in the order they came, a chunk at a time (the held ones, then a piece of the file each). */
  async *chunks(): AsyncGenerator<T[]> {
    if (this.held.length) yield this.held;
    if (!this.file) return;
    // Read piece by piece as the items are taken: readline would read ahead of a slow consumer.
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for await (const chunk of createReadStream(this.file, { highWaterMark: 64 * 1024 })) {
      const lines = (rest + decoder.write(chunk as Buffer)).split('\n');
      rest = lines.pop()!;
      const items = lines.filter(Boolean).map((line) => JSON.parse(line) as T);
      if (items.length) yield items;
    }
    rest += decoder.end();
    if (rest) yield [JSON.parse(rest) as T];
  }

  async remove(): Promise<void> {
    const out = this.out;
    if (out && !out.closed) {
      // A write still under way when the import stopped must not surface as an error of its own.
      out.on('error', () => undefined);
      const closed = new Promise<void>((resolve) => out.once('close', () => resolve()));
      out.destroy();
      await closed;
    }
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}
