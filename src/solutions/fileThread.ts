import { Worker } from 'node:worker_threads';

/**
 * The worker: reads or writes the files of each request synchronously (a thread-pool round trip per
 * file costs more than the file), then answers with the request's number. Plain JavaScript run by
 * `eval`, so it needs no file of its own in the bundle.
 * - write: makes the folders (parents first), then writes the files, then counts the batch as
 *   written in the writer's shared counter (so its memory can be used again);
 * - read: reads the files, each refused when larger than its limit, and hands their memory over.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, writeSync } = require('node:fs');
const WRITE = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC;
function write({ folders, files, written: batches, batch }) {
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
    return {};
  } finally {
    if (batches) Atomics.store(batches, 0, batch);
  }
}
function read({ read: files }) {
  const found = [];
  for (const { file, limit } of files) {
    const fd = openSync(file, constants.O_RDONLY);
    try {
      const size = fstatSync(fd).size;
      if (size > limit) return { tooLarge: { file, size } };
      const data = Buffer.allocUnsafeSlow(size);
      let at = 0;
      for (let count = 1; at < size && count; at += count) count = readSync(fd, data, at, size - at, at);
      found.push(data.subarray(0, at));
    } finally {
      closeSync(fd);
    }
  }
  return { files: found };
}
parentPort.on('message', (request) => {
  let answer;
  try {
    answer = request.read ? read(request) : write(request);
  } catch (error) {
    answer = { error: { message: String(error && error.message), code: error && error.code } };
  }
  answer.id = request.id;
  parentPort.postMessage(answer, (answer.files || []).map((data) => data.buffer));
});`;

export interface FileThreadAnswer {
  /** The files read, in the order asked. */
  files?: Uint8Array[];
  /** A file over its limit: nothing further was read. */
  tooLarge?: { file: string; size: number };
}

interface Waiting {
  resolve(answer: FileThreadAnswer): void;
  reject(error: Error): void;
}

/** One worker for the process, started on first use; it holds the process open only while it has work. */
let thread: { worker: Worker; waiting: Map<number, Waiting>; next: number } | undefined;

function fileThread(): NonNullable<typeof thread> {
  if (thread) return thread;
  const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'solution files' });
  const current = { worker, waiting: new Map<number, Waiting>(), next: 0 };
  worker.unref();
  worker.on('message', ({ id, error, ...answer }: FileThreadAnswer & { id: number; error?: { message: string; code?: string } }) => {
    const waiting = current.waiting.get(id)!;
    current.waiting.delete(id);
    if (!current.waiting.size) worker.unref();
    if (error) waiting.reject(Object.assign(new Error(error.message), { code: error.code }));
    else waiting.resolve(answer);
  });
  const fail = (error: Error) => {
    if (thread === current) thread = undefined;
    for (const waiting of current.waiting.values()) waiting.reject(error);
    current.waiting.clear();
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`The solution files thread stopped (exit code ${code}).`)));
  thread = current;
  return current;
}

export type FileThreadRequest =
  | { folders: string[]; files: Array<{ file: string; data: Uint8Array }>; written?: Int32Array; batch?: number }
  | { read: Array<{ file: string; limit: number }> };

/**
 * Sends a request to the file thread. Bytes in shared memory reach it without a copy; others are copied.
 * The returned promise never counts as an unhandled rejection before it is awaited.
 */
export function askFileThread(request: FileThreadRequest): Promise<FileThreadAnswer> {
  const current = fileThread();
  const id = current.next++;
  const answer = new Promise<FileThreadAnswer>((resolve, reject) => current.waiting.set(id, { resolve, reject }));
  answer.catch(() => undefined);
  current.worker.ref();
  current.worker.postMessage({ ...request, id });
  return answer;
}
