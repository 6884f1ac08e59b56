import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
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
