import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import { DeflateInPieces, PIECE_BYTES, deflateWhole } from '../../src/solutions/deflatePieces';
import { writeZip } from '../../src/solutions/zipWriter';

const work = mkdtempSync(join(tmpdir(), 'power-agent-deflate-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** Text that repeats across piece boundaries (so pieces refer back into the one before), with some noise. */
function sample(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  let seed = 7;
  for (let at = 0; at < size;) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const line = `<attribute PhysicalName="col${seed % 5000}"><Type>nvarchar</Type></attribute>\r\n`;
    at += bytes.write(line, at, 'latin1');
  }
  return bytes;
}

function readMember(zipFile: string, name: string): Promise<{ data: Buffer; crc: number }> {
  return new Promise((resolve, reject) =>
    yauzl.open(zipFile, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entry.fileName !== name) return zip.readEntry();
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError) return reject(streamError);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            zip.close();
            resolve({ data: Buffer.concat(chunks), crc: entry.crc32 });
          });
        });
      });
      zip.readEntry();
    }),
  );
}

describe('Deflate in pieces', () => {
  it('pieces compressed side by side join into one stream that inflates to the input', async () => {
    const data = sample(3 * PIECE_BYTES + 12345);
    const deflated = await deflateWhole(data);
    assert.equal(deflated.pieces.length, 4);
    assert.deepEqual(inflateRawSync(Buffer.concat(deflated.pieces)), data);
    assert.equal(deflated.crc, crc32(data));
    assert.equal(deflated.size, data.length);
  });

  it('each piece looks back into the one before, so the stream is about as small as one made in a single call (not a third larger)', async () => {
    const data = sample(PIECE_BYTES);
    const deflate = new DeflateInPieces();
    const piece = 16 * 1024;
    for (let at = 0; at < data.length - piece; at += piece) deflate.add(data.subarray(at, at + piece));
    const { pieces } = await deflate.finish(data.subarray(data.length - piece));
    const inPieces = Buffer.concat(pieces).length;
    assert.ok(inPieces < deflateRawSync(data).length * 1.1, `${inPieces} bytes against ${deflateRawSync(data).length}`);
  });

  it('a member compressed while it is made, in uneven pieces, reads back from the zip byte for byte', async () => {
    const data = sample(PIECE_BYTES + 70000);
    const deflate = new DeflateInPieces();
    deflate.add(data.subarray(0, 10));
    deflate.add(data.subarray(10, PIECE_BYTES));
    deflate.add(data.subarray(PIECE_BYTES, PIECE_BYTES + 40000));
    const zipFile = join(work, 'pieces.zip');
    await writeZip(zipFile, [{ name: 'customizations.xml', deflated: deflate.finish(data.subarray(PIECE_BYTES + 40000)) }]);
    const read = await readMember(zipFile, 'customizations.xml');
    assert.deepEqual(read.data, data);
    assert.equal(read.crc, crc32(data));
  });

  it('a large member given whole is compressed in pieces and reads back byte for byte', async () => {
    const data = sample(5 * PIECE_BYTES);
    const zipFile = join(work, 'whole.zip');
    await writeZip(zipFile, [{ name: 'big.xml', data }]);
    const read = await readMember(zipFile, 'big.xml');
    assert.deepEqual(read.data, data);
    assert.equal(read.crc, crc32(data));
  });
});
