import { readFileSync } from 'node:fs';

/**
 * Runs `work` over the items with at most `limit` at a time, results in item order. Used for work that
 * waits on something else (large files streamed from a zip).
 */
export async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Files read or written at once. */
export const PARALLEL_FILES = 8;

/** How long file work may hold the event loop before it lets other work run. */
const SLICE_MS = 15;

/**
 * Does `work` for each item synchronously, in slices of a few milliseconds with a pause for the event
 * loop between them. Many small files are written and read faster this way than through the thread
 * pool (a round trip per file), and the server still answers while it runs.
 */
export async function inSlices<T, R>(items: readonly T[], work: (item: T) => R): Promise<R[]> {
  const results = new Array<R>(items.length);
  let sliceStart = performance.now();
  for (let i = 0; i < items.length; i++) {
    results[i] = work(items[i]!);
    if (performance.now() - sliceStart > SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      sliceStart = performance.now();
    }
  }
  return results;
}

export function readFiles(files: readonly string[]): Promise<Buffer[]> {
  return inSlices(files, (file) => readFileSync(file));
}
