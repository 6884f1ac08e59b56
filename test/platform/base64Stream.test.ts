import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { jsonBodyWithFile, saveBase64Field } from '../../src/platform/base64Stream';

const work = mkdtempSync(join(tmpdir(), 'power-agent-base64-'));
after(() => rmSync(work, { recursive: true, force: true }));

async function* pieces(text: string, sizes: number[]): AsyncIterable<Uint8Array> {
  let at = 0;
  for (let i = 0; at < text.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield Buffer.from(text.slice(at, at + size), 'latin1');
    at += size;
  }
}

describe('base64 in JSON, streamed', () => {
  it('builds the upload body with its exact length, for every remainder of 3', async () => {
    for (const size of [0, 1, 2, 3, 1_000_001, 786_433]) {
      const file = join(work, `in-${size}.zip`);
      const bytes = randomBytes(size);
      writeFileSync(file, bytes);
      const body = await jsonBodyWithFile({ OverwriteUnmanagedCustomizations: false, PublishWorkflows: true }, 'CustomizationFile', file);
      const chunks: Buffer[] = [];
      for await (const chunk of body.chunks()) chunks.push(Buffer.from(chunk));
      const text = Buffer.concat(chunks);
      assert.equal(text.length, body.length, `content-length for ${size} bytes`);
      const parsed = JSON.parse(text.toString('utf8'));
      assert.deepEqual(Buffer.from(parsed.CustomizationFile, 'base64'), bytes);
      assert.equal(parsed.PublishWorkflows, true);
    }
    const empty = await jsonBodyWithFile({}, 'F', join(work, 'in-3.zip'));
    const chunks: Buffer[] = [];
    for await (const chunk of empty.chunks()) chunks.push(Buffer.from(chunk));
    assert.equal(Object.keys(JSON.parse(Buffer.concat(chunks).toString())).join(), 'F');
  });

  it('decodes the download to a file across any chunk boundaries, with escaped slashes', async () => {
    const bytes = randomBytes(200_003);
    const base64 = bytes.toString('base64').replace(/\//g, '\\/');
    const response = `{"@odata.context":"https://org/api/data/v9.2/$metadata#x","ExportSolutionFile" : "${base64}"}`;
    for (const sizes of [[1], [7, 3, 1000], [65_536], [response.length]]) {
      const file = join(work, `out-${sizes.join('-')}.zip`);
      const saved = await saveBase64Field('ExportSolutionFile', file)(pieces(response, sizes));
      assert.deepEqual(readFileSync(file), bytes);
      assert.equal(saved.bytes, bytes.length);
      assert.equal(saved.sha256, createHash('sha256').update(bytes).digest('hex'));
    }
  });

  it('leaves nothing behind when the answer is cut off or lacks the field', async () => {
    const cut = join(work, 'cut.zip');
    await assert.rejects(
      saveBase64Field('ExportSolutionFile', cut)(pieces('{"ExportSolutionFile":"QUJD', [4])),
      /no complete ExportSolutionFile/,
    );
    await assert.rejects(
      saveBase64Field('ExportSolutionFile', cut)(pieces('{"error":{"message":"x"}}', [5])),
      /no complete ExportSolutionFile/,
    );
    assert.ok(!existsSync(cut));
    assert.deepEqual(
      readdirSync(work).filter((f) => f.includes('partial')),
      [],
    );
  });
});
