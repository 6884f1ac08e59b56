import { ByteBuilder } from './xmlText';
import { XmlSlices, type El } from './xmlSlices';

/**
 * XML kept as text inside another document (an e-mail template's presentation XML), laid out the way
 * SolutionPackager writes it to its own file: one element per line, two spaces per level, elements
 * holding text kept on one line. Undefined when the text is not XML, so the caller keeps it as it is.
 */
export function prettyXml(text: string): string | undefined {
  const doc = parseOrUndefined(text);
  if (!doc) return undefined;
  const builder = new ByteBuilder();
  const write = (e: El, depth: number) => {
    if (!doc.hasChildren(e) || holdsText(doc, e)) {
      builder.copy(doc, doc.start(e), doc.end(e), 0);
      return;
    }
    builder.copy(doc, doc.start(e), doc.contentStart(e), 0);
    for (const child of doc.children(e)) {
      builder.line(depth * 2 + 2);
      write(child, depth + 1);
    }
    builder.line(depth * 2).copy(doc, doc.contentEnd(e), doc.end(e), 0);
  };
  write(doc.root, 0);
  return builder.toString();
}

/** The reverse of prettyXml, as SolutionPackager packs such a file: the root element without the whitespace between tags. */
export function compactXml(text: string): string | undefined {
  const doc = parseOrUndefined(text);
  if (!doc) return undefined;
  const parts: string[] = [];
  let at = doc.start(doc.root);
  const end = doc.end(doc.root);
  for (let i = 0; i < doc.opaque.length; i += 2) {
    const [from, to] = [doc.opaque[i]!, doc.opaque[i + 1]!];
    if (to <= at || from >= end) continue;
    parts.push(doc.str(at, from).replace(/>\s+</g, '><'), doc.str(from, to));
    at = to;
  }
  parts.push(doc.str(at, end).replace(/>\s+</g, '><'));
  return parts.join('');
}

function parseOrUndefined(text: string): XmlSlices | undefined {
  try {
    return XmlSlices.parse(text, 'embedded XML');
  } catch {
    return undefined;
  }
}

/** Whether an element has text (or CDATA, or comments) among its children: then it is written on one line. */
function holdsText(doc: XmlSlices, e: El): boolean {
  let at = doc.contentStart(e);
  for (const child of [...doc.children(e), undefined]) {
    const until = child === undefined ? doc.contentEnd(e) : doc.start(child);
    if (doc.str(at, until).trim()) return true;
    if (child !== undefined) at = doc.end(child);
  }
  return false;
}
