import { isSpace, type El, type XmlSlices } from './xmlSlices';

export const DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';
export const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';
const XSI = ` xmlns:xsi="${XSI_NAMESPACE}"`;
/** Every text file of the layout starts with a UTF-8 byte order mark. */
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const SPACE = Buffer.from(' ', 'latin1');
const LT = 60;
const GT = 62;
const LF = 10;
const CR = 13;

/** Writes into a builder when the builder gets to it, so nested parts need no buffers of their own. */
export type Writer = (builder: ByteBuilder) => void;
/** Text that goes into a builder: small strings, bytes already built, or a writer. */
export type Piece = string | Buffer | Writer;

/**
 * Bytes put together from pieces of parsed documents, in one growing buffer. A copied piece keeps its
 * bytes, with three changes SolutionPackager's writer makes too: indentation moved by `delta` spaces
 * (so a part cut out of customizations.xml starts at the left margin of its own file, and goes back at
 * its depth), CRLF line ends, and `<a/>` written `<a />`. Only whitespace between tags moves: text,
 * CDATA and comments stay as they are.
 */
export class ByteBuilder {
  private buffer: Buffer;
  private length = 0;
  private nextHandOff = Infinity;
  private handOffEvery = Infinity;
  private take?: (bytes: Buffer) => void;

  /**
   * `shared`: in shared memory, so the bytes reach a worker thread without a copy (see BackgroundWriter).
   * `start`: the size to allocate first, or memory to start in.
   */
  constructor(
    start: number | Buffer = 4096,
    private readonly shared = false,
  ) {
    this.buffer = typeof start === 'number' ? this.allocate(Math.max(64, start)) : start;
  }

  private allocate(size: number): Buffer {
    return this.shared ? Buffer.from(new SharedArrayBuffer(size)) : Buffer.allocUnsafe(size);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const bigger = this.allocate(Math.max(this.buffer.length * 2, this.length + extra));
    this.buffer.copy(bigger, 0, 0, this.length);
    this.buffer = bigger;
  }

  private bytes(source: Buffer, from: number, to: number): void {
    const count = to - from;
    if (count <= 0) return;
    this.reserve(count);
    // Most pieces are one line (50 bytes in solution XML): copied byte by byte, they cost less than a call into `copy` or `set`.
    if (count < 64) {
      const target = this.buffer;
      let at = this.length;
      for (let i = from; i < to; i++) target[at++] = source[i]!;
    } else {
      source.copy(this.buffer, this.length, from, to);
    }
    this.length += count;
  }

  /**
   * Hands what is written, in pieces of at least `every` bytes (cut at line ends), to `take` as it is written
   * (pack compresses them while it writes the rest); `result` then gives what is left at the end. The pieces stay as
   * they are: after each, the builder goes on in memory of its own, twice `every`. Pieces of a few MB come
   * from memory the process has used before; one buffer for all of a large file is fresh memory each time,
   * and touching fresh memory costs a page fault per 4 KB (in 18 MB, more than copying the bytes did).
   */
  handOff(every: number, take: (bytes: Buffer) => void): this {
    this.handOffEvery = every;
    this.nextHandOff = this.length + every;
    this.take = take;
    return this;
  }

  private handOffNow(): void {
    const piece = this.result();
    this.restart(this.allocate(2 * this.handOffEvery));
    this.take!(piece);
  }

  raw(piece: Piece): this {
    if (typeof piece === 'function') {
      piece(this);
    } else if (typeof piece === 'string') {
      this.reserve(piece.length * 3);
      this.length += this.buffer.write(piece, this.length, 'utf8');
      if (this.length >= this.nextHandOff) this.handOffNow();
    } else {
      this.bytes(piece, 0, piece.length);
    }
    return this;
  }

  bom(): this {
    return this.raw(BOM);
  }

  /** A newline and the indentation of the next line. */
  line(indent: number): this {
    // Written here byte by byte: one of these per line of every file.
    if (this.length >= this.nextHandOff) this.handOffNow();
    this.reserve(2 + indent);
    const target = this.buffer;
    let at = this.length;
    target[at++] = CR;
    target[at++] = LF;
    for (const end = at + indent; at < end;) target[at++] = 32;
    this.length = at;
    return this;
  }

  copy(doc: XmlSlices, from: number, to: number, delta: number): this {
    const source = doc.bytes;
    const opaque = doc.opaque;
    const tight = doc.tightSelfClosing;
    let o = firstPairEndingAfter(opaque, from);
    let t = firstAtOrAfter(tight, from);
    let at = from;
    for (;;) {
      const opaqueStart = o < opaque.length ? Math.max(opaque[o]!, at) : to;
      const nextTight = t < tight.length ? tight[t]! : to;
      const stop = Math.min(opaqueStart, nextTight, to);
      this.shifted(source, at, stop, delta);
      if (stop === to) return this;
      if (stop === nextTight && nextTight < opaqueStart) {
        this.bytes(SPACE, 0, 1);
        t++;
        at = stop;
        continue;
      }
      // CDATA and comments keep their whitespace; only their line ends become CRLF.
      const opaqueEnd = Math.min(opaque[o + 1]!, to);
      this.shifted(source, stop, opaqueEnd, 0);
      o += 2;
      at = opaqueEnd;
    }
  }

  /**
   * Bytes between tags with their indentation moved: a newline counts as indentation when only
   * whitespace stands between it and the previous tag's `>`, and spaces then a `<` follow it.
   */
  private shifted(source: Buffer, from: number, to: number, delta: number): void {
    let last = from;
    for (let nl = source.indexOf(LF, from); nl >= 0 && nl < to; nl = source.indexOf(LF, nl + 1)) {
      const crlf = nl > from && source[nl - 1] === CR;
      if (delta) {
        let next = nl + 1;
        while (next < to && source[next] === 32) next++;
        if (source[next] === LT && afterTag(source, crlf ? nl - 1 : nl)) {
          const indent = Math.max(0, next - nl - 1 + delta);
          if (crlf && delta < 0) {
            // Fewer spaces: the line end and the spaces kept go out with the next line's bytes, as they stand.
            this.bytes(source, last, nl + 1);
            last = next - indent;
          } else {
            this.bytes(source, last, crlf ? nl - 1 : nl);
            this.line(indent);
            last = next;
          }
          nl = next - 1;
          continue;
        }
      }
      if (!crlf) {
        this.bytes(source, last, nl);
        this.line(0);
        last = nl + 1;
      }
    }
    this.bytes(source, last, to);
  }

  /**
   * Copies an element with some of its descendants replaced by other text (each replacement covers
   * the whole replaced element, tags included). Replaced elements must not contain one another.
   */
  copyReplacing(doc: XmlSlices, e: El, delta: number, replacements: Map<El, Piece>, from = doc.start(e)): this {
    let at = from;
    for (const [replaced, piece] of [...replacements].sort(([a], [b]) => doc.start(a) - doc.start(b))) {
      if (doc.start(replaced) < at) continue;
      this.copy(doc, at, doc.start(replaced), delta).raw(piece);
      at = doc.end(replaced);
    }
    return this.copy(doc, at, doc.end(e), delta);
  }

  result(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  /** The memory written into now (a larger one once the builder has grown). */
  get memory(): Buffer {
    return this.buffer;
  }

  /** Starts again, empty, in `memory` (memory whose bytes are no longer needed, used again). */
  restart(memory: Buffer): this {
    this.buffer = memory;
    this.length = 0;
    this.nextHandOff = this.handOffEvery;
    return this;
  }

  /** How many bytes are written so far. */
  get size(): number {
    return this.length;
  }

  /**
   * The bytes written since `from`. The view stays good when the builder grows later: growing copies
   * into a new buffer and leaves the old one, which the view holds, as it was.
   */
  since(from: number): Buffer {
    return this.buffer.subarray(from, this.length);
  }

  toString(): string {
    return this.buffer.toString('utf8', 0, this.length);
  }
}

/** True when only whitespace stands between the previous tag's `>` and `position`. */
function afterTag(source: Buffer, position: number): boolean {
  for (let at = position - 1; at >= 0; at--) {
    const code = source[at]!;
    if (code === GT) return true;
    if (!isSpace(code)) return false;
  }
  return false;
}

function firstAtOrAfter(sorted: number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (sorted[middle]! < value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** Index (even) of the first [start, end) pair whose end is after `value`. */
function firstPairEndingAfter(pairs: number[], value: number): number {
  let low = 0;
  let high = pairs.length / 2;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (pairs[middle * 2 + 1]! <= value) low = middle + 1;
    else high = middle;
  }
  return low * 2;
}

/**
 * One component file as SolutionPackager writes it: BOM, declaration, CRLF, the element at the left
 * margin, and (unless `xsi` is false) the xsi namespace declared on its root.
 */
export function elementFile(doc: XmlSlices, e: El, options: { xsi?: boolean; replacements?: Map<El, Piece> } = {}): Writer {
  const delta = -doc.indentOf(e);
  const replacements = options.replacements ?? new Map<El, Piece>();
  return (builder) => {
    builder.bom().raw(`${DECLARATION}\r\n`);
    if (options.xsi === false || doc.xsiDeclaration(e)) {
      builder.copyReplacing(doc, e, delta, replacements);
      return;
    }
    const at = doc.attributesEnd(e);
    builder.copy(doc, doc.start(e), at, delta).raw(XSI).copyReplacing(doc, e, delta, replacements, at);
  };
}

/** The element inside a new root `wrapper` (forms, savedqueries), one level in. */
export function wrappedFile(doc: XmlSlices, e: El, wrapper: string): Writer {
  return (builder) =>
    builder
      .bom()
      .raw(`${DECLARATION}\r\n<${wrapper}${XSI}>`)
      .line(2)
      .copy(doc, doc.start(e), doc.end(e), 2 - doc.indentOf(e))
      .raw(`\r\n</${wrapper}>`);
}

/** A file holding a new root and the given elements (relationships grouped by entity). */
export function groupFile(root: string, doc: XmlSlices, items: El[]): Writer {
  return (builder) => {
    builder.bom().raw(`${DECLARATION}\r\n<${root}${XSI}`);
    if (!items.length) {
      builder.raw(' />');
      return;
    }
    builder.raw('>');
    for (const item of items) builder.line(2).copy(doc, doc.start(item), doc.end(item), 2 - doc.indentOf(item));
    builder.raw(`\r\n</${root}>`);
  };
}

/** A file of new text: BOM and the text with CRLF line ends. */
export function textFile(text: string): Writer {
  return (builder) => builder.bom().raw(withCrlf(text));
}

/** The bytes a piece stands for (a writer run into a buffer of its own). */
export function bytesOf(piece: Piece): Buffer {
  return typeof piece === 'string'
    ? Buffer.from(piece, 'utf8')
    : typeof piece === 'function'
      ? new ByteBuilder().raw(piece).result()
      : piece;
}

/**
 * An element from a component file, for customizations.xml at `indent`: moved there, without the
 * xsi declaration its file's root carries (customizations.xml declares it once on its root).
 */
export function embedded(doc: XmlSlices, e: El, indent: number, replacements = new Map<El, Piece>()): Writer {
  const delta = indent - doc.indentOf(e);
  const declaration = doc.xsiDeclaration(e);
  if (!declaration) return (builder) => builder.copyReplacing(doc, e, delta, replacements);
  return (builder) => builder.copy(doc, doc.start(e), declaration[0], delta).copyReplacing(doc, e, delta, replacements, declaration[1]);
}

/** A container written with its children, each already at `indent`: `<Name>…</Name>`, or the tag as it is when there are none. */
export function filledContainer(doc: XmlSlices, container: El, items: Piece[], indent: number): Piece {
  if (!items.length) return doc.outer(container);
  return (builder) => {
    builder.raw(doc.openTag(container));
    for (const item of items) builder.line(indent).raw(item);
    builder.line(indent - 2).raw(`</${doc.name(container)}>`);
  };
}

/** Text content as .NET's XmlWriter writes it: `&`, `<` and `>` escaped, quotes left alone. */
export function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** An attribute value as .NET's XmlWriter writes it: line breaks and tabs as character references, so they survive. */
export function escapeAttribute(value: string): string {
  return escapeText(value).replace(/"/g, '&quot;').replace(/\r/g, '&#xD;').replace(/\n/g, '&#xA;').replace(/\t/g, '&#x9;');
}

/** Text with CRLF line ends, the form every XML file of the layout has. */
export function withCrlf(text: string): string {
  return /(?:^|[^\r])\n/.test(text) ? text.replace(/\r?\n/g, '\r\n') : text;
}
