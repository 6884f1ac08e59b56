import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname } from 'node:path';

/**
 * Dataverse takes and gives solution zips as base64 strings inside JSON (docs/service-notes.md#solutions-in-dataverse). These helpers
 * stream them, so a 500 MB solution never sits in memory as a buffer or a string.
 */

/** A JSON body `{...params, [field]: base64(file)}` as chunks, with its exact length in bytes. */
export async function jsonBodyWithFile(
  params: Record<string, unknown>,
  field: string,
  file: string,
): Promise<{ chunks: () => AsyncIterable<Uint8Array>; length: number }> {
  const size = (await stat(file)).size;
  const opening = JSON.stringify(params);
  const head = Buffer.from(`${opening.slice(0, -1)}${opening.length > 2 ? ',' : ''}${JSON.stringify(field)}:"`, 'utf8');
  const tail = Buffer.from('"}', 'utf8');
  return {
    length: head.length + 4 * Math.ceil(size / 3) + tail.length,
    chunks: async function* () {
      yield head;
      let carry: Buffer = Buffer.alloc(0);
      // Base64 works on 3-byte groups: encode whole groups and carry the rest to the next chunk.
      for await (const chunk of createReadStream(file, { highWaterMark: 3 * 256 * 1024 })) {
        const bytes = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
        const whole = bytes.length - (bytes.length % 3);
        if (whole) yield Buffer.from(bytes.subarray(0, whole).toString('base64'), 'ascii');
        carry = bytes.subarray(whole);
      }
      if (carry.length) yield Buffer.from(carry.toString('base64'), 'ascii');
      yield tail;
    },
  };
}

export interface SavedFile {
  file: string;
  bytes: number;
  sha256: string;
}

/**
 * Reads a JSON response holding one large base64 string property and writes its decoded bytes to
 * `file` as they arrive (written beside it and renamed, so a broken download leaves nothing behind).
 * `check` looks at the whole file before it takes its name; when it throws, nothing is left.
 */
export function saveBase64Field(
  field: string,
  file: string,
  check?: (partial: string, bytes: number) => Promise<void>,
): (body: AsyncIterable<Uint8Array>) => Promise<SavedFile> {
  return async (body) => {
    await mkdir(dirname(file), { recursive: true });
    const partial = `${file}.partial-${process.pid}`;
    const out = createWriteStream(partial);
    const hash = createHash('sha256');
    const opening = new RegExp(`"${field}"\\s*:\\s*"`);
    let head = '';
    let carry = '';
    const progress = { state: 'seek' as 'seek' | 'data' | 'done' };
    let bytes = 0;
    const write = async (text: string) => {
      const decoded = Buffer.from(text, 'base64');
      bytes += decoded.length;
      hash.update(decoded);
      if (!out.write(decoded)) await once(out, 'drain');
    };
    const take = async (text: string) => {
      const end = text.indexOf('"');
      // JSON may escape the slash of base64 as \/.
      carry += (end >= 0 ? text.slice(0, end) : text).replace(/\\/g, '');
      const whole = carry.length - (carry.length % 4);
      if (whole) await write(carry.slice(0, whole));
      carry = carry.slice(whole);
      if (end >= 0) progress.state = 'done';
    };
    try {
      for await (const chunk of body) {
        if (progress.state === 'done') continue;
        const text = Buffer.from(chunk).toString('latin1');
        if (progress.state === 'data') {
          await take(text);
          continue;
        }
        head += text;
        const match = opening.exec(head);
        if (match) {
          progress.state = 'data';
          await take(head.slice(match.index + match[0].length));
          head = '';
        } else if (head.length > 1024 * 1024) {
          throw new Error(`the response does not start with ${field}`);
        }
      }
      if (progress.state !== 'done') throw new Error(`the response has no complete ${field}`);
      if (carry) await write(carry);
      out.end();
      await once(out, 'close');
      await check?.(partial, bytes);
      await rename(partial, file);
      return { file, bytes, sha256: hash.digest('hex') };
    } catch (error) {
      // The stream opens its file asynchronously: wait for it to close, or the file may appear after the removal.
      out.destroy();
      if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
      await rm(partial, { force: true });
      throw error;
    }
  };
}
