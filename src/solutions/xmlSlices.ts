import { SolutionFileError } from './errors';

const LT = 60;
const GT = 62;
const SLASH = 47;
const BANG = 33;
const QUESTION = 63;
const EQUALS = 61;
const QUOTE = 34;
const APOSTROPHE = 39;

/** An element: its index in the document's tables. */
export type El = number;

/** Sections whose content is not markup: CDATA, comments and processing instructions, as [start, end) pairs. */
type Opaque = number[];

/**
 * A parsed XML document that keeps its source text. Every element knows where its tags start and
 * end, so a part is cut out, or put back, as the very characters it was written with: nothing is
 * re-serialised, which keeps files byte for byte as SolutionPackager wrote them and costs no DOM.
 *
 * The parser is strict about what matters (one root, matching tags, quoted attributes, known entity
 * references) and refuses DOCTYPE and entity declarations, which solution files never carry.
 */
export class XmlSlices {
  /** Use XmlSlices.parse. */
  constructor(
    readonly text: string,
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
    readonly opaque: Opaque,
  ) {}

  static parse(source: string | Buffer, file: string): XmlSlices {
    return new Parser(typeof source === 'string' ? source : source.toString('utf8'), file).run();
  }

  name(e: El): string {
    return this.text.slice(this.starts[e]! + 1, this.nameEnds[e]);
  }

  is(e: El, name: string): boolean {
    const start = this.starts[e]! + 1;
    return this.nameEnds[e]! - start === name.length && this.text.startsWith(name, start);
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
    while (isSpace(this.text.charCodeAt(at - 1))) at--;
    return at;
  }

  children(e: El): El[] {
    const found: El[] = [];
    for (let c = this.firstChildren[e]!; c >= 0; c = this.nextSiblings[c]!) found.push(c);
    return found;
  }

  child(e: El, name: string): El | undefined {
    for (let c = this.firstChildren[e]!; c >= 0; c = this.nextSiblings[c]!) if (this.is(c, name)) return c;
    return undefined;
  }

  hasChildren(e: El): boolean {
    return this.firstChildren[e]! >= 0;
  }

  /** True when the element holds neither elements nor text other than whitespace. */
  isEmpty(e: El): boolean {
    return !this.hasChildren(e) && !this.text.slice(this.contentStarts[e], this.contentEnds[e]).trim();
  }

  /** An attribute's value, entity references decoded. */
  attr(e: El, name: string): string | undefined {
    const tag = this.text.slice(this.nameEnds[e], this.attributesEnd(e));
    const pattern = new RegExp(`(?:^|\\s)${name.replace(/[.:-]/g, '\\$&')}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`);
    const match = pattern.exec(tag);
    return match ? decodeXml(match[1] ?? match[2]!) : undefined;
  }

  /** The text inside an element, CDATA unwrapped and references decoded, trimmed. */
  textOf(e: El | undefined): string {
    if (e === undefined) return '';
    return this.rawText(e).trim();
  }

  /** The text inside an element exactly, CDATA unwrapped and references decoded. */
  rawText(e: El): string {
    return decodeText(this.text.slice(this.contentStarts[e], this.contentEnds[e]));
  }

  /** Text of a child element. */
  childText(e: El, name: string): string {
    return this.textOf(this.child(e, name));
  }

  /** The number of spaces between the start of the element's line and its `<`, when only spaces stand there. */
  indentOf(e: El): number {
    const start = this.starts[e]!;
    let at = start;
    while (at > 0 && this.text.charCodeAt(at - 1) === 32) at--;
    const before = this.text.charCodeAt(at - 1);
    return at === 0 || before === 10 || before === 13 ? start - at : 0;
  }

  outer(e: El): string {
    return this.text.slice(this.starts[e], this.ends[e]);
  }

  /** The start tag made self-closing: `<EntityRelationship Name="x">` becomes `<EntityRelationship Name="x" />`. */
  emptyTag(e: El): string {
    return `${this.text.slice(this.starts[e], this.attributesEnd(e))} />`;
  }

  /** Every element named `name` under `e`, at any depth, in document order. */
  descendants(e: El, name: string): El[] {
    const found: El[] = [];
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

function isSpace(code: number): boolean {
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

const VALID_REFERENCE = /^&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/;

class Parser {
  private count = 0;
  private capacity = 256;
  private starts = new Int32Array(this.capacity);
  private nameEnds = new Int32Array(this.capacity);
  private contentStarts = new Int32Array(this.capacity);
  private contentEnds = new Int32Array(this.capacity);
  private ends = new Int32Array(this.capacity);
  private firstChildren = new Int32Array(this.capacity);
  private nextSiblings = new Int32Array(this.capacity);
  private lastChildren = new Int32Array(this.capacity);
  private readonly stack: El[] = [];
  private readonly tight: number[] = [];
  private readonly opaque: number[] = [];
  private root = -1;
  /** The next `&` at or after the scan position, so entity references are checked without rescanning. */
  private nextAmpersand = -1;

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  run(): XmlSlices {
    const text = this.text;
    let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    this.nextAmpersand = text.indexOf('&', pos);
    for (;;) {
      const lt = text.indexOf('<', pos);
      const textEnd = lt < 0 ? text.length : lt;
      if (this.stack.length === 0) {
        if (!isBlank(text, pos, textEnd)) this.fail(pos, this.root < 0 ? 'text before the root element' : 'text after the root element');
      } else {
        this.checkReferences(pos, textEnd);
      }
      if (lt < 0) break;
      const next = text.charCodeAt(lt + 1);
      if (next === SLASH) pos = this.endTag(lt);
      else if (next === BANG) pos = this.declaration(lt);
      else if (next === QUESTION) pos = this.instruction(lt);
      else pos = this.startTag(lt);
    }
    if (this.stack.length) this.fail(text.length, `<${this.nameOf(this.stack[this.stack.length - 1]!)}> is not closed`);
    if (this.root < 0) this.fail(text.length, 'no root element');
    const size = this.count;
    return new XmlSlices(
      text,
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

  private startTag(lt: number): number {
    const text = this.text;
    let at = lt + 1;
    const first = text.charCodeAt(at);
    if (!isNameStart(first)) this.fail(lt, 'a "<" that starts no tag (write &lt; in text)');
    while (at < text.length && isNameChar(text.charCodeAt(at))) at++;
    const nameEnd = at;
    if (this.stack.length === 0 && this.root >= 0) this.fail(lt, 'a second root element');
    // A "<" inside a quoted value is an error; knowing the next one bounds every value of this tag.
    const nextLt = text.indexOf('<', at);
    for (;;) {
      const spaceStart = at;
      while (isSpace(text.charCodeAt(at))) at++;
      const code = text.charCodeAt(at);
      if (code === GT) {
        this.open(lt, nameEnd, at + 1, false);
        return at + 1;
      }
      if (code === SLASH) {
        if (text.charCodeAt(at + 1) !== GT) this.fail(at, 'a "/" that does not end the tag');
        if (at === spaceStart) this.tight.push(at);
        this.open(lt, nameEnd, at + 2, true);
        return at + 2;
      }
      if (at === spaceStart || !isNameStart(code)) this.fail(at, at >= text.length ? 'the file ends inside a tag' : 'a malformed attribute');
      while (at < text.length && isNameChar(text.charCodeAt(at))) at++;
      while (isSpace(text.charCodeAt(at))) at++;
      if (text.charCodeAt(at) !== EQUALS) this.fail(at, 'an attribute without "="');
      at++;
      while (isSpace(text.charCodeAt(at))) at++;
      const quote = text.charCodeAt(at);
      if (quote !== QUOTE && quote !== APOSTROPHE) this.fail(at, 'an attribute value without quotes');
      const close = text.indexOf(quote === QUOTE ? '"' : "'", at + 1);
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
    const text = this.text;
    const open = this.stack.pop();
    let at = lt + 2;
    while (at < text.length && isNameChar(text.charCodeAt(at))) at++;
    if (open === undefined) this.fail(lt, `an end tag </${text.slice(lt + 2, at)}> without a start tag`);
    const name = this.nameOf(open);
    if (at - lt - 2 !== name.length || !text.startsWith(name, lt + 2)) this.fail(lt, `</${text.slice(lt + 2, at)}> closes <${name}>`);
    while (isSpace(text.charCodeAt(at))) at++;
    if (text.charCodeAt(at) !== GT) this.fail(at, `the end tag </${name}> is not closed with ">"`);
    this.contentEnds[open] = lt;
    this.ends[open] = at + 1;
    return at + 1;
  }

  private declaration(lt: number): number {
    const text = this.text;
    if (text.startsWith('<!--', lt)) return this.skipTo(lt, '-->', 'a comment');
    if (text.startsWith('<![CDATA[', lt)) {
      if (!this.stack.length) this.fail(lt, 'CDATA outside the root element');
      return this.skipTo(lt, ']]>', 'a CDATA section');
    }
    if (/^<!(DOCTYPE|ENTITY)/i.test(text.slice(lt, lt + 10))) {
      throw new SolutionFileError('UnsafeXml', `${this.file} declares a DOCTYPE or entities, which solution files never do; it was not read.`, 'Use a solution exported from Dataverse or written by pac / SolutionPackager.');
    }
    return this.fail(lt, 'an unknown "<!" declaration');
  }

  private instruction(lt: number): number {
    const isDeclaration = /^<\?xml\s/.test(this.text.slice(lt, lt + 6));
    if (isDeclaration && (this.root >= 0 || !isBlank(this.text, this.text.charCodeAt(0) === 0xfeff ? 1 : 0, lt))) this.fail(lt, 'an XML declaration that is not at the start');
    return this.skipTo(lt, '?>', 'a processing instruction');
  }

  private skipTo(lt: number, terminator: string, what: string): number {
    const close = this.text.indexOf(terminator, lt);
    if (close < 0) this.fail(lt, `${what} that is never closed`);
    const end = close + terminator.length;
    this.opaque.push(lt, end);
    return end;
  }

  private checkReferences(from: number, to: number): void {
    while (this.nextAmpersand >= 0 && this.nextAmpersand < from) this.nextAmpersand = this.text.indexOf('&', from);
    while (this.nextAmpersand >= 0 && this.nextAmpersand < to) {
      const at = this.nextAmpersand;
      if (!VALID_REFERENCE.test(this.text.slice(at, at + 12))) this.fail(at, 'an "&" that starts no known reference (write &amp;)');
      this.nextAmpersand = this.text.indexOf('&', at + 1);
    }
  }

  private nameOf(e: El): string {
    return this.text.slice(this.starts[e]! + 1, this.nameEnds[e]);
  }

  private grow(): void {
    this.capacity *= 2;
    const widen = (array: Int32Array) => {
      const wider = new Int32Array(this.capacity);
      wider.set(array);
      return wider;
    };
    this.starts = widen(this.starts);
    this.nameEnds = widen(this.nameEnds);
    this.contentStarts = widen(this.contentStarts);
    this.contentEnds = widen(this.contentEnds);
    this.ends = widen(this.ends);
    this.firstChildren = widen(this.firstChildren);
    this.nextSiblings = widen(this.nextSiblings);
    this.lastChildren = widen(this.lastChildren);
  }

  private fail(at: number, problem: string): never {
    const before = this.text.slice(0, at);
    const line = before.split('\n').length;
    const column = at - before.lastIndexOf('\n');
    throw new SolutionFileError('InvalidXml', `${this.file} is not well-formed XML: ${problem} at line ${line}, column ${column}.`);
  }
}

function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

function isNameStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 58 || code > 127;
}

function isNameChar(code: number): boolean {
  return isNameStart(code) || (code >= 48 && code <= 57) || code === 45 || code === 46;
}
