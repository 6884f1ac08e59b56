/**
 * A strict, streaming reader of XML elements for files whose shape we know (data.xml): it hands its
 * handler each start tag, with its attributes read only when asked, each end tag, and the text of
 * the elements that ask for it. It checks what makes a document well-formed for such files (names,
 * quotes, one root, matching tags, no repeated attribute, references, no DOCTYPE) and builds no
 * object per tag: the attributes are positions in the text until a handler asks for one.
 */

import { isSpace } from '../solutions/xmlSlices';
import { emptyArrayOf } from './emptyArray';

export class XmlFormatError extends Error {}

export interface XmlTagHandler {
  /** A start tag (for `<a/>`, `close` follows at once). */
  open(tag: XmlTag): void;
  close(name: string): void;
  /** Text inside the elements the handler asked text of (`wantText`), references decoded. */
  text(text: string): void;
  /** Start tags of exact, common forms, tried in turn, which the handler reads itself (`takeQuick`) when one matches. */
  readonly quick?: readonly QuickTag[];
  /** In place of `open` (and for an empty element `close`): `quick[index]` matched the tag, `text` from `start` to `end`. */
  takeQuick?(index: number, text: string, start: number, end: number): void;
}

/**
 * A start tag the handler reads itself once a regular expression matched it: one native match
 * where the general reader would look at each character and attribute in turn. The pattern must be
 * sticky (`y`) and match only a well-formed start tag: a literal name, literal and distinct
 * attribute names, and values without `<`, `&`, the quote that ends them, tabs or line breaks
 * (which would need decoding). Anything else it does not match goes through `open` as usual.
 */
export interface QuickTag {
  readonly pattern: RegExp;
  /** The element's name when the tag leaves it open (`<a …>`); none for an empty element (`<a …/>`). */
  readonly opens?: string;
}

/** The start tag being read: valid only during the handler's `open` call. */
export interface XmlTag {
  readonly name: string;
  /** How many attributes the tag has. */
  readonly attributeCount: number;
  /** An attribute's value, whitespace and references decoded as XML requires; undefined when absent. */
  attribute(name: string): string | undefined;
}

const GT = 0x3e;
const SLASH = 0x2f;
const QUESTION = 0x3f;
const BANG = 0x21;
const EQUALS = 0x3d;
const QUOTE = 0x22;
const APOSTROPHE = 0x27;

/** XML 1.0's NameStartChar, by UTF-16 code unit (a high surrogate stands for U+10000 to U+EFFFF). */
function isNameStart(c: number): boolean {
  if (c < 0x80) return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a;
  return (
    (c >= 0xc0 && c <= 0xd6) ||
    (c >= 0xd8 && c <= 0xf6) ||
    (c >= 0xf8 && c <= 0x2ff) ||
    (c >= 0x370 && c <= 0x37d) ||
    (c >= 0x37f && c <= 0x1fff) ||
    c === 0x200c ||
    c === 0x200d ||
    (c >= 0x2070 && c <= 0x218f) ||
    (c >= 0x2c00 && c <= 0x2fef) ||
    (c >= 0x3001 && c <= 0xd7ff) ||
    (c >= 0xf900 && c <= 0xfdcf) ||
    (c >= 0xfdf0 && c <= 0xfffd) ||
    (c >= 0xd800 && c <= 0xdb7f)
  );
}

/** XML 1.0's NameChar (a low surrogate only ever follows the high one it pairs with: lone ones are refused). */
function isNameChar(c: number): boolean {
  if (c < 0x80) return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e;
  return isNameStart(c) || c === 0xb7 || (c >= 0x300 && c <= 0x36f) || c === 0x203f || c === 0x2040 || (c >= 0xdc00 && c <= 0xdfff);
}

/**
 * A character XML 1.0 does not allow anywhere in a document: a control character, U+FFFE or U+FFFF,
 * or half a surrogate pair (looked for only where there are surrogates: the check by code point is
 * several times slower).
 */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const NOT_XML_UNIT = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
const SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const XML_DECLARATION =
  /^<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.0\1([ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[A-Za-z][A-Za-z0-9._-]*\3)?([ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(yes|no)\5)?[ \t\r\n]*\?>$/;
const REFERENCE = /&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(amp|lt|gt|quot|apos));/g;
const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeReferences(text: string): string {
  const unreferenced = text.replace(REFERENCE, '');
  const stray = unreferenced.indexOf('&');
  if (stray !== -1) throw new XmlFormatError(`"${unreferenced.slice(stray, stray + 12)}" is not a reference XML knows`);
  return text.replace(REFERENCE, (whole: string, hex: string | undefined, decimal: string | undefined, named: string | undefined) => {
    if (named) return NAMED[named]!;
    const code = hex ? parseInt(hex, 16) : Number(decimal);
    const allowed = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff));
    if (!allowed) throw new XmlFormatError(`the character reference ${whole} is not a character XML allows`);
    return String.fromCodePoint(code);
  });
}

/** An attribute value as XML reads it: literal line breaks and tabs are spaces, references decoded. */
function attributeValue(raw: string): string {
  let value = raw;
  // Three searches rather than a regular expression, whose test allocated about 70 bytes for each of
  // these slices (9 MB for a 10,000-record file).
  if (value.includes('\n') || value.includes('\r') || value.includes('\t')) value = lineEnds(value).replace(/[\t\n]/g, ' ');
  return value.includes('&') ? decodeReferences(value) : value;
}

/** Element names the reader gives as the same string each time, without cutting them from the text. */
const KNOWN_NAMES = [
  'entities',
  'entity',
  'records',
  'record',
  'field',
  'activitypointerrecords',
  'm2mrelationships',
  'm2mrelationship',
  'targetids',
  'targetid',
];

export class XmlTagReader implements XmlTag {
  /** Text not read yet: the end of the last chunk, when it stopped inside markup. */
  private rest = '';
  /** Chunks that came while `rest` waited for `waitingFor`, which none of them holds. */
  private held: string[] = [];
  /** What could end the markup or text held in `rest`: the quote of an open value, ">", or "<" after text. */
  private waitingFor = '>';
  /** The first half of a surrogate pair cut at the end of the last piece. */
  private carry = '';
  /** Names of the open elements. */
  private readonly stack = emptyArrayOf<string>('strings');
  private sawRoot = false;
  /** Attribute positions of the current start tag: name start, name end, value start, value end. */
  private spans = new Int32Array(64);
  private spanCount = 0;
  private source = '';
  /** The next "&" in the text being read, at or after where reading is (or -1): found once, not for each piece of text. */
  private nextAmpersand = -1;
  /** The next "<" after the start tag being read: none may come before the end of its last attribute value. */
  private nextLt = -1;
  name = '';
  /** Nothing read yet: where an XML declaration may be. */
  private atStart = true;
  /** The next "]]>" in the text being read (or -1), which text must not hold. */
  private nextCdataClose = -1;
  /** The handler sets it for the elements whose text it wants. */
  wantText = false;

  /** How many elements are open, the one being opened included. */
  get depth(): number {
    return this.stack.length;
  }

  /** The name of the element the one being opened is in: for `open` (in `close`, the one closed is off the stack already). */
  get parentName(): string | undefined {
    return this.stack[this.stack.length - 2];
  }

  constructor(private readonly handler: XmlTagHandler) {
    // A pattern that is not sticky would match a later tag in the text, and misread the document.
    if (handler.quick?.some((tag) => !tag.pattern.sticky) || (handler.quick?.length && !handler.takeQuick))
      throw new Error('Quick tags need sticky patterns and a takeQuick.');
  }

  write(piece: string): void {
    let chunk = this.carry + piece;
    this.carry = '';
    // A surrogate pair may be cut between two pieces: its first half waits for the second.
    const last = chunk.charCodeAt(chunk.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) {
      this.carry = chunk.slice(-1);
      chunk = chunk.slice(0, -1);
    }
    if (!chunk) return;
    const bad = NOT_XML_UNIT.exec(chunk) ?? (SURROGATE.test(chunk) ? LONE_SURROGATE.exec(chunk) : null);
    if (bad)
      throw new XmlFormatError(
        `the character U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}, which XML does not allow`,
      );
    if (this.rest && !chunk.includes(this.waitingFor)) {
      // What is held cannot end in this chunk (a long value): it waits, to be joined once, not once a chunk.
      this.held.push(chunk);
      return;
    }
    this.joinHeld();
    let text = chunk;
    if (this.rest) {
      // What the last chunk left open usually ends at this one's first ">": read the two joined up to
      // there, rather than copying the whole chunk behind the rest.
      const gt = chunk.indexOf('>');
      const head = this.rest + (gt === -1 ? chunk : chunk.slice(0, gt + 1));
      const read = this.read(head);
      if (gt === -1) {
        this.rest = head.slice(read);
        return;
      }
      text = read === head.length ? chunk.slice(gt + 1) : head.slice(read) + chunk.slice(gt + 1);
    }
    this.rest = text.slice(this.read(text));
  }

  private joinHeld(): void {
    if (!this.held.length) return;
    this.rest += this.held.join('');
    this.held = [];
  }

  end(): void {
    if (this.carry) throw new XmlFormatError('the document ends in half a character');
    this.joinHeld();
    if (this.rest) {
      const at = this.read(this.rest, true);
      if (at < this.rest.length) throw new XmlFormatError('the document ends inside markup');
      this.rest = '';
    }
    if (this.stack.length) throw new XmlFormatError(`unclosed tag: ${this.stack[this.stack.length - 1]}`);
    if (!this.sawRoot) throw new XmlFormatError('the document has no root element');
  }

  get attributeCount(): number {
    return this.spanCount / 4;
  }

  attribute(name: string): string | undefined {
    const spans = this.spans;
    for (let i = 0; i < this.spanCount; i += 4) {
      if (spans[i + 1]! - spans[i]! === name.length && this.source.startsWith(name, spans[i]))
        return attributeValue(this.source.slice(spans[i + 2], spans[i + 3]));
    }
    return undefined;
  }

  /** Reads what is complete in `text`; returns where the unread rest begins. */
  private read(text: string, last = false): number {
    const at = this.readFrom(text, last);
    if (at > 0) this.atStart = false;
    return at;
  }

  private readFrom(text: string, last: boolean): number {
    let at = 0;
    const length = text.length;
    this.nextAmpersand = text.indexOf('&');
    this.nextCdataClose = text.indexOf(']]>');
    while (at < length) {
      const lt = text.indexOf('<', at);
      const textEnd = lt === -1 ? length : lt;
      if (textEnd > at) {
        // Text may end in the middle of a reference: it waits for the next chunk unless this is the last.
        if (lt === -1 && !last) {
          this.waitingFor = '<';
          return at;
        }
        this.readText(text, at, textEnd);
      }
      if (lt === -1) return length;
      this.waitingFor = '>';
      const next = this.readMarkup(text, lt);
      if (next === -1) return lt;
      at = next;
    }
    return at;
  }

  private readText(text: string, start: number, end: number): void {
    if (!this.stack.length) {
      for (let i = start; i < end; i++)
        if (!isSpace(text.charCodeAt(i))) throw new XmlFormatError(`text outside the root element ("${text.slice(i, i + 12).trim()}…")`);
      return;
    }
    if (this.nextCdataClose !== -1 && this.nextCdataClose < start) this.nextCdataClose = text.indexOf(']]>', start);
    if (this.nextCdataClose !== -1 && this.nextCdataClose + 3 <= end) throw new XmlFormatError('"]]>" in text');
    if (this.wantText) this.handler.text(decodeText(text.slice(start, end)));
    else {
      if (this.nextAmpersand !== -1 && this.nextAmpersand < start) this.nextAmpersand = text.indexOf('&', start);
      if (this.nextAmpersand !== -1 && this.nextAmpersand < end) decodeReferences(text.slice(start, end));
    }
  }

  /** Reads the markup at `lt`; returns the position after it, or -1 when it is not complete yet. */
  private readMarkup(text: string, lt: number): number {
    // Compared before reading: a read past the end would make V8 throw the optimized code away.
    if (lt + 1 >= text.length) return -1;
    const c = text.charCodeAt(lt + 1);
    if (c === SLASH) return this.readEndTag(text, lt);
    if (c === QUESTION) return this.readProcessingInstruction(text, lt);
    if (c === BANG) return this.readDeclaration(text, lt);
    const quick = this.handler.quick;
    // The root element always goes the general way, which checks there is only one.
    if (quick && this.stack.length)
      for (let index = 0; index < quick.length; index++) {
        const end = this.readQuickly(quick[index]!, index, text, lt);
        if (end !== -1) return end;
      }
    return this.readStartTag(text, lt);
  }

  /** Reads the start tag at `lt` if `tag`'s pattern matches it; returns the position after it, or -1. */
  private readQuickly(tag: QuickTag, index: number, text: string, lt: number): number {
    // Tested rather than executed: no match object for each element.
    tag.pattern.lastIndex = lt;
    if (!tag.pattern.test(text)) return -1;
    const end = tag.pattern.lastIndex;
    if (tag.opens !== undefined) this.stack.push(tag.opens);
    this.handler.takeQuick!(index, text, lt, end);
    return end;
  }

  /** `<?target …?>`; the XML declaration only at the very start, and well-formed. */
  private readProcessingInstruction(text: string, lt: number): number {
    const end = text.indexOf('?>', lt + 2);
    if (end === -1) return -1;
    let at = lt + 2;
    if (!isNameStart(text.charCodeAt(at))) throw new XmlFormatError('a processing instruction without a target');
    while (at < end && isNameChar(text.charCodeAt(at))) at++;
    if (at < end && !isSpace(text.charCodeAt(at)) && text.charCodeAt(at) !== QUESTION)
      throw new XmlFormatError('a processing instruction whose target is not a name');
    if (at - (lt + 2) === 3 && text.slice(lt + 2, at).toLowerCase() === 'xml') {
      if (!this.atStart || lt !== 0) throw new XmlFormatError('an XML declaration that is not at the start');
      const declaration = text.slice(lt, end + 2);
      if (!XML_DECLARATION.test(declaration)) {
        const version = /version\s*=\s*["']([^"']*)/.exec(declaration)?.[1];
        throw new XmlFormatError(
          version && version !== '1.0'
            ? `the document is XML ${version}; only XML 1.0, which Configuration Migration files are, is read`
            : 'the XML declaration is not well-formed',
        );
      }
    }
    return end + 2;
  }

  private readDeclaration(text: string, lt: number): number {
    const head = text.slice(lt, lt + 9);
    // Too short yet to tell which of them it is.
    if (head.length < 9 && ['<!--', '<![CDATA[', '<!DOCTYPE'].some((start) => start.startsWith(head))) return -1;
    if (head.startsWith('<!--')) {
      const end = text.indexOf('--', lt + 4);
      if (end === -1) return -1;
      if (text.length < end + 3) return -1;
      if (text.charCodeAt(end + 2) !== GT) throw new XmlFormatError('"--" inside a comment');
      return end + 3;
    }
    if (head === '<![CDATA[') {
      if (!this.stack.length) throw new XmlFormatError('CDATA outside the root element');
      const end = text.indexOf(']]>', lt + 9);
      if (end === -1) return -1;
      if (this.wantText) this.handler.text(lineEnds(text.slice(lt + 9, end)));
      return end + 3;
    }
    if (head === '<!DOCTYPE') throw new DoctypeError();
    throw new XmlFormatError(`unknown markup "${head}"`);
  }

  private readEndTag(text: string, lt: number): number {
    const gt = text.indexOf('>', lt + 2);
    if (gt === -1) return -1;
    let nameEnd = gt;
    while (nameEnd > lt + 2 && isSpace(text.charCodeAt(nameEnd - 1))) nameEnd--;
    const open = this.stack.pop();
    if (open === undefined || nameEnd - (lt + 2) !== open.length || !text.startsWith(open, lt + 2))
      throw new XmlFormatError(`end tag </${text.slice(lt + 2, nameEnd)}> does not match ${open ? `<${open}>` : 'any open element'}`);
    this.handler.close(open);
    return gt + 1;
  }

  private readStartTag(text: string, lt: number): number {
    const nameStart = lt + 1;
    let at = nameStart;
    const length = text.length;
    if (!isNameStart(text.charCodeAt(at))) throw new XmlFormatError(`"<${text.slice(at, at + 10)}" does not start an element`);
    while (at < length && isNameChar(text.charCodeAt(at))) at++;
    if (at >= length) return -1;
    const nameEnd = at;
    this.spanCount = 0;
    this.nextLt = text.indexOf('<', nameEnd);
    for (;;) {
      const spaceStart = at;
      while (at < length && isSpace(text.charCodeAt(at))) at++;
      if (at >= length) return -1;
      const c = text.charCodeAt(at);
      if (c === GT || c === SLASH) {
        if (c === SLASH) {
          if (at + 1 >= length) return -1;
          if (text.charCodeAt(at + 1) !== GT) throw new XmlFormatError('"/" not followed by ">" in a start tag');
        }
        this.openElement(text, nameStart, nameEnd, c === SLASH);
        return at + (c === SLASH ? 2 : 1);
      }
      if (at === spaceStart) throw new XmlFormatError(`no space before an attribute of <${text.slice(nameStart, nameEnd)}>`);
      at = this.readAttribute(text, at);
      if (at === -1) return -1;
    }
  }

  /** Reads one attribute at `at`; returns the position after its closing quote, or -1. */
  private readAttribute(text: string, start: number): number {
    const length = text.length;
    let at = start;
    if (!isNameStart(text.charCodeAt(at))) throw new XmlFormatError(`"${text.slice(at, at + 10)}" is not an attribute name`);
    while (at < length && isNameChar(text.charCodeAt(at))) at++;
    const nameEnd = at;
    while (at < length && isSpace(text.charCodeAt(at))) at++;
    if (at >= length) return -1;
    if (text.charCodeAt(at) !== EQUALS) throw new XmlFormatError(`attribute ${text.slice(start, nameEnd)} has no value`);
    at++;
    while (at < length && isSpace(text.charCodeAt(at))) at++;
    if (at >= length) return -1;
    const quote = text.charCodeAt(at);
    if (quote !== QUOTE && quote !== APOSTROPHE)
      throw new XmlFormatError(`the value of attribute ${text.slice(start, nameEnd)} is not quoted`);
    const close = text.indexOf(quote === QUOTE ? '"' : "'", at + 1);
    if (close === -1) {
      this.waitingFor = quote === QUOTE ? '"' : "'";
      return -1;
    }
    // Values nobody asks for are checked too: a bad reference makes the document not well-formed.
    if (this.nextAmpersand !== -1 && this.nextAmpersand <= at) this.nextAmpersand = text.indexOf('&', at);
    if (this.nextAmpersand !== -1 && this.nextAmpersand < close) decodeReferences(text.slice(at + 1, close));
    if (this.nextLt !== -1 && this.nextLt < close)
      throw new XmlFormatError(`the value of attribute ${text.slice(start, nameEnd)} holds "<"`);
    this.addSpan(text, start, nameEnd, at + 1, close);
    return close + 1;
  }

  private addSpan(text: string, nameStart: number, nameEnd: number, valueStart: number, valueEnd: number): void {
    const spans = this.spans;
    const nameLength = nameEnd - nameStart;
    for (let i = 0; i < this.spanCount; i += 4) {
      if (spans[i + 1]! - spans[i]! === nameLength && sameRun(text, spans[i]!, nameStart, nameLength))
        throw new XmlFormatError(`attribute ${text.slice(nameStart, nameEnd)} is given twice`);
    }
    if (this.spanCount + 4 > spans.length) {
      this.spans = new Int32Array(spans.length * 2);
      this.spans.set(spans);
    }
    this.spans[this.spanCount++] = nameStart;
    this.spans[this.spanCount++] = nameEnd;
    this.spans[this.spanCount++] = valueStart;
    this.spans[this.spanCount++] = valueEnd;
  }

  private openElement(text: string, nameStart: number, nameEnd: number, empty: boolean): void {
    if (!this.stack.length) {
      if (this.sawRoot) throw new XmlFormatError('a second root element');
      this.sawRoot = true;
    }
    this.name = knownName(text, nameStart, nameEnd) ?? text.slice(nameStart, nameEnd);
    this.source = text;
    this.stack.push(this.name);
    this.handler.open(this);
    this.source = '';
    if (empty) this.handler.close(this.stack.pop()!);
  }
}

/** A DOCTYPE: refused for what it could declare, never a part of these files. */
export class DoctypeError extends XmlFormatError {
  constructor() {
    super('the document declares a DOCTYPE');
  }
}

/** Whether the `length` characters of `text` at `a` are those at `b`. */
function sameRun(text: string, a: number, b: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (text.charCodeAt(a + i) !== text.charCodeAt(b + i)) return false;
  return true;
}

function knownName(text: string, start: number, end: number): string | undefined {
  const length = end - start;
  for (const name of KNOWN_NAMES) if (name.length === length && text.startsWith(name, start)) return name;
  return undefined;
}

/** Line breaks as XML reads them: CR LF and a lone CR are LF. */
function lineEnds(raw: string): string {
  return raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
}

function decodeText(raw: string): string {
  const text = lineEnds(raw);
  return text.includes('&') ? decodeReferences(text) : text;
}
