import type { Document, Element, Node } from '@xmldom/xmldom';
import { xmldom } from './xmldom';
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
/**
 * The largest XML this server parses. A document becomes a tree many times its size in memory, and a
 * string cannot pass about 512 MiB at all; larger files are refused with a clear error instead.
 */
export const MAX_XML_BYTES = 256 * 1024 ** 2;

/** Refuses an XML file of `bytes` bytes when it is over MAX_XML_BYTES, before it is read. */
export function checkXmlSize(bytes: number, file: string): void {
  if (bytes > MAX_XML_BYTES) throw xmlTooLarge(bytes, file);
}

export function xmlTooLarge(bytes: number, file: string): SolutionFileError {
  return new SolutionFileError(
    'XmlTooLarge',
    `${file} is ${Math.round(bytes / 1024 ** 2)} MB of XML, over the ${MAX_XML_BYTES / 1024 ** 2} MB this server reads. Nothing was done with it.`,
    'Split the solution into smaller ones, or use pac for this one.',
  );
}

export function parseXml(text: string | Buffer, file: string): Document {
  checkXmlSize(typeof text === 'string' ? text.length : text.length, file);
  let source = (typeof text === 'string' ? text : text.toString('utf8')).replace(/^\uFEFF/, '');
  if (/<!DOCTYPE|<!ENTITY/i.test(source)) {
    throw new SolutionFileError(
      'UnsafeXml',
      `${file} declares a DOCTYPE or entities, which solution files never do; it was not read.`,
      'Use a solution exported from Dataverse or written by pac / SolutionPackager.',
    );
  }
  let problem: string | undefined;
  source = outsideCdataAndComments(source, (part) =>
    part.replace(/<([A-Za-z_][\w.:-]*)(\s[^<>]*)?><\/\1>/g, `<$1$2>${EXPLICITLY_EMPTY}</$1>`),
  );
  let document: Document;
  try {
    document = new (xmldom().DOMParser)({
      onError: (level, message) => {
        if (level !== 'warning') problem ??= message;
      },
    }).parseFromString(source, 'text/xml');
  } catch (error) {
    // xmldom throws on fatal errors (an unclosed tag at the end) after reporting them.
    problem ??= (error as Error).message;
    throw new SolutionFileError('InvalidXml', `${file} is not well-formed XML: ${problem.split('\n')[0]}`);
  }
  if (problem || !document.documentElement)
    throw new SolutionFileError('InvalidXml', `${file} is not well-formed XML: ${(problem ?? 'no root element').split('\n')[0]}`);
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
  let text = new (xmldom().XMLSerializer)().serializeToString(node).replace(/^<\?xml[^?]*\?>\s*/, '');
  if (options.declaration !== false) text = `<?xml version="1.0" encoding="utf-8"?>\n${text}`;
  text = spaceSelfClosing(text).replace(/\r?\n/g, '\r\n');
  return Buffer.from((options.bom === false ? '' : BOM) + text, 'utf8');
}
