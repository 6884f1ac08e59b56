import { closeSync, createReadStream, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { constants, crc32, createDeflateRaw, deflateRawSync, type ZlibOptions } from 'node:zlib';
import { deflateWhole, type Deflated } from './deflatePieces';
import { SolutionFileError } from './errors';
import { escapeXml } from './xml';

/** A member's bytes, a file to read them from, or its Deflate stream made already (see DeflateInPieces). */
export type ZipMember = { name: string; data: Buffer } | { name: string; file: string } | { name: string; deflated: Promise<Deflated> };

/** One timestamp for every entry, like Dataverse exports: 2026-01-01 00:00, as MS-DOS date and time. */
const DOS_TIME = 0;
const DOS_DATE = ((2026 - 1980) << 9) | (1 << 5) | 1;
/** Members up to this size are read and compressed in one call; larger ones are streamed. */
const WHOLE_BELOW_BYTES = 16 * 1024 * 1024;
/** Members from this size are compressed in pieces side by side on the thread pool, not in one call here. */
const PIECES_FROM_BYTES = 2 * 1024 * 1024;
/**
 * Members that are compressed already (canvas apps are zips, images, packages): Huffman coding alone is
 * four times faster on them than a full Deflate level and only a few percent larger.
 */
const COMPRESSED_ALREADY = /\.(msapp|zip|nupkg|png|jpe?g|gif|ico|woff2?|xap)$/i;
/** Output is written in pieces of about this size. */
const FLUSH_BYTES = 1024 * 1024;
const FLAG_DATA_DESCRIPTOR = 0x0008;
const FLAG_UTF8 = 0x0800;
const MAX_32 = 0xffffffff;

interface Written {
  name: Buffer;
  flags: number;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
}

/**
 * A zip as Dataverse writes one: Deflate, one timestamp, members in the given order and then
 * `[Content_Types].xml` made from the final member list. Written beside the target and renamed, so a
 * failure leaves no half-written zip. Small members are compressed in one call each and CRC-32 is
 * zlib's own, which makes packing several times faster than through a streaming zip library; members
 * over 16 MB are streamed, and ZIP64 records are added when sizes or counts need them.
 */
export async function writeZip(target: string, members: ZipMember[]): Promise<void> {
  for (const member of members) checkMemberName(member.name);
  const partial = `${target}.partial-${process.pid}`;
  mkdirSync(dirname(target), { recursive: true });
  // Written synchronously in large pieces: a thread-pool round trip per piece costs more than the write.
  const fd = openSync(partial, 'w');
  try {
    const writer = new Writer({
      write: (data: Buffer) => {
        writeAll(fd, data);
        return Promise.resolve();
      },
    });
    for (const member of members) await writer.add(member);
    await writer.add({ name: '[Content_Types].xml', data: contentTypes(members.map((m) => m.name)) });
    await writer.finish();
    closeSync(fd);
    renameSync(partial, target);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(partial, { force: true });
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

/** A zip in memory, with `[Content_Types].xml` added last like `writeZip` (the sandbox's exports). */
export async function zipToBuffer(members: Array<{ name: string; data: Buffer }>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const writer = new Writer({
    write: (data: Buffer) => {
      chunks.push(Buffer.from(data));
      return Promise.resolve();
    },
  });
  for (const member of members) await writer.add(member);
  await writer.add({ name: '[Content_Types].xml', data: contentTypes(members.map((m) => m.name)) });
  await writer.finish();
  return Buffer.concat(chunks);
}

class Writer {
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;
  private offset = 0;
  private readonly entries: Written[] = [];
  private sliceStart = performance.now();

  constructor(private readonly out: { write(data: Buffer): Promise<unknown> }) {}

  async add(member: ZipMember): Promise<void> {
    const name = Buffer.from(member.name, 'utf8');
    const flags = /[^\x20-\x7e]/.test(member.name) ? FLAG_UTF8 : 0;
    if ('deflated' in member) return this.addDeflated(name, flags, await member.deflated);
    const data = 'data' in member ? member.data : readSmall(member.file);
    if (!data) return this.addStreamed(name, flags, (member as { file: string }).file);
    const options: ZlibOptions = COMPRESSED_ALREADY.test(member.name) ? { level: 1, strategy: constants.Z_HUFFMAN_ONLY } : { level: 6 };
    if (data.length >= PIECES_FROM_BYTES) return this.addDeflated(name, flags, await deflateWhole(data, options));
    // One output chunk for most members: fewer pieces to join.
    options.chunkSize = Math.max(16 * 1024, data.length);
    return this.addDeflated(name, flags, { pieces: [deflateRawSync(data, options)], crc: crc32(data), size: data.length });
  }

  private async addDeflated(name: Buffer, flags: number, deflated: Deflated): Promise<void> {
    const compressedSize = deflated.pieces.reduce((sum, piece) => sum + piece.length, 0);
    const entry: Written = { name, flags, crc: deflated.crc, compressedSize, size: deflated.size, offset: this.offset };
    this.push(localHeader(entry));
    for (const piece of deflated.pieces) this.push(piece);
    this.entries.push(entry);
    await this.maybeFlush();
  }

  /** A large file: header first with a data descriptor to follow, the data compressed as it is read. */
  private async addStreamed(name: Buffer, flags: number, file: string): Promise<void> {
    const entry: Written = { name, flags: flags | FLAG_DATA_DESCRIPTOR, crc: 0, compressedSize: 0, size: 0, offset: this.offset };
    this.push(localHeader(entry));
    await this.flush();
    const deflate = createDeflateRaw();
    const compressedChunks = (async () => {
      for await (const chunk of deflate) {
        entry.compressedSize += (chunk as Buffer).length;
        this.push(chunk as Buffer);
        if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
      }
    })();
    for await (const chunk of createReadStream(file, { highWaterMark: FLUSH_BYTES })) {
      entry.crc = crc32(chunk as Buffer, entry.crc);
      entry.size += (chunk as Buffer).length;
      if (!deflate.write(chunk)) await new Promise((resolve) => deflate.once('drain', resolve));
    }
    deflate.end();
    await compressedChunks;
    this.push(dataDescriptor(entry));
    this.entries.push(entry);
    await this.flush();
  }

  async finish(): Promise<void> {
    const start = this.offset;
    for (const entry of this.entries) this.push(centralHeader(entry));
    this.push(endRecords(this.entries.length, start, this.offset - start));
    await this.flush();
  }

  private push(data: Buffer): void {
    this.pending.push(data);
    this.pendingBytes += data.length;
    this.offset += data.length;
  }

  /** Writes when enough is waiting, and lets the event loop run now and then while members are compressed. */
  private async maybeFlush(): Promise<void> {
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
    else if (performance.now() - this.sliceStart > 15) {
      await new Promise((resolve) => setImmediate(resolve));
      this.sliceStart = performance.now();
    }
  }

  private async flush(): Promise<void> {
    if (!this.pending.length) return;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingBytes);
    this.pending.length = 0;
    this.pendingBytes = 0;
    await this.out.write(data);
    this.sliceStart = performance.now();
  }
}

/** A file's bytes, or undefined when it is large enough to be streamed instead. */
function readSmall(file: string): Buffer | undefined {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    if (size >= WHOLE_BELOW_BYTES) return undefined;
    const data = Buffer.allocUnsafe(size);
    let read = 0;
    while (read < size) {
      const count = readSync(fd, data, read, size - read, read);
      if (!count) break;
      read += count;
    }
    return read === size ? data : data.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}

function writeAll(fd: number, data: Buffer): void {
  for (let written = 0; written < data.length;) written += writeSync(fd, data, written);
}

/** Whether an entry needs ZIP64 fields: a size or an offset that does not fit in 32 bits. */
function needsZip64(entry: Written): boolean {
  return entry.size >= MAX_32 || entry.compressedSize >= MAX_32 || entry.offset >= MAX_32;
}

function localHeader(entry: Written): Buffer {
  // A streamed entry's sizes are not known yet: they follow in a ZIP64 data descriptor, announced by a ZIP64 extra field here.
  const streamed = (entry.flags & FLAG_DATA_DESCRIPTOR) !== 0;
  const extra = streamed ? zip64Extra([0, 0]) : needsZip64(entry) ? zip64Extra([entry.size, entry.compressedSize]) : Buffer.alloc(0);
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(extra.length ? 45 : 20, 4);
  header.writeUInt16LE(entry.flags, 6);
  header.writeUInt16LE(8, 8);
  header.writeUInt16LE(DOS_TIME, 10);
  header.writeUInt16LE(DOS_DATE, 12);
  header.writeUInt32LE(streamed ? 0 : entry.crc, 14);
  header.writeUInt32LE(extra.length ? MAX_32 : entry.compressedSize, 18);
  header.writeUInt32LE(extra.length ? MAX_32 : entry.size, 22);
  header.writeUInt16LE(entry.name.length, 26);
  header.writeUInt16LE(extra.length, 28);
  return Buffer.concat([header, entry.name, extra]);
}

/** The data descriptor of a streamed entry, in its ZIP64 form (its local header has a ZIP64 extra field). */
function dataDescriptor(entry: Written): Buffer {
  const descriptor = Buffer.alloc(24);
  descriptor.writeUInt32LE(0x08074b50, 0);
  descriptor.writeUInt32LE(entry.crc, 4);
  descriptor.writeBigUInt64LE(BigInt(entry.compressedSize), 8);
  descriptor.writeBigUInt64LE(BigInt(entry.size), 16);
  return descriptor;
}

function centralHeader(entry: Written): Buffer {
  const zip64 = needsZip64(entry);
  const extra = zip64 ? zip64Extra([entry.size, entry.compressedSize, entry.offset]) : Buffer.alloc(0);
  const header = Buffer.alloc(46);
  header.writeUInt32LE(0x02014b50, 0);
  header.writeUInt16LE(zip64 ? 45 : 20, 4); // made by: MS-DOS, as Dataverse's exports say
  header.writeUInt16LE(zip64 || entry.flags & FLAG_DATA_DESCRIPTOR ? 45 : 20, 6);
  header.writeUInt16LE(entry.flags, 8);
  header.writeUInt16LE(8, 10);
  header.writeUInt16LE(DOS_TIME, 12);
  header.writeUInt16LE(DOS_DATE, 14);
  header.writeUInt32LE(entry.crc, 16);
  header.writeUInt32LE(zip64 ? MAX_32 : entry.compressedSize, 20);
  header.writeUInt32LE(zip64 ? MAX_32 : entry.size, 24);
  header.writeUInt16LE(entry.name.length, 28);
  header.writeUInt16LE(extra.length, 30);
  header.writeUInt32LE(zip64 ? MAX_32 : entry.offset, 42);
  return Buffer.concat([header, entry.name, extra]);
}

function zip64Extra(values: number[]): Buffer {
  const extra = Buffer.alloc(4 + values.length * 8);
  extra.writeUInt16LE(0x0001, 0);
  extra.writeUInt16LE(values.length * 8, 2);
  values.forEach((value, i) => extra.writeBigUInt64LE(BigInt(value), 4 + i * 8));
  return extra;
}

/** The end of central directory record, with the ZIP64 record and locator before it when counts or offsets need them. */
function endRecords(count: number, start: number, size: number): Buffer {
  const zip64 = count >= 0xffff || start >= MAX_32 || size >= MAX_32;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64 ? 0xffff : count, 8);
  end.writeUInt16LE(zip64 ? 0xffff : count, 10);
  end.writeUInt32LE(zip64 ? MAX_32 : size, 12);
  end.writeUInt32LE(zip64 ? MAX_32 : start, 16);
  if (!zip64) return end;
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(45, 12);
  record.writeUInt16LE(45, 14);
  record.writeBigUInt64LE(BigInt(count), 24);
  record.writeBigUInt64LE(BigInt(count), 32);
  record.writeBigUInt64LE(BigInt(size), 40);
  record.writeBigUInt64LE(BigInt(start), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(start + size), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([record, locator, end]);
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
  const defaults = [...extensions].map(
    (ext) => `<Default Extension="${escapeXml(ext)}" ContentType="${ext === 'xml' ? 'text/xml' : 'application/octet-stream'}" />`,
  );
  const parts = overrides.map((name) => `<Override PartName="/${escapeXml(name)}" ContentType="application/octet-stream" />`);
  return Buffer.from(
    `\uFEFF<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">${defaults.join('')}${parts.join('')}</Types>`,
    'utf8',
  );
}
