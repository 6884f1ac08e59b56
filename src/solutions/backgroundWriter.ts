import { dirname } from 'node:path';
import { askFileThread } from './fileThread';
import { ByteBuilder, type Piece } from './xmlText';

/** Files (or bytes) per message: few enough messages, and the worker starts while the next batch is made. */
const BATCH_FILES = 64;
const BATCH_BYTES = 1024 * 1024;
/** Files made here are built in blocks of this size: a batch's bytes, and the file that ends the batch. */
const BLOCK_BYTES = 2 * BATCH_BYTES;
/**
 * Blocks kept for the next writer once a writer is done. Memory given back is not fresh again soon: the
 * worker holds views of it until its own garbage collection, which its small allocations rarely start.
 */
const spareBlocks: Buffer[] = [];
const SPARE_BLOCKS = 4;

/**
 * Writes files on a worker thread while the caller makes the next ones: an unpack creates hundreds or
 * thousands of small files, and this way the file system's work runs on the second core beside the
 * split. Folders are made as needed, each once, parents first.
 *
 * Files given as pieces (`build`) are built in blocks of shared memory, which reach the worker without a
 * copy, and a block is used again once the worker has written its batch: the worker counts the batches
 * written in shared memory, so that is known without waiting for its answer. Touching fresh memory is
 * what costs here (a page fault per 4 KB); one buffer for all the files of a 64-copy solution made the
 * unpack's time grow faster than its size.
 */
export class BackgroundWriter {
  private folders: string[] = [];
  private files: Array<{ file: string; data: Uint8Array }> = [];
  private bytes = 0;
  private readonly made = new Set<string>();
  private readonly batches: Array<Promise<unknown>> = [];
  /** The number of batches the worker has written, in shared memory. */
  private readonly written = new Int32Array(new SharedArrayBuffer(4));
  /** Blocks sent, and the batch after which each is free again. */
  private readonly blocks: Array<{ memory: Buffer; batch: number }> = [];
  private builder?: ByteBuilder;

  /** `root` exists already; every file goes somewhere under it. */
  constructor(root: string) {
    this.made.add(root);
  }

  /** Writes bytes as they are (they must stay as they are until `done`; bytes not in shared memory are copied). */
  write(file: string, data: Uint8Array): void {
    this.folder(dirname(file));
    this.files.push({ file, data });
    this.bytes += data.length;
    if (this.files.length >= BATCH_FILES || this.bytes >= BATCH_BYTES) this.send();
  }

  /** Writes the bytes a piece stands for, built in shared memory; returns their number. */
  build(file: string, piece: Piece): number {
    this.builder ??= new ByteBuilder(newBlock(), true);
    const start = this.builder.size;
    const data = this.builder.raw(piece).since(start);
    this.write(file, data);
    return data.length;
  }

  /** Makes a folder (and its parents) if this writer has not made it yet. */
  folder(path: string): void {
    const parent = dirname(path);
    if (this.made.has(path) || parent === path) return;
    this.folder(parent);
    this.made.add(path);
    this.folders.push(path);
  }

  /** Resolves when everything given so far is written; rejects with the first failure. */
  async done(): Promise<void> {
    this.send();
    await Promise.all(this.batches);
    this.keepBlocksForNextWriter();
  }

  /** Waits until the worker has stopped writing for this writer, failed or not (before the files are removed). */
  async settled(): Promise<void> {
    this.send();
    await Promise.allSettled(this.batches);
    this.keepBlocksForNextWriter();
  }

  private send(): void {
    if (!this.files.length && !this.folders.length) return;
    const batch = this.batches.length + 1;
    this.batches.push(askFileThread({ folders: this.folders, files: this.files, written: this.written, batch }));
    this.folders = [];
    this.files = [];
    this.bytes = 0;
    if (this.builder?.size) {
      this.blocks.push({ memory: this.builder.memory, batch });
      this.builder.restart(this.freeBlock());
    }
  }

  /** A block the worker is done with, or a new one. */
  private freeBlock(): Buffer {
    const written = Atomics.load(this.written, 0);
    const free = this.blocks.findIndex((block) => block.batch <= written);
    if (free >= 0) return this.blocks.splice(free, 1)[0]!.memory;
    return newBlock();
  }

  /** Once everything is written: this writer's blocks are kept for the next one, up to a few (and none grown large). */
  private keepBlocksForNextWriter(): void {
    const unused = this.blocks.splice(0).map((block) => block.memory);
    if (this.builder) unused.push(this.builder.memory);
    this.builder = undefined;
    for (const memory of unused) if (spareBlocks.length < SPARE_BLOCKS && memory.length <= 2 * BLOCK_BYTES) spareBlocks.push(memory);
  }
}

function newBlock(): Buffer {
  return spareBlocks.pop() ?? Buffer.from(new SharedArrayBuffer(BLOCK_BYTES));
}
