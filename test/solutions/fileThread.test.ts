import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runNode } from '../helpers';
import { readInBackground } from '../../src/solutions/backgroundReader';
import { BackgroundWriter } from '../../src/solutions/backgroundWriter';
import { listFiles } from '../../src/solutions/folderFiles';

const work = mkdtempSync(join(tmpdir(), 'power-agent-writer-'));
after(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;
const fresh = () => {
  const folder = join(work, String(counter++));
  mkdirSync(folder);
  return folder;
};

describe('files written on a worker thread', () => {
  it('writes every file, in folders it makes, from shared memory and from ordinary buffers', async () => {
    const root = fresh();
    const shared = Buffer.from(new SharedArrayBuffer(4000));
    const expected = new Map<string, Buffer>();
    const writer = new BackgroundWriter(root);
    for (let i = 0; i < 300; i++) {
      const path = `Entities/t${i % 7}/FormXml/main/f${i}.xml`;
      const data = i % 2 ? Buffer.from(`ordinary ${i}`) : shared.subarray(i * 10, i * 10 + 10).fill(65 + (i % 26));
      expected.set(path, Buffer.from(data));
      writer.write(join(root, ...path.split('/')), data);
    }
    await writer.done();
    assert.deepEqual(listFiles(root), [...expected.keys()].sort());
    for (const [path, data] of expected) assert.deepEqual(readFileSync(join(root, path)), data, path);
  });

  it('builds files in blocks of shared memory that are used again once written, and every file keeps its bytes', async () => {
    const root = fresh();
    const expected = new Map<string, Buffer>();
    const writer = new BackgroundWriter(root);
    // 12 MB in all, so blocks are filled, sent and used again while the worker writes; one file is larger than a block.
    for (let i = 0; i < 600; i++) {
      const text = i === 300 ? 'x'.repeat(5 * 1024 * 1024) : `<file n="${i}"/>\r\n`.repeat(1000 + (i % 7) * 100);
      const path = `Entities/t${i % 9}/f${i}.xml`;
      expected.set(path, Buffer.from(text));
      assert.equal(writer.build(join(root, ...path.split('/')), text), Buffer.byteLength(text));
    }
    await writer.done();
    assert.deepEqual(listFiles(root), [...expected.keys()].sort());
    for (const [path, data] of expected) assert.ok(readFileSync(join(root, path)).equals(data), path);
  });

  it('a failed write rejects done with the file system error; settled still waits for the rest', async () => {
    const root = fresh();
    // A file where a folder must go.
    writeFileSync(join(root, 'Entities'), 'not a folder');
    const writer = new BackgroundWriter(root);
    writer.write(join(root, 'Entities', 'a', 'Entity.xml'), Buffer.from('x'));
    await assert.rejects(writer.done(), (error: NodeJS.ErrnoException) => ['ENOTDIR', 'EEXIST'].includes(error.code ?? ''));
    await writer.settled();
  });

  it('does not keep the process alive once its work is done', async () => {
    const root = fresh();
    const script = `const { BackgroundWriter } = require(${JSON.stringify(require.resolve('../../src/solutions/backgroundWriter'))});
      const w = new BackgroundWriter(${JSON.stringify(root)});
      w.write(require('node:path').join(${JSON.stringify(root)}, 'Other', 'done.txt'), Buffer.from('ok'));
      w.done().then(() => console.log('written'));`;
    const { status, stdout } = await runNode(['--import', 'tsx', '-e', script], { timeoutMs: 20_000 });
    assert.equal(status, 0, 'the process ended by itself');
    assert.equal(stdout.trim(), 'written');
    assert.equal(readFileSync(join(root, 'Other', 'done.txt'), 'utf8'), 'ok');
  });
});

describe('files read on a worker thread', () => {
  it('hands every file over in batches, in the order asked', async () => {
    const root = fresh();
    const files = Array.from({ length: 150 }, (_, i) => {
      const file = join(root, `f${i}.xml`);
      writeFileSync(file, `<f n="${i}"/>`.repeat(i));
      return { file, limit: Infinity };
    });
    const read: string[] = [];
    let batches = 0;
    await readInBackground(
      files,
      (first, data) => {
        assert.equal(first, read.length);
        batches++;
        for (const bytes of data) read.push(bytes.toString('utf8'));
      },
      () => new Error('no file is over its limit'),
    );
    assert.deepEqual(
      read,
      files.map(({ file }) => readFileSync(file, 'utf8')),
    );
    assert.ok(batches > 1, `${batches} batch(es)`);
  });

  it('stops at a file over its limit, with the error the caller makes, before reading it', async () => {
    const root = fresh();
    writeFileSync(join(root, 'small.xml'), '<a/>');
    writeFileSync(join(root, 'large.xml'), '<a>too large</a>');
    await assert.rejects(
      readInBackground(
        [
          { file: join(root, 'small.xml'), limit: 10 },
          { file: join(root, 'large.xml'), limit: 10 },
        ],
        () => assert.fail('no batch is handed over when one of its files is too large'),
        (file, size) => new Error(`${file} has ${size} bytes`),
      ),
      { message: `${join(root, 'large.xml')} has 16 bytes` },
    );
  });
});
