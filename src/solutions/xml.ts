import { DOMParser, XMLSerializer, type Document, type Element, type Node } from '@xmldom/xmldom';
import { SolutionFileError } from './errors';

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
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
  if (bytes <= MAX_XML_BYTES) return;
  throw new SolutionFileError(
    'XmlTooLarge',
    `${file} is ${Math.round(bytes / 1024 ** 2)} MB of XML, over the ${MAX_XML_BYTES / 1024 ** 2} MB this server reads. Nothing was done with it.`,
    'Split the solution into smaller ones, or use pac for this one.',
  );
}

export function parseXml(text: string | Buffer, file: string): Document {
  checkXmlSize(typeof text === 'string' ? text.length : text.length, file);
  let source = (typeof text === 'string' ? text : text.toString('utf8')).replace(/^\uFEFF/, '');
  if (/<!DOCTYPE|<!ENTITY/i.test(source)) {
    throw new SolutionFileError('UnsafeXml', `${file} declares a DOCTYPE or entities, which solution files never do; it was not read.`, 'Use a solution exported from Dataverse or written by pac / SolutionPackager.');
  }
  let problem: string | undefined;
  source = outsideCdataAndComments(source, (part) => part.replace(/<([A-Za-z_][\w.:-]*)(\s[^<>]*)?><\/\1>/g, `<$1$2>${EXPLICITLY_EMPTY}</$1>`));
  let document: Document;
  try {
    document = new DOMParser({
      onError: (level, message) => {
        if (level !== 'warning') problem ??= message;
      },
    }).parseFromString(source, 'text/xml');
  } catch (error) {
    // xmldom throws on fatal errors (an unclosed tag at the end) after reporting them.
    problem ??= (error as Error).message;
    throw new SolutionFileError('InvalidXml', `${file} is not well-formed XML: ${problem.split('\n')[0]}`);
  }
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

/** Removes every child, leaving `<Name />`. */
export function empty(element: Element): void {
  while (element.firstChild) element.removeChild(element.firstChild);
}

export function isEmpty(element: Element): boolean {
  return elements(element).length === 0 && !textOf(element);
}

/**
 * Moves the indentation of an element's content by `delta` spaces, so a part cut out of
 * customizations.xml starts at the left margin of its own file, and goes back in at its depth.
 */
export function reindent(element: Node, delta: number): void {
  if (!delta) return;
  for (let node = element.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === TEXT_NODE && !(node.nodeValue ?? '').trim()) {
      node.nodeValue = (node.nodeValue ?? '').replace(/\n( *)/g, (_, spaces: string) => `\n${' '.repeat(Math.max(0, spaces.length + delta))}`);
    } else if (node.nodeType === ELEMENT_NODE) {
      reindent(node, delta);
    }
  }
}

/** The indentation (in spaces) of an element, read from the whitespace before it. */
export function indentOf(element: Element): number {
  const before = element.previousSibling;
  if (before?.nodeType !== TEXT_NODE) return 0;
  const match = /\n( *)$/.exec(before.nodeValue ?? '');
  return match ? match[1]!.length : 0;
}

/** Appends children to a container with indentation matching its depth. */
export function appendIndented(container: Element, children: Element[], depth: number): void {
  const document = container.ownerDocument!;
  empty(container);
  for (const item of children) {
    container.appendChild(document.createTextNode(`\n${' '.repeat(depth + 2)}`));
    reindent(item, depth + 2 - indentOf(item));
    const copy = copyNode(document, item) as Element;
    // A component file's root declares xsi itself; inside customizations.xml the root declares it once.
    if (copy.hasAttribute('xmlns:xsi') && document.documentElement?.hasAttribute('xmlns:xsi')) copy.removeAttribute('xmlns:xsi');
    container.appendChild(copy);
  }
  if (children.length) container.appendChild(document.createTextNode(`\n${' '.repeat(depth)}`));
}

/** Text safe in XML content and in double-quoted attributes. */
export function escapeXml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const CDATA_SECTION_NODE = 4;
const COMMENT_NODE = 8;
const PROCESSING_INSTRUCTION_NODE = 7;

/**
 * A deep copy of a node for another document. xmldom's importNode copies every property of every
 * node through a generic loop, which made it most of the time of splitting and joining; building the
 * copy with the document's own factory methods keeps names, namespaces, attributes and text as they are.
 */
export function copyNode(document: Document, node: Node): Node {
  switch (node.nodeType) {
    case ELEMENT_NODE: {
      const source = node as Element;
      const copy = document.createElementNS(source.namespaceURI, source.nodeName);
      for (let i = 0; i < source.attributes.length; i++) {
        const attribute = source.attributes.item(i)!;
        copy.setAttributeNS(attribute.namespaceURI, attribute.name, attribute.value);
      }
      for (let child = source.firstChild; child; child = child.nextSibling) copy.appendChild(copyNode(document, child));
      return copy;
    }
    case TEXT_NODE:
      return document.createTextNode(node.nodeValue ?? '');
    case CDATA_SECTION_NODE:
      return document.createCDATASection(node.nodeValue ?? '');
    case COMMENT_NODE:
      return document.createComment(node.nodeValue ?? '');
    case PROCESSING_INSTRUCTION_NODE:
      return document.createProcessingInstruction(node.nodeName, node.nodeValue ?? '');
    default:
      return document.importNode(node, true);
  }
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

/**
 * A new document for one component file, starting at the left margin: either a copy of `element`
 * itself, or `element` wrapped in a new root named `wrapIn` (forms, savedqueries). The root declares
 * xsi like SolutionPackager's files do.
 */
export function standalone(element: Element, options: { wrapIn?: string; xsi?: boolean } = {}): Document {
  const document = new DOMParser().parseFromString(`<${options.wrapIn ?? element.nodeName}/>`, 'text/xml');
  const root = document.documentElement!;
  if (options.wrapIn) {
    const copy = copyNode(document, element);
    reindent(copy, 2 - indentOf(element));
    root.appendChild(document.createTextNode('\n  '));
    root.appendChild(copy);
    root.appendChild(document.createTextNode('\n'));
  } else {
    for (const attribute of Array.from(element.attributes)) if (attribute.name !== 'xmlns:xsi') root.setAttribute(attribute.name, attribute.value);
    for (let node = element.firstChild; node; node = node.nextSibling) root.appendChild(copyNode(document, node));
    reindent(root, -indentOf(element));
  }
  // As a namespace declaration, so the xsi:nil attributes inside need none of their own.
  if (options.xsi !== false) root.setAttributeNS('http://www.w3.org/2000/xmlns/', 'xmlns:xsi', 'http://www.w3.org/2001/XMLSchema-instance');
  return document;
}

/**
 * A canonical text of an element for comparisons: attributes sorted, whitespace-only text dropped,
 * text trimmed, and children sorted (sibling order carries no meaning for import).
 */
export function canonical(node: Element): string {
  const attributes = Array.from(node.attributes)
    .filter((a) => a.name !== 'xmlns:xsi')
    .map((a) => `${a.name}=${JSON.stringify(a.value)}`)
    .sort();
  const parts: string[] = [];
  for (let item = node.firstChild; item; item = item.nextSibling) {
    if (item.nodeType === ELEMENT_NODE) parts.push(canonical(item as Element));
    else if (item.nodeType === TEXT_NODE && (item.nodeValue ?? '').replace(EXPLICITLY_EMPTY, '').trim()) parts.push(JSON.stringify((item.nodeValue ?? '').trim()));
  }
  return `<${node.nodeName} ${attributes.join(' ')}>${parts.sort().join('')}</${node.nodeName}>`;
}
