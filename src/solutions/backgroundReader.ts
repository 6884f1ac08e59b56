import { askFileThread, type FileThreadAnswer } from './fileThread';

/** Files per request: the worker reads the next batch while the caller works on the one before. */
const BATCH_FILES = 64;
/** Requests on their way at once. */
const AHEAD = 4;

/**
 * Reads files on a worker thread, a batch at a time, handing each batch to `onBatch` as it arrives, so
 * the caller parses what is read while the next files are read. A file larger than its limit stops the
 * reading before it is read; `tooLarge` then says what to throw.
 */
export async function readInBackground(
  files: ReadonlyArray<{ file: string; limit: number }>,
  onBatch: (first: number, data: Buffer[]) => void,
  tooLarge: (file: string, size: number) => Error,
): Promise<void> {
  const requests: Array<Promise<FileThreadAnswer>> = [];
  const ask = (first: number) => {
    if (first < files.length) requests.push(askFileThread({ read: files.slice(first, first + BATCH_FILES) }));
  };
  for (let i = 0; i < AHEAD; i++) ask(i * BATCH_FILES);
  for (let batch = 0; batch * BATCH_FILES < files.length; batch++) {
    const answer = await requests[batch]!;
    if (answer.tooLarge) throw tooLarge(answer.tooLarge.file, answer.tooLarge.size);
    ask((batch + AHEAD) * BATCH_FILES);
    onBatch(
      batch * BATCH_FILES,
      answer.files!.map((data) => Buffer.from(data.buffer, data.byteOffset, data.length)),
    );
  }
}
