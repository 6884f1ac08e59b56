import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { randomBytes } from 'node:crypto';
import { BackgroundWriter } from './backgroundWriter';
import { SolutionFileError } from './errors';
import type { SolutionMapping } from './mapping';
import { PARALLEL_FILES, mapLimited } from './parallel';
import { safeJoin } from './safePath';
import type { Piece } from './xmlText';
import type { ZipReader } from './zipReader';

/** Zip members up to this size are copied into the writer's shared memory. */
const SHARED_COPY_BYTES = 512 * 1024;

/**
 * The folder an unpack writes into before the result is moved to its target, so a refused or broken
 * zip leaves the target as it was. Files are written as they are made, on a worker thread; each path is
 * checked first (inside the folder, not written twice, not sent elsewhere by the mapping file). The
 * folder itself is made with the first file, so a zip refused before that leaves nothing behind.
 */
export class StagingFolder {
  /** Beside the target by default; a short name, so a long target name cannot make it too long. */
  readonly path: string;
  /** Files written, relative, with forward slashes. */
  readonly written: string[] = [];
  /** Files not written because the mapping file maps them elsewhere. */
  readonly mapped: string[] = [];
  bytes = 0;
  private writer?: BackgroundWriter;
  private readonly targets = new Set<string>();
  private readonly streamed: Array<{ member: string; file: string }> = [];

  constructor(
    private readonly parent: string,
    private readonly zip: ZipReader,
    private readonly mapping?: SolutionMapping,
  ) {
    this.path = join(parent, `.unpacking-${randomBytes(6).toString('hex')}`);
  }

  /** Writes a file (its bytes must stay as they are until `done`). */
  write(path: string, data: Uint8Array): void {
    const file = this.claim(path);
    if (!file) return;
    this.writerOf().write(file, data);
    this.bytes += data.length;
  }

  /** Writes the bytes a piece stands for, built where the worker reads them without a copy. */
  build(path: string, piece: Piece): void {
    const file = this.claim(path);
    if (file) this.bytes += this.writerOf().build(file, piece);
  }

  /** Writes a member of the zip to `path`: inflated here and written by the worker, or streamed at the end when it is large. */
  member(member: string, path: string): void {
    const file = this.claim(path);
    if (!file) return;
    this.bytes += this.zip.size(member);
    if (this.zip.readsWhole(member)) {
      const bytes = this.zip.readNow(member);
      // Copied into the writer's shared memory unless large: a message copies memory that is not shared, into fresh memory twice.
      if (bytes.length <= SHARED_COPY_BYTES) this.writerOf().build(file, bytes);
      else this.writerOf().write(file, bytes);
      return;
    }
    this.writerOf().folder(dirname(file));
    this.streamed.push({ member, file });
  }

  /** Resolves when every file is written. */
  async done(): Promise<void> {
    await this.writer?.done();
    await mapLimited(this.streamed, PARALLEL_FILES, async ({ member, file }) =>
      pipeline(await this.zip.stream(member), createWriteStream(file)),
    );
  }

  /** Removes the folder, once the worker has stopped writing into it. */
  async remove(): Promise<void> {
    await this.writer?.settled();
    rmSync(this.path, { recursive: true, force: true });
  }

  /** The full path to write `path` to, or undefined when the mapping file maps it elsewhere. */
  private claim(path: string): string | undefined {
    if (this.mapping?.matches(path)) {
      this.mapped.push(path);
      return undefined;
    }
    const key = path.toLowerCase();
    if (this.targets.has(key))
      throw new SolutionFileError('DuplicateComponent', `${this.zip.file}: two members would both be written to ${path}.`);
    this.targets.add(key);
    const file = safeJoin(this.path, path, { freshRoot: true });
    this.written.push(path.split(/[\\/]/).filter(Boolean).join('/'));
    return file;
  }

  private writerOf(): BackgroundWriter {
    if (!this.writer) {
      mkdirSync(this.parent, { recursive: true });
      mkdirSync(this.path);
      this.writer = new BackgroundWriter(this.path);
    }
    return this.writer;
  }
}
