import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DOMParser, type Element, type Node } from '@xmldom/xmldom';
import { ZipReader } from '../../src/solutions/zipReader';

const ELEMENT = 1;
const TEXT = 3;
const CDATA = 4;

/**
 * XML as Dataverse reads it, for comparisons: names, attributes (sorted, the xsi declaration aside)
 * and trimmed text, children in any order (sibling order means nothing to import). Parsed with
 * xmldom, not with the packager's own tokenizer, so a bug cannot hide on both sides.
 */
export function canonicalXml(bytes: Buffer, name: string): string {
  let problem: string | undefined;
  const doc = new DOMParser({ onError: (level, message) => void (level !== 'warning' && (problem ??= message)) }).parseFromString(
    bytes.toString('utf8').replace(/^\uFEFF/, ''),
    'text/xml',
  );
  if (problem || !doc.documentElement) throw new Error(`${name} is not XML: ${problem}`);
  return canonical(doc.documentElement);
}

function canonical(element: Element): string {
  const attributes = Array.from(element.attributes)
    .filter((a) => a.name !== 'xmlns:xsi')
    .map((a) => `${a.name}=${JSON.stringify(a.value)}`)
    .sort();
  const children: string[] = [];
  let text = '';
  for (let node: Node | null = element.firstChild; node; node = node.nextSibling) {
    if (node.nodeType === ELEMENT) children.push(canonical(node as Element));
    else if (node.nodeType === TEXT || node.nodeType === CDATA) text += node.nodeValue ?? '';
  }
  return `<${element.nodeName} ${attributes.join(' ')}>${JSON.stringify(text.trim())}${children.sort().join('')}</${element.nodeName}>`;
}

export async function zipMembers(file: string): Promise<Map<string, Buffer>> {
  const reader = await ZipReader.open(file);
  try {
    const members = new Map<string, Buffer>();
    for (const name of reader.names()) members.set(name, await reader.read(name));
    return members;
  } finally {
    reader.close();
  }
}

/** XML compared as Dataverse reads it, anything else byte for byte. */
export function sameMember(name: string, a: Buffer, b: Buffer): boolean {
  return /\.xml$/i.test(name) ? canonicalXml(a, name) === canonicalXml(b, name) : a.equals(b);
}

/** A file's text with LF line ends (repositories store SolutionPackager's CRLF files either way). */
export function lf(bytes: Buffer): string {
  return bytes.toString('utf8').replace(/\r\n/g, '\n');
}

/** The entries of a folder (not dot entries), sorted. */
export function entries(folder: string): string[] {
  return readdirSync(folder)
    .filter((name) => !name.startsWith('.'))
    .sort();
}

/** Every zip under a folder, as paths relative to it. */
export function zipsUnder(folder: string, prefix = ''): string[] {
  return entries(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return zipsUnder(path, `${prefix}${name}/`);
    return name.endsWith('.zip') ? [`${prefix}${name}`] : [];
  });
}
