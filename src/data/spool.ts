import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/**
 * Work for the later passes (lookups, states, N:N links), written to a temporary file as data.xml is
 * read once and read back line by line, so memory stays flat however large the file is.
 */
export class Spool<T> {
  private count = 0;

  private constructor(
    private readonly dir: string,
    private readonly file: string,
    private readonly out: WriteStream,
  ) {}

  static async create<T>(): Promise<Spool<T>> {
    const dir = await mkdtemp(join(tmpdir(), 'power-agent-import-'));
    const file = join(dir, 'spool.ndjson');
    return new Spool<T>(dir, file, createWriteStream(file));
  }

  get size(): number {
    return this.count;
  }

  async add(item: T): Promise<void> {
    this.count++;
    if (!this.out.write(`${JSON.stringify(item)}\n`)) await once(this.out, 'drain');
  }

  /** Ends writing; the items can then be read, as often as needed. */
  async seal(): Promise<void> {
    if (this.out.writableEnded) return;
    this.out.end();
    await once(this.out, 'finish');
  }

  async *items(): AsyncGenerator<T> {
    const lines = createInterface({ input: createReadStream(this.file), crlfDelay: Infinity });
    for await (const line of lines) if (line) yield JSON.parse(line) as T;
  }

  async remove(): Promise<void> {
    if (!this.out.closed) {
      // A write still under way when the import stopped must not surface as an error of its own.
      this.out.on('error', () => undefined);
      const closed = new Promise<void>((resolve) => this.out.once('close', () => resolve()));
      this.out.destroy();
      await closed;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
