import type { El, XmlSlices } from './xmlSlices';

export const BOM = '\uFEFF';
export const DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';
export const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';
const XSI = ` xmlns:xsi="${XSI_NAMESPACE}"`;
const LT = 60;
const GT = 62;

const SPACES: string[] = [];
export function spaces(count: number): string {
  return (SPACES[count] ??= ' '.repeat(count));
}

/**
 * Text put together from pieces of parsed documents. A copied piece keeps its characters, with three
 * changes SolutionPackager's writer makes too: indentation moved by `delta` spaces (so a part cut out
 * of customizations.xml starts at the left margin of its own file, and goes back at its depth), CRLF
 * line ends, and `<a/>` written `<a />`. Only whitespace between tags moves: text, CDATA and comments
 * stay as they are.
 */
export class TextBuilder {
  private readonly parts: string[] = [];

  raw(text: string): this {
    this.parts.push(text);
    return this;
  }

  /** A newline and the indentation of the next line. */
  line(indent: number): this {
    this.parts.push('\r\n', spaces(indent));
    return this;
  }

  copy(doc: XmlSlices, from: number, to: number, delta: number): this {
    const text = doc.text;
    const opaque = doc.opaque;
    const tight = doc.tightSelfClosing;
    let o = firstPairEndingAfter(opaque, from);
    let t = firstAtOrAfter(tight, from);
    let last = from;
    const chunk = (end: number) => {
      while (t < tight.length && tight[t]! < end) {
        this.parts.push(text.slice(last, tight[t]), ' ');
        last = tight[t++]!;
      }
      this.parts.push(text.slice(last, end));
    };
    for (let nl = text.indexOf('\n', from); nl >= 0 && nl < to; nl = text.indexOf('\n', nl + 1)) {
      const lineEnd = nl > last && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
      chunk(lineEnd);
      this.parts.push('\r\n');
      last = nl + 1;
      if (!delta) continue;
      while (o < opaque.length && opaque[o + 1]! <= nl) o += 2;
      if (o < opaque.length && opaque[o]! < nl) continue; // inside CDATA or a comment
      let next = nl + 1;
      while (next < to && text.charCodeAt(next) === 32) next++;
      if (text.charCodeAt(next) !== LT || !afterTag(text, lineEnd)) continue;
      this.parts.push(spaces(Math.max(0, next - nl - 1 + delta)));
      last = next;
    }
    chunk(to);
    return this;
  }

  /**
   * Copies an element with some of its descendants replaced by other text (each replacement covers
   * the whole replaced element, tags included). Replaced elements must not contain one another.
   */
  copyReplacing(doc: XmlSlices, e: El, delta: number, replacements: Map<El, string>): this {
    let at = doc.start(e);
    for (const [replaced, text] of [...replacements].sort(([a], [b]) => doc.start(a) - doc.start(b))) {
      this.copy(doc, at, doc.start(replaced), delta).raw(text);
      at = doc.end(replaced);
    }
    return this.copy(doc, at, doc.end(e), delta);
  }

  toString(): string {
    return this.parts.join('');
  }
}

/** True when only whitespace stands between the previous tag's `>` and `position`. */
function afterTag(text: string, position: number): boolean {
  for (let at = position - 1; at >= 0; at--) {
    const code = text.charCodeAt(at);
    if (code === GT) return true;
    if (code !== 32 && code !== 9 && code !== 10 && code !== 13) return false;
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

export function hasXsiDeclaration(doc: XmlSlices, e: El): boolean {
  return doc.text.slice(doc.start(e), doc.attributesEnd(e)).includes('xmlns:xsi=');
}

/**
 * One component file as SolutionPackager writes it: BOM, declaration, CRLF, the element at the left
 * margin, and (unless `xsi` is false) the xsi namespace declared on its root.
 */
export function elementFile(doc: XmlSlices, e: El, options: { xsi?: boolean; replacements?: Map<El, string> } = {}): string {
  const builder = new TextBuilder().raw(`${BOM}${DECLARATION}\r\n`);
  appendElement(builder, doc, e, -doc.indentOf(e), options);
  return builder.toString();
}

/** The element inside a new root `wrapper` (forms, savedqueries), one level in. */
export function wrappedFile(doc: XmlSlices, e: El, wrapper: string): string {
  return new TextBuilder()
    .raw(`${BOM}${DECLARATION}\r\n<${wrapper}${XSI}>`)
    .line(2)
    .copy(doc, doc.start(e), doc.end(e), 2 - doc.indentOf(e))
    .raw(`\r\n</${wrapper}>`)
    .toString();
}

/** A file holding a new root and the given elements (relationships grouped by entity). */
export function groupFile(root: string, doc: XmlSlices, items: El[]): string {
  if (!items.length) return `${BOM}${DECLARATION}\r\n<${root}${XSI} />`;
  const builder = new TextBuilder().raw(`${BOM}${DECLARATION}\r\n<${root}${XSI}>`);
  for (const item of items) builder.line(2).copy(doc, doc.start(item), doc.end(item), 2 - doc.indentOf(item));
  return builder.raw(`\r\n</${root}>`).toString();
}

/** Appends an element moved by `delta`, optionally declaring xsi on it and replacing descendants. */
export function appendElement(builder: TextBuilder, doc: XmlSlices, e: El, delta: number, options: { xsi?: boolean; replacements?: Map<El, string> } = {}): TextBuilder {
  const replacements = options.replacements ?? new Map<El, string>();
  if (options.xsi === false || hasXsiDeclaration(doc, e)) return builder.copyReplacing(doc, e, delta, replacements);
  const at = doc.attributesEnd(e);
  builder.copy(doc, doc.start(e), at, delta).raw(XSI);
  let cursor = at;
  for (const [replaced, text] of [...replacements].sort(([a], [b]) => doc.start(a) - doc.start(b))) {
    builder.copy(doc, cursor, doc.start(replaced), delta).raw(text);
    cursor = doc.end(replaced);
  }
  return builder.copy(doc, cursor, doc.end(e), delta);
}

/**
 * An element from a component file, for customizations.xml at `indent`: moved there, without the
 * xsi declaration its file's root carries (customizations.xml declares it once on its root).
 */
export function embedded(doc: XmlSlices, e: El, indent: number, replacements = new Map<El, string>()): string {
  const delta = indent - doc.indentOf(e);
  const builder = new TextBuilder();
  const tagEnd = doc.attributesEnd(e);
  const tag = doc.text.slice(doc.start(e), tagEnd);
  const declaration = /\s+xmlns:xsi\s*=\s*("[^"]*"|'[^']*')/.exec(tag);
  if (declaration) {
    const from = doc.start(e) + declaration.index;
    builder.copy(doc, doc.start(e), from, delta);
    let cursor = from + declaration[0].length;
    for (const [replaced, text] of [...replacements].sort(([a], [b]) => doc.start(a) - doc.start(b))) {
      builder.copy(doc, cursor, doc.start(replaced), delta).raw(text);
      cursor = doc.end(replaced);
    }
    return builder.copy(doc, cursor, doc.end(e), delta).toString();
  }
  return builder.copyReplacing(doc, e, delta, replacements).toString();
}

/** A container written with its children, each already at `indent`: `<Name>…</Name>`, or the tag as it is when there are none. */
export function filledContainer(doc: XmlSlices, container: El, items: string[], indent: number): string {
  if (!items.length) return doc.outer(container);
  const builder = new TextBuilder().raw(`${doc.text.slice(doc.start(container), doc.attributesEnd(container))}>`);
  for (const item of items) builder.line(indent).raw(item);
  return builder.line(indent - 2).raw(`</${doc.name(container)}>`).toString();
}

/** Text content as .NET's XmlWriter writes it: `&`, `<` and `>` escaped, quotes left alone. */
export function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Text or bytes as UTF-8 with CRLF line ends, the form every XML file of the layout has. */
export function withCrlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}
