import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';

/**
 * The worker: for each batch, makes its folders (parents first) and writes its files, synchronously
 * (a thread-pool round trip per file costs more than the write), then answers with the batch's number
 * and the first failure, if any. Plain JavaScript run by `eval`, so it needs no file of its own in the bundle.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { closeSync, constants, mkdirSync, openSync, writeSync } = require('node:fs');
const WRITE = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC;
parentPort.on('message', ({ id, folders, files }) => {
  try {
    for (const folder of folders) mkdirSync(folder, { recursive: true });
    for (const { file, data } of files) {
      const fd = openSync(file, WRITE, 0o666);
      try {
        for (let written = 0; written < data.length; ) written += writeSync(fd, data, written);
      } finally {
        closeSync(fd);
      }
    }
    parentPort.postMessage({ id });
  } catch (error) {
    parentPort.postMessage({ id, error: { message: String(error && error.message), code: error && error.code } });
  }
});`;

/** Files (or bytes) per message: few enough messages, and the worker starts while the next batch is made. */
const BATCH_FILES = 64;
const BATCH_BYTES = 1024 * 1024;

interface Waiting {
  resolve(): void;
  reject(error: Error): void;
}

/** One worker for the process, started on first use; it holds the process open only while it has work. */
let thread: { worker: Worker; waiting: Map<number, Waiting>; next: number } | undefined;

function writerThread(): NonNullable<typeof thread> {
  if (thread) return thread;
  const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'solution file writer' });
  const current = { worker, waiting: new Map<number, Waiting>(), next: 0 };
  worker.unref();
  worker.on('message', ({ id, error }: { id: number; error?: { message: string; code?: string } }) => {
    const waiting = current.waiting.get(id)!;
    current.waiting.delete(id);
    if (!current.waiting.size) worker.unref();
    if (!error) return waiting.resolve();
    waiting.reject(Object.assign(new Error(error.message), { code: error.code }));
  });
  const fail = (error: Error) => {
    if (thread === current) thread = undefined;
    for (const waiting of current.waiting.values()) waiting.reject(error);
    current.waiting.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`The file writer thread stopped (exit code ${code}).`)));
  thread = current;
  return current;
}

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
  private readonly batches: Array<Promise<void>> = [];

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
    const writer = writerThread();
    const id = writer.next++;
    const message = { id, folders: this.folders, files: this.files };
    this.folders = [];
    this.files = [];
    this.bytes = 0;
    const batch = new Promise<void>((resolve, reject) => writer.waiting.set(id, { resolve, reject }));
    // A failure is reported by done(); until then it is not an unhandled rejection.
    batch.catch(() => undefined);
    this.batches.push(batch);
    writer.worker.ref();
    writer.worker.postMessage(message);
  }
}
