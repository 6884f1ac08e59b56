import { dirname } from 'node:path';
import { askFileThread } from './fileThread';

/** Files (or bytes) per message: few enough messages, and the worker starts while the next batch is made. */
const BATCH_FILES = 64;
const BATCH_BYTES = 1024 * 1024;

/**
 * Writes files on a worker thread while the caller makes the next ones: an unpack creates hundreds or
 * thousands of small files, and this way the file system's work runs on the second core beside the
 * split. Bytes in shared memory (a ByteBuilder made with `shared`) reach the worker without a copy;
 * others are copied. Folders are made as needed, each once, parents first.
 */
export class BackgroundWriter {
  private folders: string[] = [];
  private files: Array<{ file: string; data: Uint8Array }> = [];
  private bytes = 0;
  private readonly made = new Set<string>();
  private readonly batches: Array<Promise<unknown>> = [];

  /** `root` exists already; every file goes somewhere under it. */
  constructor(root: string) {
    this.made.add(root);
  }

  write(file: string, data: Uint8Array): void {
    this.folder(dirname(file));
    this.files.push({ file, data });
    this.bytes += data.length;
    if (this.files.length >= BATCH_FILES || this.bytes >= BATCH_BYTES) this.send();
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
  }

  /** Waits until the worker has stopped writing for this writer, failed or not (before the files are removed). */
  async settled(): Promise<void> {
    this.send();
    await Promise.allSettled(this.batches);
  }

  private send(): void {
    if (!this.files.length && !this.folders.length) return;
    this.batches.push(askFileThread({ folders: this.folders, files: this.files }));
    this.folders = [];
    this.files = [];
    this.bytes = 0;
  }
}
