import { PassThrough, type Readable } from 'node:stream';
import { crc32, inflateRawSync } from 'node:zlib';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { SolutionFileError } from './errors';
import { ZipInMemory } from './zipInMemory';
import { closeSync } from 'node:fs';
import { closeQuietly, openRegularFile, readOpenFileSync } from './regularFile';

/** Limits that stop zip bombs before they fill the disk. */
export interface ZipLimits {
  maxEntries: number;
  maxEntryBytes: number;
  maxTotalBytes: number;
  /** Uncompressed / compressed, checked for entries above 1 MiB. */
  maxRatio: number;
  /** The most `read` holds in memory; larger members are only streamed. */
  maxReadBytes: number;
}

const READ_WHOLE_BELOW_BYTES = 16 * 1024 * 1024;
/** Members of a zip in memory up to this size are inflated at once; larger ones are streamed so memory stays flat. */
const WHOLE_MEMBER_BYTES = 64 * 1024 * 1024;

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxEntries: 100_000,
  maxEntryBytes: 1024 ** 3,
  maxTotalBytes: 4 * 1024 ** 3,
  maxRatio: 1000,
  maxReadBytes: 512 * 1024 ** 2,
};

/**
 * A solution zip opened for random access: entry names are checked (no absolute paths, no `..`, no
 * symlinks, no duplicates) and sizes are held to the limits, both as declared and as inflated.
 */
export class ZipReader {
  private constructor(
    private readonly zip: ZipFile,
    private readonly byName: Map<string, Entry>,
    readonly file: string,
    private readonly limits: ZipLimits,
    /** The whole zip, when it was small enough to be read in one go. */
    private readonly bytes?: Buffer,
  ) {}

  /** Opens a zip file; anything but a regular file (a folder, a named pipe) is refused before a byte is read. */
  static async open(file: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<ZipReader> {
    const { fd, size } = openRegularFile(file);
    if (size > READ_WHOLE_BELOW_BYTES) return ZipReader.load(file, { fd }, limits);
    // Small zips are read whole, at once: many small reads of the file cost more than one.
    let bytes: Buffer;
    try {
      bytes = readOpenFileSync(fd, size);
    } finally {
      closeSync(fd);
    }
    return ZipReader.load(file, { bytes }, limits);
  }

  /** A zip held in memory (an upload); `label` names it in messages. */
  static fromBuffer(bytes: Buffer, label: string, limits: ZipLimits = DEFAULT_ZIP_LIMITS): Promise<ZipReader> {
    return ZipReader.load(label, { bytes }, limits);
  }

  /** From bytes, or from an open descriptor that the zip then owns (closed with it, or here when it is no zip). */
  private static async load(file: string, source: { bytes: Buffer } | { fd: number }, limits: ZipLimits): Promise<ZipReader> {
    const options = { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false };
    const zip = await new Promise<ZipFile>((resolve, reject) => {
      const done = (error: Error | null, opened?: ZipFile) => (error ? reject(notAZip(file, error)) : resolve(opened!));
      if ('bytes' in source) return yauzl.fromRandomAccessReader(new ZipInMemory(source.bytes), source.bytes.length, options, done);
      yauzl.fromFd(source.fd, options, (error, opened) => {
        if (error) closeQuietly(source.fd);
        done(error, opened);
      });
    });
    const byName = new Map<string, Entry>();
    let total = 0;
    try {
      await new Promise<void>((resolve, reject) => {
        zip.on('entry', (entry: Entry) => {
          try {
            checkEntry(file, entry, limits);
            if (entry.fileName.endsWith('/')) return zip.readEntry();
            if (byName.has(entry.fileName))
              throw new SolutionFileError('UnsafeZip', `${file} holds "${entry.fileName}" twice; it was not unpacked.`);
            total += entry.uncompressedSize;
            if (byName.size >= limits.maxEntries)
              throw new SolutionFileError('ZipTooLarge', `${file} has more than ${limits.maxEntries} entries; it was not unpacked.`);
            if (total > limits.maxTotalBytes)
              throw new SolutionFileError(
                'ZipTooLarge',
                `${file} would unpack to more than ${limits.maxTotalBytes} bytes; it was not unpacked.`,
              );
            byName.set(entry.fileName, entry);
            zip.readEntry();
          } catch (error) {
            reject(error);
          }
        });
        zip.once('end', resolve);
        zip.once('error', (error: Error) => reject(error instanceof SolutionFileError ? error : unsafe(file, error)));
        zip.readEntry();
      });
    } catch (error) {
      zip.close();
      throw error;
    }
    return new ZipReader(zip, byName, file, limits, 'bytes' in source ? source.bytes : undefined);
  }

  names(): string[] {
    return [...this.byName.keys()];
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  size(name: string): number {
    return this.byName.get(name)?.uncompressedSize ?? 0;
  }

  /** Whether a member can be had whole at once cheaply: the zip is in memory and the member is not huge. */
  readsWhole(name: string): boolean {
    return Boolean(this.bytes) && this.size(name) <= WHOLE_MEMBER_BYTES;
  }

  /** The inflated bytes of a member held in memory, synchronously (see readsWhole). */
  readNow(name: string): Buffer {
    const entry = this.byName.get(name);
    const whole = entry && this.inflated(entry);
    if (!whole) throw new SolutionFileError('MissingMember', `${this.file} has no "${name}" that can be read at once.`);
    return whole;
  }

  /**
   * The inflated bytes. yauzl stops with an error when they differ from the declared size or the data
   * is damaged; that error reaches the reader as an UnsafeZip error naming the zip and the member.
   */
  async stream(name: string): Promise<Readable> {
    const entry = this.byName.get(name);
    if (!entry) throw new SolutionFileError('MissingMember', `${this.file} has no "${name}".`);
    const inflated = await new Promise<Readable>((resolve, reject) =>
      this.zip.openReadStream(entry, (error, stream) => (error ? reject(unsafe(this.file, error)) : resolve(stream))),
    );
    const checked = new PassThrough();
    inflated.on('error', (error) => checked.destroy(unsafe(this.file, error, name)));
    return inflated.pipe(checked);
  }

  /** A member held whole in memory; members over the read limit must be streamed. */
  async read(name: string): Promise<Buffer> {
    const size = this.size(name);
    if (size > this.limits.maxReadBytes) {
      throw new SolutionFileError(
        'MemberTooLarge',
        `${this.file}: "${name}" would unpack to ${megabytes(size)}, over the ${megabytes(this.limits.maxReadBytes)} this server reads into memory. Nothing was done with it.`,
        'Split the solution into smaller ones, or use pac for this one.',
      );
    }
    const entry = this.byName.get(name);
    const whole = entry && this.inflated(entry);
    if (whole) return whole;
    const chunks: Buffer[] = [];
    for await (const chunk of await this.stream(name)) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  close(): void {
    this.zip.close();
  }

  /**
   * A member of a zip held in memory, inflated in one call: yauzl has checked the central directory;
   * the local header, the sizes and the CRC-32 are checked here. Undefined for what this does not
   * read (encrypted or unusual compression), which then goes through yauzl's stream.
   */
  private inflated(entry: Entry): Buffer | undefined {
    const bytes = this.bytes;
    if (!bytes || entry.isEncrypted() || (entry.compressionMethod !== 0 && entry.compressionMethod !== 8)) return undefined;
    const at = entry.relativeOffsetOfLocalHeader;
    const broken = (why: string) =>
      new SolutionFileError('UnsafeZip', `${this.file} could not be read safely: "${entry.fileName}" ${why}. Nothing was unpacked.`);
    if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== 0x04034b50) throw broken('has no local header where the directory says');
    const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
    const end = start + entry.compressedSize;
    if (end > bytes.length) throw broken('runs past the end of the zip');
    let data: Buffer;
    try {
      data =
        entry.compressionMethod === 0
          ? Buffer.from(bytes.subarray(start, end))
          : inflateRawSync(bytes.subarray(start, end), {
              maxOutputLength: Math.max(1, entry.uncompressedSize),
              chunkSize: Math.max(64, entry.uncompressedSize + 1),
            });
    } catch {
      throw broken('does not inflate to its declared size');
    }
    if (data.length !== entry.uncompressedSize) throw broken(`is ${data.length} bytes, not the ${entry.uncompressedSize} its entry says`);
    if (crc32(data) !== entry.crc32) throw broken('fails its CRC-32 check');
    return data;
  }
}

function checkEntry(file: string, entry: Entry, limits: ZipLimits): void {
  const name = entry.fileName;
  const refuse = (why: string) =>
    new SolutionFileError(
      'UnsafeZip',
      `${file} has an unsafe entry "${name}": ${why}. Nothing was unpacked.`,
      'Use a solution exported from Dataverse or packed by pac / SolutionPackager.',
    );
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) throw refuse('absolute path');
  if (name.split('/').some((part) => part === '..')) throw refuse('it climbs out of the folder with ".."');
  if (name.includes('\0')) throw refuse('a NUL character in the name');
  const unixMode = (entry.externalFileAttributes >>> 16) & 0o170000;
  if (unixMode === 0o120000) throw refuse('it is a symbolic link');
  if (entry.uncompressedSize > limits.maxEntryBytes)
    throw new SolutionFileError(
      'ZipTooLarge',
      `${file}: "${name}" would unpack to ${entry.uncompressedSize} bytes, over the ${limits.maxEntryBytes} limit. Nothing was unpacked.`,
    );
  if (entry.uncompressedSize > 1024 * 1024 && entry.uncompressedSize / Math.max(1, entry.compressedSize) > limits.maxRatio) {
    throw new SolutionFileError(
      'ZipBomb',
      `${file}: "${name}" is compressed more than ${limits.maxRatio}:1, the mark of a zip bomb. Nothing was unpacked.`,
    );
  }
}

function notAZip(file: string, error: Error): SolutionFileError {
  return new SolutionFileError(
    'NotAZip',
    `${file} is not a readable zip file (${error.message}).`,
    'Give the path of a solution .zip exported from Dataverse.',
  );
}

function unsafe(file: string, error: Error, member?: string): SolutionFileError {
  if (error instanceof SolutionFileError) return error;
  return new SolutionFileError(
    'UnsafeZip',
    `${file} could not be read safely${member ? ` ("${member}")` : ''}: ${error.message}. Nothing was unpacked.`,
    'The zip is damaged or was altered (a size in its directory does not match its data). Export or pack it again.',
  );
}

function megabytes(bytes: number): string {
  return `${Math.round(bytes / 1024 ** 2)} MB`;
}
