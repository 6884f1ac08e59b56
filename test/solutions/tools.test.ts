import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectCli, text } from '../helpers';
import { corpus, needsCorpus } from '../corpus';

const FIXTURE = corpus('fixtures', 'solutions', 'zips', 'pnp', 'ai-driven-expense-report-processing-sample.zip');
const APOLLO = corpus('fixtures', 'solutions', 'zips-more', 'apollo', 'ApolloHospitalProject_1_0_0_4.zip');

describe('pp_unpack_solution and pp_pack_solution through an MCP client', needsCorpus, () => {
  let work: string;
  let outside: string;
  let cli: Awaited<ReturnType<typeof connectCli>>;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'power-agent-pack-tools-'));
    outside = mkdtempSync(join(tmpdir(), 'power-agent-outside-'));
    copyFileSync(FIXTURE, join(work, 'expenses.zip'));
    copyFileSync(FIXTURE, join(outside, 'expenses.zip'));
    cli = await connectCli(['--sandbox', '--allowed-folders', work]);
  });
  after(async () => {
    await cli.close();
    rmSync(work, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('unpacks, then packs back, with paths relative to the allowed folder', async () => {
    const unpacked = await cli.client.callTool({ name: 'pp_unpack_solution', arguments: { zipFile: 'expenses.zip', folder: 'src' } });
    assert.equal(unpacked.isError, undefined, text(unpacked));
    assert.match(text(unpacked), /Unpacked AutomatedExpenseReporting 1\.0\.0\.3 \(Unmanaged\) into .*src: 57 files/);
    assert.ok(existsSync(join(work, 'src', 'Entities', 'gmx_Expense', 'Entity.xml')));
    const packed = await cli.client.callTool({ name: 'pp_pack_solution', arguments: { folder: 'src', zipFile: 'out/expenses.zip' } });
    assert.equal(packed.isError, undefined, text(packed));
    assert.deepEqual((packed.structuredContent as { warnings: string[] }).warnings, []);
    assert.equal(
      readFileSync(join(work, 'out', 'expenses.zip'))
        .subarray(0, 2)
        .toString('latin1'),
      'PK',
      'the out/ folder was made',
    );
  });

  it('unpacking over a full folder lists the first 100 files it kept, and how many there are', async () => {
    const folder = join(work, 'crowded');
    mkdirSync(folder);
    for (let n = 0; n < 150; n++) writeFileSync(join(folder, `note-${String(n).padStart(3, '0')}.md`), 'mine');
    const unpacked = await cli.client.callTool({
      name: 'pp_unpack_solution',
      arguments: { zipFile: 'expenses.zip', folder: 'crowded', overwrite: true },
    });
    const result = unpacked.structuredContent as { staleFiles: string[]; staleFileCount: number; mappedCount: number };
    assert.deepEqual([result.staleFiles.length, result.staleFileCount, result.mappedCount], [100, 150, 0], text(unpacked));
    assert.equal(result.staleFiles[0], 'note-000.md');
    assert.match(text(unpacked), /150 file\(s\) already in the folder were not written by this unpack and were kept: note-000\.md, /);
  });

  it('packing a folder that lacks the content of 40 components shows 20 warnings and counts them all', async () => {
    copyFileSync(APOLLO, join(work, 'apollo.zip'));
    const unpacked = await cli.client.callTool({ name: 'pp_unpack_solution', arguments: { zipFile: 'apollo.zip', folder: 'apollo' } });
    assert.equal(unpacked.isError, undefined, text(unpacked));
    // Their .data.xml stay, naming content that is gone.
    for (const part of ['WebResources', 'Workflows'])
      for (const name of readdirSync(join(work, 'apollo', part)))
        if (!name.endsWith('.data.xml')) rmSync(join(work, 'apollo', part, name), { recursive: true, force: true });
    const packed = await cli.client.callTool({ name: 'pp_pack_solution', arguments: { folder: 'apollo', zipFile: 'out/apollo.zip' } });
    const result = packed.structuredContent as { warnings: string[]; warningCount: number };
    assert.ok(result.warningCount > 20, text(packed));
    assert.equal(result.warnings.length, Math.min(100, result.warningCount));
    const shown = text(packed).split('\n');
    assert.equal(shown.filter((line) => line.startsWith('Warning: ')).length, 20);
    assert.equal(shown.at(-1), `… and ${result.warningCount - 20} more warnings (the result lists the first 100).`);
  });

  it('refuses paths outside the allowed folders, naming the field, and writes nothing', async () => {
    const read = await cli.client.callTool({
      name: 'pp_unpack_solution',
      arguments: { zipFile: join(outside, 'expenses.zip'), folder: 'from-outside' },
    });
    assert.equal(read.isError, true);
    assert.match(text(read), /^zipFile: .* is outside the folders this server may use/);
    const write = await cli.client.callTool({ name: 'pp_unpack_solution', arguments: { zipFile: 'expenses.zip', folder: '../escape' } });
    assert.match(text(write), /^folder: \.\.\/escape is outside/);
    assert.ok(!existsSync(join(work, 'from-outside')) && !existsSync(join(work, '..', 'escape')));
  });

  it('a bad zip is a clear error, not a stack trace', async () => {
    const result = await cli.client.callTool({
      name: 'pp_unpack_solution',
      arguments: { zipFile: 'src/Other/Solution.xml', folder: 'bad' },
    });
    assert.equal(result.isError, true);
    assert.match(text(result), /is not a readable zip file/);
    assert.doesNotMatch(text(result), /\n\s+at /);
  });

  it('a mapping file may only send pack to allowed folders', async () => {
    writeFileSync(join(work, 'map.xml'), `<Mapping><FileToFile map="x.dll" to="${join(outside, 'x.dll')}" /></Mapping>`);
    const result = await cli.client.callTool({
      name: 'pp_pack_solution',
      arguments: { folder: 'src', zipFile: 'out/mapped.zip', map: 'map.xml' },
    });
    assert.equal(result.isError, true);
    assert.match(text(result), /^map: .* is outside the folders this server may use/);
    assert.ok(!existsSync(join(work, 'out', 'mapped.zip')));
  });

  it('read-only mode leaves them out', async () => {
    const readOnly = await connectCli(['--sandbox', '--read-only', '--allowed-folders', work]);
    try {
      const names = (await readOnly.client.listTools()).tools.map((t) => t.name);
      assert.ok(!names.includes('pp_unpack_solution') && !names.includes('pp_pack_solution'));
    } finally {
      await readOnly.close();
    }
  });
});
