/**
 * Starts reading batches from `source` at once, before anyone asks, and keeps up to `limit` items
 * (the batches' lengths added up) until the consumer starts iterating; from then on it reads as it
 * is asked. The import reads the start of data.xml this way while the tables' metadata is on its way.
 * A failure while reading ahead surfaces when the consumer reaches it; `close` stops the reading.
 */
export interface ReadAhead<T> extends AsyncIterable<T[]> {
  close(): Promise<void>;
}

export function readAhead<T>(source: AsyncIterable<T[]>, limit: number): ReadAhead<T> {
  const iterator = source[Symbol.asyncIterator]();
  const held: T[][] = [];
  let count = 0;
  let ended = false;
  let failure: { error: unknown } | undefined;
  let stopped = false;
  const filling = (async () => {
    while (!stopped && count < limit) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        return;
      }
      held.push(next.value);
      count += next.value.length;
    }
  })().catch((error: unknown) => {
    failure = { error };
  });
  let closed = false;
  const close = async () => {
    stopped = true;
    await filling;
    if (closed) return;
    closed = true;
    if (!ended && !failure) await iterator.return?.();
  };
  return {
    close,
    async *[Symbol.asyncIterator]() {
      stopped = true;
      await filling;
      try {
        yield* held.splice(0);
        if (failure) throw failure.error;
        if (ended) return;
        for (;;) {
          const next = await iterator.next();
          if (next.done) {
            ended = true;
            return;
          }
          yield next.value;
        }
      } finally {
        await close();
      }
    },
  };
}
