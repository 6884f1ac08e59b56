import { stat } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ZipReader } from '../solutions/zipReader';

/** A downloaded export that is not a whole solution zip. */
export class DamagedExportError extends Error {
  override name = 'DamagedExportError';
}

/**
 * Checks a downloaded export before it takes the asked-for name: its size is what was decoded, its
 * central directory reads, and it holds solution.xml and customizations.xml whose data inflate whole.
 */
export async function verifySolutionZip(file: string, decodedBytes: number): Promise<void> {
  const size = (await stat(file)).size;
  if (size === 0 || size !== decodedBytes) throw new DamagedExportError(`it has ${size} bytes on disk, but ${decodedBytes} were received`);
  let zip: ZipReader;
  try {
    zip = await ZipReader.open(file);
  } catch (error) {
    throw new DamagedExportError(`its zip directory cannot be read (${(error as Error).message.replace(/^.*?\((.*)\)\.?$/s, '$1')})`);
  }
  try {
    const names = new Map(zip.names().map((name) => [name.toLowerCase(), name]));
    for (const wanted of ['solution.xml', 'customizations.xml']) {
      const name = names.get(wanted);
      if (!name) throw new DamagedExportError(`it holds no ${wanted}`);
      await pipeline(await zip.stream(name), new Writable({ write: (_chunk, _encoding, done) => done() })).catch((error) => {
        throw new DamagedExportError(`its ${wanted} cannot be read (${(error as Error).message})`);
      });
    }
  } finally {
    zip.close();
  }
}
