import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { ZipReader } from '../src/solutions/zipReader';

const GUID = /\b([0-9a-fA-F]{8})(-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\b/g;

/** The same text as copy number `copy`: every GUID and every name with the publisher prefix made unique. */
function renamed(text: string, copy: number, prefix: string): string {
  if (!copy) return text;
  return text
    .replace(GUID, (_, head: string, tail: string) => {
      const changed = (parseInt(head, 16) ^ copy).toString(16).padStart(8, '0');
      return `${/[A-F]/.test(head + tail) ? changed.toUpperCase() : changed}${tail}`;
    })
    .split(prefix)
    .join(`${prefix.slice(0, -1)}${copy.toString(36)}_`);
}

/**
 * A solution zip holding `copies` copies of a real one's tables, relationships and flows (with their
 * files), each copy's GUIDs and prefixed names made unique; everything else once. It grows like a
 * real solution does, in components rather than in the size of one.
 */
export async function solutionCopies(source: string, target: string, copies: number, prefix: string): Promise<{ xmlBytes: number }> {
  const zip = await ZipReader.open(source);
  const members = new Map<string, Buffer>();
  for (const name of zip.names()) members.set(name, await zip.read(name));
  zip.close();
  const customizations = members.get('customizations.xml')!.toString('utf8');
  const multiplied = customizations.replace(
    /(<(Entities|EntityRelationships|Workflows)>)([\s\S]*?)(\r?\n {2}<\/\2>)/g,
    (_, open: string, _name: string, inner: string, close: string) => {
      const parts: string[] = [];
      for (let copy = 0; copy < copies; copy++) parts.push(renamed(inner, copy, prefix));
      return `${open}${parts.join('')}${close}`;
    },
  );
  const out = new yazl.ZipFile();
  out.addBuffer(Buffer.from(multiplied, 'utf8'), 'customizations.xml');
  out.addBuffer(members.get('solution.xml')!, 'solution.xml');
  for (const [name, bytes] of members) {
    if (!name.startsWith('Workflows/')) continue;
    for (let copy = 0; copy < copies; copy++)
      out.addBuffer(Buffer.from(renamed(bytes.toString('utf8'), copy, prefix), 'utf8'), renamed(name, copy, prefix));
  }
  out.addBuffer(members.get('[Content_Types].xml')!, '[Content_Types].xml');
  out.end();
  await pipeline(out.outputStream, createWriteStream(target));
  return { xmlBytes: Buffer.byteLength(multiplied) + members.get('solution.xml')!.length };
}
