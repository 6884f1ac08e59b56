import { constants, crc32, deflateRaw, type ZlibOptions } from 'node:zlib';

/** The size of the pieces a large member is compressed in. */
export const PIECE_BYTES = 1024 * 1024;
/** Deflate looks back at most this far: the dictionary each piece is primed with. */
const WINDOW_BYTES = 32 * 1024;

/** A member compressed already: its Deflate stream in pieces, with the CRC-32 and size of what went in. */
export interface Deflated {
  pieces: Buffer[];
  crc: number;
  size: number;
}

/**
 * One Deflate stream made of pieces compressed side by side on the thread pool, as pigz does: each piece
 * is primed with the 32 KB before it as its dictionary and ends on a sync flush (the last one ends the
 * stream), so the pieces joined are one stream of about the size a single call makes, made on every
 * core, and while the caller makes the next bytes.
 */
export class DeflateInPieces {
  private readonly pieces: Array<Promise<Buffer>> = [];
  private crc = 0;
  private size = 0;
  private previous?: Buffer;

  constructor(private readonly options: ZlibOptions = { level: 6 }) {}

  /** Starts compressing the next bytes; they must stay as they are until `finish` resolves. */
  add(bytes: Buffer): void {
    this.start(bytes, constants.Z_SYNC_FLUSH);
  }

  /** The last bytes (may be empty); resolves when every piece is compressed. */
  async finish(last: Buffer = Buffer.alloc(0)): Promise<Deflated> {
    this.start(last, constants.Z_FINISH);
    return { pieces: await Promise.all(this.pieces), crc: this.crc, size: this.size };
  }

  private start(bytes: Buffer, finishFlush: number): void {
    const options: ZlibOptions = { ...this.options, finishFlush, chunkSize: Math.max(16 * 1024, bytes.length >> 1) };
    if (this.previous?.length) options.dictionary = this.previous.subarray(Math.max(0, this.previous.length - WINDOW_BYTES));
    const piece = new Promise<Buffer>((resolve, reject) =>
      deflateRaw(bytes, options, (error, compressed) => (error ? reject(error) : resolve(compressed))),
    );
    // A failure is reported by finish; until then it is not an unhandled rejection.
    piece.catch(() => undefined);
    this.pieces.push(piece);
    this.crc = crc32(bytes, this.crc);
    this.size += bytes.length;
    this.previous = bytes;
  }
}

/** A buffer compressed in pieces side by side (see DeflateInPieces). */
export function deflateWhole(data: Buffer, options?: ZlibOptions): Promise<Deflated> {
  const deflate = new DeflateInPieces(options);
  let at = 0;
  for (; data.length - at > PIECE_BYTES; at += PIECE_BYTES) deflate.add(data.subarray(at, at + PIECE_BYTES));
  return deflate.finish(data.subarray(at));
}
