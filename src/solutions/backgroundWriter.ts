import { dirname } from 'node:path';
import { FILE_THREADS, askFileThread } from './fileThread';
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
 * Writes files on worker threads while the caller makes the next ones: an unpack creates hundreds or
 * thousands of small files, and this way the file system's work runs on the second core beside the
 * split (and on both once the split is done). Folders are made as needed, parents first: once by each
 * thread that writes in them, as a thread may get to a file before the other has made its folder.
 *
 * Files given as pieces (`build`) are built in blocks of shared memory, which reach the worker without a
 * copy, and a block is used again once the worker has written its batch: the worker counts the batches
 * written in shared memory, so that is known without waiting for its answer. Touching fresh memory is
 * what costs here (a page fault per 4 KB); one buffer for all the files of a 64-copy solution made the
 * unpack's time grow faster than its size.
 */
export class BackgroundWriter {
  private files: Array<{ file: string; data: Uint8Array }> = [];
  /** The folders the files of the next batch go in, or that were asked for. */
  private folders: string[] = [];
  private bytes = 0;
  /** Batches go to the file threads in turn; each thread makes the folders its files need that it has not made. */
  private readonly made: Array<Set<string>>;
  private readonly sent: number[] = new Array<number>(FILE_THREADS).fill(0);
  private readonly batches: Array<Promise<unknown>> = [];
  /** The number of batches each file thread has written, in shared memory. */
  private readonly written = new Int32Array(new SharedArrayBuffer(4 * FILE_THREADS));
  /** Blocks sent, and the batch of their thread after which each is free again. */
  private readonly blocks: Array<{ memory: Buffer; lane: number; batch: number }> = [];
  private builder?: ByteBuilder;

  /** `root` exists already; every file goes somewhere under it. */
  constructor(root: string) {
    this.made = Array.from({ length: FILE_THREADS }, () => new Set([root]));
  }

  /** Writes bytes as they are (they must stay as they are until `done`; bytes not in shared memory are copied). */
  write(file: string, data: Uint8Array): void {
    this.folders.push(dirname(file));
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

  /** Makes a folder (and its parents) with the next batch, if it is not made yet. */
  folder(path: string): void {
    this.folders.push(path);
  }

  /** Resolves when everything given so far is written; rejects with the first failure. */
  async done(): Promise<void> {
    this.send();
    await Promise.all(this.batches);
    this.spareBlocks();
  }

  /** Waits until the worker has stopped writing for this writer, failed or not (before the files are removed). */
  async settled(): Promise<void> {
    this.send();
    await Promise.allSettled(this.batches);
    this.spareBlocks();
  }

  private send(): void {
    if (!this.files.length && !this.folders.length) return;
    const lane = this.batches.length % FILE_THREADS;
    const folders: string[] = [];
    for (const folder of this.folders) newFolders(folder, this.made[lane]!, folders);
    const batch = ++this.sent[lane]!;
    this.batches.push(askFileThread({ folders, files: this.files, written: this.written, lane, batch }, lane));
    this.folders = [];
    this.files = [];
    this.bytes = 0;
    if (this.builder?.size) {
      this.blocks.push({ memory: this.builder.memory, lane, batch });
      this.builder.restart(this.freeBlock());
    }
  }

  /** A block the file threads are done with, or a new one. */
  private freeBlock(): Buffer {
    const free = this.blocks.findIndex((block) => block.batch <= Atomics.load(this.written, block.lane));
    if (free >= 0) return this.blocks.splice(free, 1)[0]!.memory;
    return newBlock();
  }

  /** Once everything is written: this writer's blocks are kept for the next one, up to a few (and none grown large). */
  private spareBlocks(): void {
    const unused = this.blocks.splice(0).map((block) => block.memory);
    if (this.builder) unused.push(this.builder.memory);
    this.builder = undefined;
    for (const memory of unused) if (spareBlocks.length < SPARE_BLOCKS && memory.length <= 2 * BLOCK_BYTES) spareBlocks.push(memory);
  }
}

function newBlock(): Buffer {
  return spareBlocks.pop() ?? Buffer.from(new SharedArrayBuffer(BLOCK_BYTES));
}

/** Adds a folder and the parents not made yet to `folders`, parents first, and counts them as made. */
function newFolders(path: string, made: Set<string>, folders: string[]): void {
  const parent = dirname(path);
  if (made.has(path) || parent === path) return;
  newFolders(parent, made, folders);
  made.add(path);
  folders.push(path);
}
