import { Transform, type TransformCallback } from 'node:stream';

/** The largest message read from stdin: the MCP SDK's own read buffer is 10 MiB. */
export const MAX_STDIO_MESSAGE_BYTES = 10 * 1024 * 1024 - 1;

export interface OversizedMessage {
  /** The message's bytes, its newline left out. */
  bytes: number;
  /** Its top-level JSON-RPC id, when it had one. */
  id: string | number | undefined;
}

/**
 * Passes stdin on one whole line (one JSON-RPC message) at a time, so the SDK's read buffer never
 * overflows (it would close the transport and leave the server deaf). A line over the limit is
 * dropped as it streams in, keeping only what is needed to find its id, and reported to `onOversized`.
 */
export class MessageSizeLimit extends Transform {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Set while the rest of an oversized line is being dropped. */
  private dropping?: { bytes: number; id: TopLevelId };

  constructor(
    private readonly maxBytes: number,
    private readonly onOversized: (message: OversizedMessage) => void,
  ) {
    // Each line stays its own chunk: the SDK must never receive two lines joined into one over its limit.
    super({ readableObjectMode: true });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline < 0 ? chunk.length : newline;
      this.hold(chunk.subarray(start, end));
      if (newline < 0) break;
      this.endLine();
      start = newline + 1;
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.pendingBytes || this.dropping) this.endLine();
    done();
  }

  private hold(part: Buffer): void {
    if (!part.length) return;
    if (!this.dropping && this.pendingBytes + part.length <= this.maxBytes) {
      this.pending.push(part);
      this.pendingBytes += part.length;
      return;
    }
    if (!this.dropping) {
      const id = new TopLevelId();
      for (const held of this.pending) id.feed(held);
      this.dropping = { bytes: this.pendingBytes, id };
      this.pending = [];
      this.pendingBytes = 0;
    }
    this.dropping.bytes += part.length;
    this.dropping.id.feed(part);
  }

  private endLine(): void {
    if (this.dropping) {
      const { bytes, id } = this.dropping;
      this.dropping = undefined;
      this.onOversized({ bytes, id: id.value });
      return;
    }
    this.pending.push(Buffer.from('\n'));
    this.push(Buffer.concat(this.pending));
    this.pending = [];
    this.pendingBytes = 0;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Finds the `id` member of the top-level JSON object fed through it, byte by byte with constant
 * memory, so a request too large to hold can still be answered. JSON's structure is ASCII, so the
 * bytes of multi-byte characters inside strings never look like quotes or brackets.
 */
export class TopLevelId {
  value: string | number | undefined;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The string being read, kept only when it is a top-level key or the id's value. */
  private text: number[] | undefined;
  private key: string | undefined;
  private afterColon = false;
  private number = '';

  feed(bytes: Buffer): void {
    for (const byte of bytes) this.step(byte);
  }

  private step(byte: number): void {
    if (this.inString) return this.stringByte(byte);
    const char = String.fromCharCode(byte);
    if (byte === QUOTE) {
      this.inString = true;
      this.text = this.depth === 1 && (!this.afterColon || this.key === 'id') ? [] : undefined;
    } else if (char === '{' || char === '[') {
      this.depth++;
    } else if (char === '}' || char === ']') {
      if (this.depth === 1) this.endValue();
      this.depth--;
    } else if (char === ':' && this.depth === 1) {
      this.afterColon = true;
    } else if (char === ',' && this.depth === 1) {
      this.endValue();
    } else if (this.depth === 1 && this.afterColon && this.key === 'id' && /[-+.\deE]/.test(char)) {
      this.number += char;
    }
  }

  private stringByte(byte: number): void {
    if (this.escaped) this.escaped = false;
    else if (byte === BACKSLASH) this.escaped = true;
    else if (byte === QUOTE) {
      this.inString = false;
      return this.endString();
    }
    if (this.text && this.text.length < 1024) this.text.push(byte);
    else this.text = undefined;
  }

  private endString(): void {
    if (!this.text || this.depth !== 1) return;
    let decoded: string;
    try {
      decoded = JSON.parse(`"${Buffer.from(this.text).toString('utf8')}"`) as string;
    } catch {
      return;
    }
    if (!this.afterColon) this.key = decoded;
    else if (this.key === 'id') this.value = decoded;
    this.text = undefined;
  }

  private endValue(): void {
    if (this.key === 'id' && this.number && Number.isFinite(Number(this.number))) this.value = Number(this.number);
    this.number = '';
    this.key = undefined;
    this.afterColon = false;
  }
}
