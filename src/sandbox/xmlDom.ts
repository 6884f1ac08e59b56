import type * as Xmldom from '@xmldom/xmldom';
import type { Document, Element, Node } from '@xmldom/xmldom';

/**
 * The sandbox's own small XML helpers over xmldom. It reads what it receives with these, never with
 * the product's parsers, so a parser bug cannot hide on both sides of a test.
 */
export class SandboxXmlError extends Error {}

let loaded: typeof Xmldom | undefined;

/** xmldom, evaluated on first use (the product has its own loader; the sandbox shares none of its code). */
export function xmldom(): typeof Xmldom {
  // A require in the function, not an import: esbuild then evaluates the bundled module only when called.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('@xmldom/xmldom') as typeof Xmldom);
}

export function readXml(bytes: Buffer | string, name: string): Document {
  const text = (typeof bytes === 'string' ? bytes : bytes.toString('utf8')).replace(/^\uFEFF/, '');
  if (/<!DOCTYPE/i.test(text)) throw new SandboxXmlError(`${name} declares a DOCTYPE.`);
  let problem: string | undefined;
  let document: Document | undefined;
  try {
    document = new (xmldom().DOMParser)({
      onError: (level, message) => void (level !== 'warning' && (problem ??= message)),
    }).parseFromString(text, 'text/xml');
  } catch (error) {
    problem ??= (error as Error).message;
  }
  if (problem || !document?.documentElement)
    throw new SandboxXmlError(`${name} is not well-formed XML: ${(problem ?? 'no root element').split('\n')[0]}`);
  return document;
}

export function childElements(parent: Node): Element[] {
  const found: Element[] = [];
  for (let node = parent.firstChild; node; node = node.nextSibling) if (node.nodeType === 1) found.push(node as Element);
  return found;
}

export function firstChild(parent: Node | null | undefined, name: string): Element | undefined {
  return parent ? childElements(parent).find((e) => e.nodeName === name) : undefined;
}

export function textIn(element: Element | null | undefined): string {
  return (element?.textContent ?? '').trim();
}

export function writeXml(document: Document): Buffer {
  const body = new (xmldom().XMLSerializer)().serializeToString(document).replace(/^<\?xml[^?]*\?>\s*/, '');
  return Buffer.from(`\uFEFF<?xml version="1.0" encoding="utf-8"?>\r\n${body.replace(/\r?\n/g, '\r\n')}`, 'utf8');
}

export function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
