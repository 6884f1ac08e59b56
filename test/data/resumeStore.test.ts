import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ToolError } from '../../src/callerError';
import { ImportProgress } from '../../src/data/importProgress';
import { FileResumeStore, MemoryResumeStore, RESUME_KEPT_DAYS } from '../../src/data/resumeStore';

function partialState(table = 'account') {
  const progress = new ImportProgress('fingerprint-1', 'https://contoso.crm.dynamics.com');
  progress.markDone('records', table, 0);
  progress.fail({ table, id: 'id-1', message: 'refused', correlationId: 'c-1' }, true);
  return progress.toJSON();
}

function withFolder(body: (folder: string) => Promise<void>): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'power-agent-resume-'));
  return body(join(root, 'imports')).finally(() => rmSync(root, { recursive: true, force: true }));
}

describe("the store of partial imports' progress", () => {
  it('keeps a state under a new id, in a file only its owner reads, for any store on the folder', async () => {
    await withFolder(async (folder) => {
      const state = partialState();
      const id = await new FileResumeStore(folder).save(state);
      assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // Another server on the same state directory finishes it.
      assert.deepEqual(await new FileResumeStore(folder).load(id), state);
      assert.deepEqual(await new FileResumeStore(folder).load(id.toUpperCase()), state, 'the id as a person may retype it');
      assert.equal(statSync(folder).mode & 0o777, 0o700);
      assert.equal(statSync(join(folder, `${id}.json`)).mode & 0o777, 0o600);
      assert.notEqual(await new FileResumeStore(folder).save(state), id, 'each partial result its own id');
    });
  });

  it('knows no id it never gave, nor a path in its place', async () => {
    await withFolder(async (folder) => {
      const store = new FileResumeStore(folder);
      await store.save(partialState());
      writeFileSync(join(folder, '..', 'outside.json'), JSON.stringify(partialState()));
      for (const id of ['00000000-0000-4000-8000-000000000000', '../outside', 'outside']) assert.equal(await store.load(id), undefined, id);
    });
  });

  it(`forgets a state after ${RESUME_KEPT_DAYS} days, and removes its file when it next saves`, async () => {
    await withFolder(async (folder) => {
      const store = new FileResumeStore(folder);
      const old = await store.save(partialState('old'));
      const recent = await store.save(partialState('recent'));
      const longAgo = (Date.now() - (RESUME_KEPT_DAYS * 24 + 1) * 3600 * 1000) / 1000;
      utimesSync(join(folder, `${old}.json`), longAgo, longAgo);
      assert.equal(await store.load(old), undefined);
      // What a server that died while saving left, and what another server is writing now.
      for (const name of ['left.1.tmp', 'writing.2.tmp']) writeFileSync(join(folder, name), '{');
      utimesSync(join(folder, 'left.1.tmp'), longAgo, longAgo);
      const newest = await store.save(partialState('newest'));
      assert.deepEqual(readdirSync(folder).sort(), [`${recent}.json`, `${newest}.json`, 'writing.2.tmp'].sort());
    });
  });

  it('says a damaged state is damaged, naming its file and how to go on', async () => {
    await withFolder(async (folder) => {
      const store = new FileResumeStore(folder);
      const id = await store.save(partialState());
      for (const text of ['{"version":1', JSON.stringify({ ...partialState(), stage: 'later' })]) {
        writeFileSync(join(folder, `${id}.json`), text);
        await assert.rejects(store.load(id), (error: ToolError) => {
          assert.ok(error instanceof ToolError);
          assert.match(
            error.message,
            new RegExp(`^resume: the progress kept for this import \\(.*${id}\\.json\\) is damaged\\. Nothing was imported\\.$`),
          );
          assert.match(error.hint ?? '', /without resume/);
          return true;
        });
      }
    });
  });

  it('in memory (the sandbox), keeps the newest 100 states', async () => {
    const store = new MemoryResumeStore();
    const ids: string[] = [];
    for (let n = 0; n < 101; n++) ids.push(await store.save(partialState(`table-${n}`)));
    assert.equal(await store.load(ids[0]!), undefined);
    assert.deepEqual(await store.load(ids[1]!), partialState('table-1'));
    assert.deepEqual(await store.load(ids[1]!.toUpperCase()), partialState('table-1'), 'the id as a person may retype it');
    assert.deepEqual(await store.load(ids[100]!), partialState('table-100'));
  });
});
