import { DOMParser, XMLSerializer, type Document, type Element, type Node } from '@xmldom/xmldom';
import { SolutionFileError } from './errors';

const ELEMENT_NODE = 1;
const BOM = '\uFEFF';

/**
 * Stands in the text of elements written `<Name></Name>`, which xmldom would otherwise write back as
 * `<Name />`. SolutionPackager keeps the form it read, so files round-trip byte for byte. A
 * private-use character: never in solution files, removed when reading text and when writing.
 */
const EXPLICITLY_EMPTY = '\uE000';

/**
 * Parses a solution XML document. DOCTYPE and entity declarations are refused before parsing: solution
 * files never carry them, and they are how entity-expansion and external-entity attacks get in.
 */
export function parseXml(text: string | Buffer, file: string): Document {
  let source = (typeof text === 'string' ? text : text.toString('utf8')).replace(/^\uFEFF/, '');
  if (/<!DOCTYPE|<!ENTITY/i.test(source)) {
    throw new SolutionFileError('UnsafeXml', `${file} declares a DOCTYPE or entities, which solution files never do; it was not read.`, 'Use a solution exported from Dataverse or written by pac / SolutionPackager.');
  }
  let problem: string | undefined;
  source = outsideCdataAndComments(source, (part) => part.replace(/<([A-Za-z_][\w.:-]*)(\s[^<>]*)?><\/\1>/g, `<$1$2>${EXPLICITLY_EMPTY}</$1>`));
  const document = new DOMParser({
    onError: (level, message) => {
      if (level !== 'warning') problem ??= message;
    },
  }).parseFromString(source, 'text/xml');
  if (problem || !document.documentElement) throw new SolutionFileError('InvalidXml', `${file} is not well-formed XML: ${(problem ?? 'no root element').split('\n')[0]}`);
  return document;
}

export function elements(parent: Node): Element[] {
  const found: Element[] = [];
  for (let child = parent.firstChild; child; child = child.nextSibling) if (child.nodeType === ELEMENT_NODE) found.push(child as Element);
  return found;
}

export function child(parent: Node, name: string): Element | undefined {
  return elements(parent).find((e) => e.nodeName === name);
}

export function textOf(element: Element | undefined): string {
  return element?.textContent?.replace(EXPLICITLY_EMPTY, '').trim() ?? '';
}

/** Text safe in XML content and in double-quoted attributes. */
export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** `<Name/>` as .NET's XmlWriter writes it, `<Name />`, outside CDATA sections and comments. */
function spaceSelfClosing(text: string): string {
  return outsideCdataAndComments(text, (part) => part.replace(/([^\s/])\/>/g, '$1 />').replaceAll(EXPLICITLY_EMPTY, ''));
}

/** Applies `change` to the markup only, leaving CDATA sections and comments as they are. */
function outsideCdataAndComments(text: string, change: (markup: string) => string): string {
  return text
    .split(/(<!\[CDATA\[[\s\S]*?\]\]>|<!--[\s\S]*?-->)/)
    .map((part, index) => (index % 2 ? part : change(part)))
    .join('');
}

/** How SolutionPackager writes its files: BOM, declaration, CRLF. */
export function serializeXml(node: Document | Element, options: { declaration?: boolean; bom?: boolean } = {}): Buffer {
  let text = new XMLSerializer().serializeToString(node as Node).replace(/^<\?xml[^?]*\?>\s*/, '');
  if (options.declaration !== false) text = `<?xml version="1.0" encoding="utf-8"?>\n${text}`;
  text = spaceSelfClosing(text).replace(/\r?\n/g, '\r\n');
  return Buffer.from((options.bom === false ? '' : BOM) + text, 'utf8');
}
