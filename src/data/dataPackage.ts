import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, pipeline, type Readable } from 'node:stream';
import { pipeline as pipelined } from 'node:stream/promises';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { createInflateRaw } from 'node:zlib';
import { SolutionFileError } from '../solutions/errors';
import { ZipReader } from '../solutions/zipReader';
import { ToolError } from '../callerError';
import { CmtFormatError, type CmtSchema } from './cmtSchema';
import { readSchema } from './cmtSchemaReader';

/** `[Content_Types].xml` byte for byte as the Configuration Migration tool writes it. */
export const CMT_CONTENT_TYPES = Buffer.from(
  '\uFEFF<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/octet-stream" /></Types>',
  'utf8',
);

/** A Configuration Migration data file opened for import: its schema, and data.xml to stream once. */
export interface DataSource {
  schema: CmtSchema;
  /** data.xml's bytes as they are read. */
  openData(): Promise<AsyncIterable<Buffer>>;
  /** Changes when the file changes: a resumed import checks it is the same file. */
  fingerprint: string;
  close(): void;
}

function refuse(shownAs: string, why: string): ToolError {
  return new ToolError(
    `dataFile: ${shownAs} ${why} Nothing was imported.`,
    'Give a data zip written by the Configuration Migration tool, pac data export or pp_export_data, or the folder it unzips to (data_schema.xml and data.xml).',
  );
}

/** Opens a data zip, or the folder it was unzipped to (with or without [Content_Types].xml). */
export async function openDataFile(path: string, shownAs: string): Promise<DataSource> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new ToolError(`dataFile: ${shownAs} does not exist. Nothing was imported.`);
  if (info.isDirectory()) {
    const schemaFile = join(path, 'data_schema.xml');
    const dataFile = join(path, 'data.xml');
    const [schemaInfo, dataInfo] = await Promise.all([stat(schemaFile).catch(() => undefined), stat(dataFile).catch(() => undefined)]);
    if (!schemaInfo?.isFile() || !dataInfo?.isFile()) throw refuse(shownAs, 'is a folder without data_schema.xml and data.xml.');
    const bytes = await readFile(schemaFile);
    return {
      schema: parseSchema(bytes, shownAs),
      openData: () => Promise.resolve(createReadStream(dataFile, { highWaterMark: 256 * 1024 })),
      fingerprint: fingerprint(bytes, `${dataInfo.size}:${dataInfo.mtimeMs}`),
      close: () => undefined,
    };
  }
  const zip = await ZipReader.open(path).catch((error) => {
    throw error instanceof SolutionFileError ? new ToolError(`dataFile: ${error.message}`, error.hint) : error;
  });
  try {
    if (!zip.has('data_schema.xml') || !zip.has('data.xml'))
      throw refuse(shownAs, 'is not a Configuration Migration data zip: it needs data_schema.xml and data.xml at its root.');
    const bytes = await zip.read('data_schema.xml');
    return {
      schema: parseSchema(bytes, shownAs),
      openData: async () => drained(await inflatedEntry(path, shownAs, 'data.xml')),
      fingerprint: fingerprint(bytes, `${info.size}:${info.mtimeMs}:${zip.size('data.xml')}`),
      close: () => zip.close(),
    };
  } catch (error) {
    zip.close();
    throw error;
  }
}

/**
 * The zip no longer reads as it did when it was checked: another program wrote it meanwhile (an
 * export to the same file, for example), or data.xml's entry is damaged.
 */
function changedWhileRead(shownAs: string, detail: string): ToolError {
  return new ToolError(
    `dataFile: ${shownAs} is damaged, or changed while it was being read (${detail}).`,
    'Give a data file no other program is writing (an export to the same file included), then call pp_import_data again.',
  );
}

/**
 * A member of a zip that ZipReader has already checked, read and inflated in large chunks: yauzl
 * reads and inflates in 16 KB pieces, which made inflating data.xml cost as much as parsing it. The
 * bytes are counted against the size the zip declares.
 */
async function inflatedEntry(path: string, shownAs: string, name: string): Promise<Readable> {
  const entry = await zipEntry(path, name).catch((error: Error) => {
    throw changedWhileRead(shownAs, error.message);
  });
  // The entry's bytes start after its local header, whose name and extra field lengths say where.
  const handle = await open(path, 'r');
  let start: number;
  try {
    const header = Buffer.alloc(30);
    await handle.read(header, 0, 30, entry.relativeOffsetOfLocalHeader);
    if (header.readUInt32LE(0) !== 0x04034b50) throw changedWhileRead(shownAs, `${name} has no local header where the zip says`);
    start = entry.relativeOffsetOfLocalHeader + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  } finally {
    await handle.close();
  }
  const raw = createReadStream(path, { start, end: start + entry.compressedSize - 1, highWaterMark: 256 * 1024 });
  let size = 0;
  const declared = entry.uncompressedSize;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      done(size > declared ? changedWhileRead(shownAs, `${name} holds more than the ${declared} bytes the zip declares`) : null, chunk);
    },
    flush(done) {
      done(size < declared ? changedWhileRead(shownAs, `${name} holds ${size} of the ${declared} bytes the zip declares`) : null);
    },
  });
  const stages = entry.compressionMethod === 0 ? [raw, counted] : [raw, createInflateRaw({ chunkSize: 256 * 1024 }), counted];
  // Errors reach the last stage, which the reader reads; these listeners come before the pipeline's,
  // so what the reader meets says which file and what to do (bytes that do not inflate, for example).
  for (const stage of stages.slice(0, -1))
    stage.once('error', (error: Error) => counted.destroy(changedWhileRead(shownAs, `${name}: ${error.message}`)));
  pipeline(stages as [Readable, Transform], () => undefined);
  return counted;
}

/** The directory entry of a zip member, read again by yauzl. */
async function zipEntry(path: string, name: string): Promise<yauzl.Entry> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true, autoClose: false }, (error, z) => (error ? reject(error) : resolve(z))),
  );
  try {
    return await new Promise<yauzl.Entry>((resolve, reject) => {
      zip.on('entry', (e: yauzl.Entry) => (e.fileName === name ? resolve(e) : zip.readEntry()));
      zip.once('end', () => reject(new Error(`it has no ${name} any more`)));
      zip.once('error', reject);
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
}

/**
 * The chunks of a zip entry. Stopping early (an import that ran out of time) lets the entry's
 * inflate pipeline run to its end instead of destroying it mid-write, which would fail upstream.
 */
async function* drained(stream: Readable): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream.iterator({ destroyOnReturn: false })) yield chunk as Buffer;
  } finally {
    if (!stream.readableEnded) {
      stream.on('error', () => undefined);
      stream.resume();
    }
  }
}

function parseSchema(bytes: Buffer, shownAs: string) {
  try {
    return readSchema(bytes, 'data_schema.xml');
  } catch (error) {
    if (error instanceof CmtFormatError || error instanceof SolutionFileError)
      throw refuse(shownAs, `has a data_schema.xml that cannot be read: ${error.message}`);
    throw error;
  }
}

function fingerprint(schema: Buffer, data: string): string {
  return createHash('sha256').update(schema).update(data).digest('hex').slice(0, 32);
}

/**
 * Writes a data zip as the tool does: data.xml, data_schema.xml, then its `[Content_Types].xml`,
 * every entry stamped with the export time. data.xml is streamed from the file it was written to.
 * Written beside the target and renamed, so a failure leaves no half-written zip.
 */
export async function writeDataZip(target: string, dataXmlFile: string, schema: Buffer, at = new Date()): Promise<void> {
  const zip = new yazl.ZipFile();
  zip.addFile(dataXmlFile, 'data.xml', { mtime: at, compress: true });
  zip.addBuffer(schema, 'data_schema.xml', { mtime: at, compress: true });
  zip.addBuffer(CMT_CONTENT_TYPES, '[Content_Types].xml', { mtime: at, compress: true });
  zip.end();
  const partial = `${target}.partial-${process.pid}`;
  await mkdir(dirname(target), { recursive: true });
  try {
    await pipelined(zip.outputStream, createWriteStream(partial));
    await rename(partial, target);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}
