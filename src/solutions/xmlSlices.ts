import { SolutionFileError } from './errors';

const LT = 60;
const GT = 62;
const SLASH = 47;
const BANG = 33;
const QUESTION = 63;
const EQUALS = 61;
const QUOTE = 34;
const APOSTROPHE = 39;
const AMPERSAND = 38;
const SEMICOLON = 59;
const HASH = 35;

/** An element: its index in the document's tables. */
export type El = number;

/**
 * A parsed XML document that keeps its source bytes. Every element knows where its tags start and end
 * (as byte offsets), so a part is cut out, or put back, as the very bytes it was written with: nothing
 * is decoded, re-serialised or encoded again, which keeps files byte for byte as SolutionPackager wrote
 * them and costs neither a DOM nor a pass over the text as a JavaScript string.
 *
 * The parser is strict about what matters (one root, matching tags, quoted attributes, known entity
 * references) and refuses DOCTYPE and entity declarations, which solution files never carry.
 */
export class XmlSlices {
  /** Use XmlSlices.parse. */
  constructor(
    /** The document's UTF-8 bytes, without a byte order mark. */
    readonly bytes: Buffer,
    readonly file: string,
    readonly root: El,
    private readonly starts: Int32Array,
    private readonly nameEnds: Int32Array,
    private readonly contentStarts: Int32Array,
    private readonly contentEnds: Int32Array,
    private readonly ends: Int32Array,
    private readonly firstChildren: Int32Array,
    private readonly nextSiblings: Int32Array,
    /** Positions of the `/` of `<a/>` written without a space, which .NET writes `<a />`. */
    readonly tightSelfClosing: number[],
    /** CDATA sections, comments and processing instructions, as [start, end) pairs in order. */
    readonly opaque: number[],
  ) {}

  static parse(source: string | Buffer, file: string): XmlSlices {
    const bytes = typeof source === 'string' ? Buffer.from(source.replace(/^\uFEFF/, ''), 'utf8') : withoutBom(source);
    return new Parser(bytes, file).run();
  }

  /** Decoded text of a byte range. */
  str(from: number, to: number): string {
    return this.bytes.toString('utf8', from, to);
  }

  name(e: El): string {
    return this.str(this.starts[e]! + 1, this.nameEnds[e]!);
  }

  is(e: El, name: string): boolean {
    const start = this.starts[e]! + 1;
    if (this.nameEnds[e]! - start !== name.length) return false;
    for (let i = 0; i < name.length; i++) if (this.bytes[start + i] !== name.charCodeAt(i)) return false;
    return true;
  }

  start(e: El): number {
    return this.starts[e]!;
  }

  end(e: El): number {
    return this.ends[e]!;
  }

  /** Just after the start tag's `>`; for `<a />` the element's end. */
  contentStart(e: El): number {
    return this.contentStarts[e]!;
  }

  /** Where the end tag starts; for `<a />` the element's end. */
  contentEnd(e: El): number {
    return this.contentEnds[e]!;
  }

  selfClosing(e: El): boolean {
    return this.contentStarts[e] === this.ends[e];
  }

  /** The end of the start tag's attributes: where a new attribute goes (before `>`, ` />` or `/>`). */
  attributesEnd(e: El): number {
    let at = this.selfClosing(e) ? this.ends[e]! - 2 : this.contentStarts[e]! - 1;
    while (isSpace(this.bytes[at - 1]!)) at--;
    return at;
  }

  /** The start tag written as an open tag, `<Name attributes>`, even when the element is `<Name />`. */
  openTag(e: El): string {
    return `${this.str(this.starts[e]!, this.attributesEnd(e))}>`;
  }

  /** The start tag made self-closing: `<EntityRelationship Name="x">` becomes `<EntityRelationship Name="x" />`. */
  emptyTag(e: El): string {
    return `${this.str(this.starts[e]!, this.attributesEnd(e))} />`;
  }

  /** Where an `xmlns:xsi` declaration of the start tag stands, with the whitespace before it. */
  xsiDeclaration(e: El): [number, number] | undefined {
    const found = this.bytes.subarray(this.nameEnds[e], this.attributesEnd(e)).indexOf('xmlns:xsi', 0, 'latin1');
    if (found < 0) return undefined;
    const at = this.nameEnds[e]! + found;
    let from = at;
    while (isSpace(this.bytes[from - 1]!)) from--;
    let to = this.bytes.indexOf(61, at) + 1;
    while (isSpace(this.bytes[to]!)) to++;
    to = this.bytes.indexOf(this.bytes[to]!, to + 1) + 1;
    return [from, to];
  }

  /** The child elements; none for an element that is not there (-1 or undefined). */
  children(e: El | undefined): El[] {
    const found: El[] = [];
    if (e === undefined || e < 0) return found;
    for (let c = this.firstChildren[e]!; c >= 0; c = this.nextSiblings[c]!) found.push(c);
    return found;
  }

  child(e: El | undefined, name: string): El | undefined {
    if (e === undefined || e < 0) return undefined;
    for (let c = this.firstChildren[e]!; c >= 0; c = this.nextSiblings[c]!) if (this.is(c, name)) return c;
    return undefined;
  }

  hasChildren(e: El): boolean {
    return this.firstChildren[e]! >= 0;
  }

  /** True when the element holds neither elements nor text other than whitespace. */
  isEmpty(e: El): boolean {
    if (this.hasChildren(e)) return false;
    for (let at = this.contentStarts[e]!; at < this.contentEnds[e]!; at++) if (!isSpace(this.bytes[at]!)) return false;
    return true;
  }

  /** An attribute's value, entity references decoded. */
  attr(e: El, name: string): string | undefined {
    const tag = this.str(this.nameEnds[e]!, this.attributesEnd(e));
    const pattern = new RegExp(`(?:^|\\s)${name.replace(/[.:-]/g, '\\$&')}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`);
    const match = pattern.exec(tag);
    return match ? decodeXml(match[1] ?? match[2]!) : undefined;
  }

  /** The text inside an element, CDATA unwrapped and references decoded, trimmed. */
  textOf(e: El | undefined): string {
    return e === undefined ? '' : this.rawText(e).trim();
  }

  /** The text inside an element exactly, CDATA unwrapped and references decoded. */
  rawText(e: El): string {
    return decodeText(this.str(this.contentStarts[e]!, this.contentEnds[e]!));
  }

  /** Text of a child element. */
  childText(e: El | undefined, name: string): string {
    return this.textOf(this.child(e, name));
  }

  /** The number of spaces between the start of the element's line and its `<`, when only spaces stand there. */
  indentOf(e: El): number {
    const start = this.starts[e]!;
    let at = start;
    while (at > 0 && this.bytes[at - 1] === 32) at--;
    const before = this.bytes[at - 1];
    return at === 0 || before === 10 || before === 13 ? start - at : 0;
  }

  outer(e: El): string {
    return this.str(this.starts[e]!, this.ends[e]!);
  }

  /** Every element named `name` under `e`, at any depth, in document order. */
  descendants(e: El | undefined, name: string): El[] {
    const found: El[] = [];
    if (e === undefined || e < 0) return found;
    const visit = (parent: El) => {
      for (let c = this.firstChildren[parent]!; c >= 0; c = this.nextSiblings[c]!) {
        if (this.is(c, name)) found.push(c);
        visit(c);
      }
    };
    visit(e);
    return found;
  }
}

export function withoutBom(bytes: Buffer): Buffer {
  return bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
}

export function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9;
}

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function decodeXml(value: string): string {
  if (!value.includes('&')) return value;
  return value.replace(/&(#x[0-9a-fA-F]+|#\d+|[a-z]+);/g, (whole, ref: string) => {
    if (ref[0] === '#') return String.fromCodePoint(ref[1] === 'x' ? parseInt(ref.slice(2), 16) : Number(ref.slice(1)));
    return NAMED[ref] ?? whole;
  });
}

function decodeText(value: string): string {
  if (!value.includes('<![CDATA[')) return decodeXml(value);
  return value
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>)/)
    .map((part, index) => (index % 2 ? part.slice(9, -3) : decodeXml(part)))
    .join('');
}

const NAMED_REFERENCES = ['amp;', 'lt;', 'gt;', 'quot;', 'apos;'].map((name) => Buffer.from(name, 'latin1'));

class Parser {
  private count = 0;
  private capacity: number;
  // Set by useTables, from the constructor on.
  private starts!: Int32Array;
  private nameEnds!: Int32Array;
  private contentStarts!: Int32Array;
  private contentEnds!: Int32Array;
  private ends!: Int32Array;
  private firstChildren!: Int32Array;
  private nextSiblings!: Int32Array;
  private lastChildren!: Int32Array;
  private readonly stack: El[] = [];
  private readonly tight: number[] = [];
  private readonly opaque: number[] = [];
  private root = -1;
  /** The next `&` at or after the scan position, so entity references are checked without rescanning. */
  private nextAmpersand = -1;

  constructor(
    private readonly bytes: Buffer,
    private readonly file: string,
  ) {
    // Solution XML has about one element per 40 bytes; the tables grow when that is not enough.
    this.capacity = Math.max(16, bytes.length >> 5);
    this.useTables(tables(this.capacity));
  }

  run(): XmlSlices {
    const bytes = this.bytes;
    let pos = 0;
    this.nextAmpersand = bytes.indexOf(AMPERSAND);
    let lt = bytes.indexOf(LT);
    for (;;) {
      const textEnd = lt < 0 ? bytes.length : lt;
      if (this.stack.length === 0) {
        if (!isBlank(bytes, pos, textEnd)) this.fail(pos, this.root < 0 ? 'text before the root element' : 'text after the root element');
      } else {
        this.checkReferences(pos, textEnd);
      }
      if (lt < 0) break;
      const next = bytes[lt + 1];
      if (next === SLASH) pos = this.endTag(lt);
      else if (next === BANG) pos = this.declaration(lt);
      else if (next === QUESTION) pos = this.instruction(lt);
      else {
        // A start tag finds the next "<" itself (no "<" may stand in its values), which saves a search.
        const [end, following] = this.startTag(lt);
        pos = end;
        lt = following;
        continue;
      }
      lt = bytes.indexOf(LT, pos);
    }
    if (this.stack.length) this.fail(bytes.length, `<${this.nameOf(this.stack[this.stack.length - 1]!)}> is not closed`);
    if (this.root < 0) this.fail(bytes.length, 'no root element');
    const size = this.count;
    return new XmlSlices(
      bytes,
      this.file,
      this.root,
      this.starts.subarray(0, size),
      this.nameEnds.subarray(0, size),
      this.contentStarts.subarray(0, size),
      this.contentEnds.subarray(0, size),
      this.ends.subarray(0, size),
      this.firstChildren.subarray(0, size),
      this.nextSiblings.subarray(0, size),
      this.tight,
      this.opaque,
    );
  }

  /** Returns where the tag ends and where the next `<` after it is. */
  private startTag(lt: number): [number, number] {
    const bytes = this.bytes;
    let at = lt + 1;
    if (!isNameStart(bytes[at]!)) this.fail(lt, 'a "<" that starts no tag (write &lt; in text)');
    while (at < bytes.length && isNameChar(bytes[at]!)) at++;
    const nameEnd = at;
    if (this.stack.length === 0 && this.root >= 0) this.fail(lt, 'a second root element');
    const nextLt = bytes.indexOf(LT, at);
    for (;;) {
      const spaceStart = at;
      while (isSpace(bytes[at]!)) at++;
      const code = bytes[at];
      if (code === GT) {
        this.open(lt, nameEnd, at + 1, false);
        return [at + 1, nextLt];
      }
      if (code === SLASH) {
        if (bytes[at + 1] !== GT) this.fail(at, 'a "/" that does not end the tag');
        if (at === spaceStart) this.tight.push(at);
        this.open(lt, nameEnd, at + 2, true);
        return [at + 2, nextLt];
      }
      if (at === spaceStart || code === undefined || !isNameStart(code))
        this.fail(at, at >= bytes.length ? 'the file ends inside a tag' : 'a malformed attribute');
      while (at < bytes.length && isNameChar(bytes[at]!)) at++;
      while (isSpace(bytes[at]!)) at++;
      if (bytes[at] !== EQUALS) this.fail(at, 'an attribute without "="');
      at++;
      while (isSpace(bytes[at]!)) at++;
      const quote = bytes[at]!;
      if (quote !== QUOTE && quote !== APOSTROPHE) this.fail(at, 'an attribute value without quotes');
      const close = bytes.indexOf(quote, at + 1);
      if (close < 0) this.fail(at, 'an attribute value that is never closed');
      if (nextLt >= 0 && nextLt < close) this.fail(nextLt, 'a "<" inside an attribute value');
      this.checkReferences(at + 1, close);
      at = close + 1;
    }
  }

  private open(start: number, nameEnd: number, tagEnd: number, selfClosing: boolean): void {
    if (this.count === this.capacity) this.grow();
    const e = this.count++;
    this.starts[e] = start;
    this.nameEnds[e] = nameEnd;
    this.contentStarts[e] = tagEnd;
    this.contentEnds[e] = tagEnd;
    this.ends[e] = tagEnd;
    this.firstChildren[e] = -1;
    this.nextSiblings[e] = -1;
    this.lastChildren[e] = -1;
    const parent = this.stack.length ? this.stack[this.stack.length - 1]! : -1;
    if (parent < 0) this.root = e;
    else {
      const last = this.lastChildren[parent]!;
      if (last < 0) this.firstChildren[parent] = e;
      else this.nextSiblings[last] = e;
      this.lastChildren[parent] = e;
    }
    if (!selfClosing) this.stack.push(e);
  }

  private endTag(lt: number): number {
    const bytes = this.bytes;
    const open = this.stack.pop();
    let at = lt + 2;
    while (at < bytes.length && isNameChar(bytes[at]!)) at++;
    if (open === undefined) this.fail(lt, `an end tag </${this.text(lt + 2, at)}> without a start tag`);
    const nameStart = this.starts[open]! + 1;
    const length = this.nameEnds[open]! - nameStart;
    // Compared byte by byte here: a call into Buffer.compare per end tag costs more than the loop.
    let same = at - lt - 2 === length;
    for (let i = 0; same && i < length; i++) same = bytes[nameStart + i] === bytes[lt + 2 + i];
    if (!same) this.fail(lt, `</${this.text(lt + 2, at)}> closes <${this.nameOf(open)}>`);
    while (isSpace(bytes[at]!)) at++;
    if (bytes[at] !== GT) this.fail(at, `the end tag </${this.nameOf(open)}> is not closed with ">"`);
    this.contentEnds[open] = lt;
    this.ends[open] = at + 1;
    return at + 1;
  }

  private declaration(lt: number): number {
    const head = this.text(lt, lt + 10);
    if (head.startsWith('<!--')) return this.skipTo(lt, '-->', 'a comment');
    if (head.startsWith('<![CDATA[')) {
      if (!this.stack.length) this.fail(lt, 'CDATA outside the root element');
      return this.skipTo(lt, ']]>', 'a CDATA section');
    }
    if (/^<!(DOCTYPE|ENTITY)/i.test(head)) {
      throw new SolutionFileError(
        'UnsafeXml',
        `${this.file} declares a DOCTYPE or entities, which solution files never do; it was not read.`,
        'Use a solution exported from Dataverse or written by pac / SolutionPackager.',
      );
    }
    return this.fail(lt, 'an unknown "<!" declaration');
  }

  private instruction(lt: number): number {
    const isDeclaration = /^<\?xml\s/.test(this.text(lt, lt + 6));
    if (isDeclaration && (this.root >= 0 || !isBlank(this.bytes, 0, lt))) this.fail(lt, 'an XML declaration that is not at the start');
    return this.skipTo(lt, '?>', 'a processing instruction');
  }

  private skipTo(lt: number, terminator: string, what: string): number {
    const close = this.bytes.indexOf(terminator, lt, 'latin1');
    if (close < 0) this.fail(lt, `${what} that is never closed`);
    const end = close + terminator.length;
    this.opaque.push(lt, end);
    return end;
  }

  private checkReferences(from: number, to: number): void {
    if (this.nextAmpersand < 0) return;
    if (this.nextAmpersand < from) this.nextAmpersand = this.bytes.indexOf(AMPERSAND, from);
    while (this.nextAmpersand >= 0 && this.nextAmpersand < to) {
      const at = this.nextAmpersand;
      if (!this.isReference(at + 1)) this.fail(at, 'an "&" that starts no known reference (write &amp;)');
      this.nextAmpersand = this.bytes.indexOf(AMPERSAND, at + 1);
    }
  }

  /** `amp;`, `lt;`, `gt;`, `quot;`, `apos;`, `#123;` or `#x1F;` at `at`. */
  private isReference(at: number): boolean {
    const bytes = this.bytes;
    if (bytes[at] === HASH) {
      const hex = bytes[at + 1] === 120;
      let i = at + (hex ? 2 : 1);
      const digits = i;
      while (hex ? isHexDigit(bytes[i]!) : isDigit(bytes[i]!)) i++;
      return i > digits && bytes[i] === SEMICOLON;
    }
    return NAMED_REFERENCES.some((name) => {
      for (let i = 0; i < name.length; i++) if (bytes[at + i] !== name[i]) return false;
      return true;
    });
  }

  private text(from: number, to: number): string {
    return this.bytes.toString('utf8', from, Math.min(to, this.bytes.length));
  }

  private nameOf(e: El): string {
    return this.text(this.starts[e]! + 1, this.nameEnds[e]!);
  }

  private grow(): void {
    this.capacity *= 2;
    const old = this.views();
    const wider = tables(this.capacity);
    wider.forEach((table, i) => table.set(old[i]!));
    this.useTables(wider);
  }

  private views(): Int32Array[] {
    return [
      this.starts,
      this.nameEnds,
      this.contentStarts,
      this.contentEnds,
      this.ends,
      this.firstChildren,
      this.nextSiblings,
      this.lastChildren,
    ];
  }

  private useTables(views: Int32Array[]): void {
    [
      this.starts,
      this.nameEnds,
      this.contentStarts,
      this.contentEnds,
      this.ends,
      this.firstChildren,
      this.nextSiblings,
      this.lastChildren,
    ] = views as [Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array, Int32Array];
  }

  private fail(at: number, problem: string): never {
    const before = this.bytes.subarray(0, at);
    let line = 1;
    let lineStart = 0;
    for (let i = before.indexOf(10); i >= 0; i = before.indexOf(10, i + 1)) {
      line++;
      lineStart = i + 1;
    }
    const column = this.bytes.toString('utf8', lineStart, at).length + 1;
    throw new SolutionFileError('InvalidXml', `${this.file} is not well-formed XML: ${problem} at line ${line}, column ${column}.`);
  }
}

/** The eight element tables, views of one allocation: one allocation per document instead of eight. */
function tables(size: number): Int32Array[] {
  const block = new Int32Array(size * 8);
  return Array.from({ length: 8 }, (_, i) => block.subarray(i * size, (i + 1) * size));
}

function isBlank(bytes: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(bytes[i]!)) return false;
  return true;
}

/** Bytes that may start a name (1) or continue one (1 or 2): letters, `_`, `:`, UTF-8 sequences; then digits, `-`, `.`. */
const NAME_BYTES = new Uint8Array(256).map((_, code) =>
  (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 58 || code > 127
    ? 1
    : (code >= 48 && code <= 57) || code === 45 || code === 46
      ? 2
      : 0,
);

function isNameStart(code: number): boolean {
  return NAME_BYTES[code] === 1;
}

function isNameChar(code: number): boolean {
  return NAME_BYTES[code] !== 0;
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isHexDigit(code: number): boolean {
  return isDigit(code) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);
}
