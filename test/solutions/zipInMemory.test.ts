import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { zipToBuffer } from '../../src/solutions/zipWriter';
import { ZipReader } from '../../src/solutions/zipReader';

describe('a zip read from memory', () => {
  it('lists every entry and streams a member through yauzl as well as it reads it at once', async () => {
    const members = Array.from({ length: 40 }, (_, i) => ({
      name: `Workflows/flow-${i}.json`,
      data: Buffer.from(`{"n":${i}}`.repeat(i + 1)),
    }));
    const zip = await ZipReader.fromBuffer(await zipToBuffer(members), 'test.zip');
    try {
      assert.deepEqual(zip.names().sort(), [...members.map((m) => m.name), '[Content_Types].xml'].sort());
      const chunks: Buffer[] = [];
      for await (const chunk of await zip.stream('Workflows/flow-39.json')) chunks.push(chunk as Buffer);
      assert.deepEqual(Buffer.concat(chunks), members[39]!.data);
      assert.deepEqual(zip.readNow('Workflows/flow-7.json'), members[7]!.data);
    } finally {
      zip.close();
    }
  });

  it('a zip cut short is refused as not a zip', async () => {
    const bytes = await zipToBuffer([{ name: 'solution.xml', data: Buffer.from('<ImportExportXml />') }]);
    await assert.rejects(ZipReader.fromBuffer(bytes.subarray(0, bytes.length - 10), 'cut.zip'), { code: 'NotAZip' });
  });
});
