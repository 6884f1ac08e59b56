import { StringDecoder } from 'node:string_decoder';
import type { CmtEvent } from './cmtRecords';
import { asCmtFormatError } from './cmtSchema';
import { DataXmlHandler } from './dataXmlHandler';

/** Bytes decoded at a time: a string over 128 KB goes to V8's large-object space, which makes decoding many times slower. */
const DECODE_BYTES = 32 * 1024;

/**
 * Reads data.xml as it streams in, once: entities, records with their fields (party lists
 * included) and N:N links come out as events in file order, a chunk of the file at a time, while
 * memory holds only the records of that chunk. The reader expands no entities of its own and
 * refuses a DOCTYPE. `fieldNames`, the schema's, are known before the first record.
 */
export async function* readDataBatches(
  chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  file: string,
  fieldNames: Iterable<string> = [],
): AsyncGenerator<CmtEvent[]> {
  const events = new DataXmlHandler(file, fieldNames);
  const reader = events.reader;
  // A chunk may end inside a multi-byte character: the decoder keeps its first bytes for the next one.
  const decoder = new StringDecoder('utf8');
  const feed = (piece: string | undefined) => {
    try {
      if (piece === undefined) reader.end();
      else reader.write(piece);
    } catch (error) {
      throw asCmtFormatError(error, file);
    }
  };
  let first = true;
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.length; at += DECODE_BYTES) {
      let piece = typeof chunk === 'string' ? chunk.slice(at, at + DECODE_BYTES) : decoder.write(chunk.subarray(at, at + DECODE_BYTES));
      if (first && piece) {
        piece = piece.replace(/^\uFEFF/, '');
        first = false;
      }
      feed(piece);
    }
    if (events.ready.length) yield events.take();
  }
  feed(decoder.end());
  feed(undefined);
  if (events.ready.length) yield events.take();
}
