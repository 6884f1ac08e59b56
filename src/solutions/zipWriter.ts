import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { SolutionFileError } from './errors';
import { escapeXml } from './xml';

export type ZipMember = { name: string; data: Buffer } | { name: string; file: string };

/** One timestamp for every entry, like Dataverse exports. */
const MTIME = new Date('2026-01-01T00:00:00Z');

/**
 * Writes a zip: members in the given order, file members streamed from disk, then
 * `[Content_Types].xml` made from the final member list. Written beside the target and renamed, so
 * a failure leaves no half-written zip.
 */
export async function writeZip(target: string, members: ZipMember[]): Promise<void> {
  for (const member of members) checkMemberName(member.name);
  const zip = new yazl.ZipFile();
  for (const member of members) {
    if ('data' in member) zip.addBuffer(member.data, member.name, { mtime: MTIME, compress: true });
    else zip.addFile(member.file, member.name, { mtime: MTIME, compress: true });
  }
  zip.addBuffer(contentTypes(members.map((m) => m.name)), '[Content_Types].xml', { mtime: MTIME, compress: true });
  zip.end();
  const partial = `${target}.partial-${process.pid}`;
  await mkdir(dirname(target), { recursive: true });
  try {
    await pipeline(zip.outputStream, createWriteStream(partial));
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

/** A member name comes from solution XML, so it is untrusted: relative, forward slashes, no `..`. */
function checkMemberName(name: string): void {
  const why = memberNameProblem(name);
  if (!why) return;
  throw new SolutionFileError(
    'UnsafePath',
    `"${name}" cannot be a member of the zip: ${why}. Nothing was written.`,
    "Correct the file name in the solution folder's XML (FileName and similar elements) so it names a file inside the solution.",
  );
}

/** Why `name` cannot be a zip member (absolute, `..`, backslash, NUL or empty part), or undefined. */
export function memberNameProblem(name: string): string | undefined {
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'it is an absolute path';
  const parts = name.split('/');
  if (parts.some((part) => part === '..' || part === '.')) return 'it climbs out of the zip with ".."';
  if (/[\\\0]/.test(name) || parts.some((part) => !part)) return 'it has a backslash, a NUL or an empty part';
  return undefined;
}

/** The Open Packaging Conventions content types: one Default per extension, an Override per extensionless member. */
export function contentTypes(names: string[]): Buffer {
  const extensions = new Set<string>();
  const overrides: string[] = [];
  for (const name of names) {
    const last = name.slice(name.lastIndexOf('/') + 1);
    const dot = last.lastIndexOf('.');
    if (dot > 0) extensions.add(last.slice(dot + 1));
    else overrides.push(name);
  }
  const defaults = [...extensions].map((ext) => `<Default Extension="${escapeXml(ext)}" ContentType="${ext === 'xml' ? 'text/xml' : 'application/octet-stream'}" />`);
  const parts = overrides.map((name) => `<Override PartName="/${escapeXml(name)}" ContentType="application/octet-stream" />`);
  return Buffer.from(`\uFEFF<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">${defaults.join('')}${parts.join('')}</Types>`, 'utf8');
}

/** A zip in memory, with `[Content_Types].xml` added last like `writeZip` (the sandbox's exports). */
export async function zipToBuffer(members: Array<{ name: string; data: Buffer }>): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  for (const member of members) zip.addBuffer(member.data, member.name, { mtime: MTIME, compress: true });
  zip.addBuffer(contentTypes(members.map((m) => m.name)), '[Content_Types].xml', { mtime: MTIME, compress: true });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
