import { close, closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { SolutionFileError } from './errors';

/**
 * Opens a file for reading only if it is a regular file. The open does not block (a named pipe with no
 * writer would wait forever), and what was opened is checked before a byte is read, so a path swapped
 * for a pipe or a folder is refused too. Synchronous: an open and an fstat cost microseconds, and two
 * thread-pool round trips took 5-20 ms each on a busy machine. Returns the descriptor and its size;
 * the caller closes it.
 */
export function openRegularFile(path: string, shownAs: string = path): { fd: number; size: number } {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  let stats: Stats;
  try {
    stats = fstatSync(fd);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (!stats.isFile()) {
    closeSync(fd);
    const kind = stats.isDirectory() ? 'a folder' : stats.isFIFO() ? 'a named pipe (FIFO)' : 'not a regular file';
    throw new SolutionFileError(
      'NotAFile',
      `${shownAs} is ${kind}; only regular files are read. Nothing was read.`,
      'Give the path of a regular file.',
    );
  }
  return { fd, size: stats.size };
}

/** The bytes of a small regular file: a settings or submission file (see openRegularFile). */
export function readRegularFile(path: string, shownAs: string = path): Buffer {
  const { fd, size } = openRegularFile(path, shownAs);
  try {
    return readOpenFileSync(fd, size);
  } finally {
    closeSync(fd);
  }
}

/** Reads a small open file from its start to its end at once (even if it grew since `size` was read). */
export function readOpenFileSync(fd: number, size: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buffer = Buffer.allocUnsafe(Math.max(64 * 1024, size - total));
    const bytesRead = readSync(fd, buffer, 0, buffer.length, total);
    if (!bytesRead) break;
    chunks.push(buffer.subarray(0, bytesRead));
    total += bytesRead;
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

/** Closes a descriptor from openRegularFile, ignoring a second close. */
export function closeQuietly(fd: number): void {
  close(fd, () => undefined);
}
