import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import * as esbuild from 'esbuild';
import { requireWithCodeCache } from '../../src/server/codeCache';
import { ROOT } from '../helpers';

const work = mkdtempSync(join(tmpdir(), 'power-agent-code-cache-'));
const library = join(work, 'codeCache.js');
after(() => rmSync(work, { recursive: true, force: true }));
before(() => {
  esbuild.buildSync({
    entryPoints: [join(ROOT, 'src', 'server', 'codeCache.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile: library,
    logLevel: 'warning',
  });
});

interface Exports {
  answer: number;
  file: string;
  dir: string;
  joined: string;
}

let count = 0;
/** A bundle in a folder of its own, with a cache folder beside it. */
function bundle(): { file: string; state: string; cache: string } {
  const folder = join(work, `case-${++count}`);
  const file = join(folder, 'bundle.js');
  const state = join(folder, 'state');
  mkdirSync(folder);
  writeFileSync(file, `module.exports = { answer: 42, file: __filename, dir: __dirname, joined: require('node:path').join('a', 'b') };\n`);
  return { file, state, cache: join(state, 'power-agent-mcp', 'code-cache') };
}

/**
 * Loads as a new process would: in a worker, whose V8 isolate has compiled nothing yet (in this one, V8
 * would take a source it has seen from its own memory and never look at the cache). Says whether a
 * cache was written.
 */
async function load(
  file: string,
  env: Record<string, string>,
  options: { withoutVmConstants?: boolean } = {},
): Promise<{ exports: Exports; wrote: boolean }> {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     // Node before 20.12 has no vm.constants.
     if (workerData.withoutVmConstants) require('node:vm').constants = undefined;
     const { requireWithCodeCache } = require(workerData.library);
     let wrote = false;
     const exports = requireWithCodeCache(workerData.file, workerData.env, (write) => { write(); wrote = true; });
     parentPort.postMessage({ exports, wrote });`,
    { eval: true, workerData: { library, file, env, withoutVmConstants: options.withoutVmConstants } },
  );
  try {
    return await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  } finally {
    await worker.terminate();
  }
}

const mode = (path: string) => statSync(path).mode & 0o777;

describe('requireWithCodeCache', () => {
  it('loads a bundle as require does and writes its cache, readable by this user only', async () => {
    const { file, state, cache } = bundle();
    const { exports, wrote } = await load(file, { XDG_CACHE_HOME: state });
    assert.deepEqual(exports, { answer: 42, file, dir: join(file, '..'), joined: join('a', 'b') });
    assert.equal(wrote, true);
    const files = readdirSync(cache);
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^bundle-[0-9a-f]{24}\.v8$/);
    assert.equal(mode(cache), 0o700);
    assert.equal(mode(join(cache, files[0]!)), 0o600);
  });

  it('uses the cache on the next load, and writes nothing then', async () => {
    const { file, state } = bundle();
    await load(file, { XDG_CACHE_HOME: state });
    const again = await load(file, { XDG_CACHE_HOME: state });
    assert.equal(again.exports.answer, 42);
    assert.equal(again.wrote, false, 'the cache was accepted');
  });

  it('gives a rebuilt bundle a cache of its own and removes the old one', async () => {
    const { file, state, cache } = bundle();
    await load(file, { XDG_CACHE_HOME: state });
    const before = readdirSync(cache);
    writeFileSync(file, `module.exports = { answer: 43 };\n`);
    const rebuilt = await load(file, { XDG_CACHE_HOME: state });
    assert.equal(rebuilt.exports.answer, 43);
    assert.equal(rebuilt.wrote, true);
    const after = readdirSync(cache);
    assert.equal(after.length, 1);
    assert.notDeepEqual(after, before);
  });

  it('does not read a cache that another user could have written, and replaces it', async () => {
    const { file, state, cache } = bundle();
    await load(file, { XDG_CACHE_HOME: state });
    const [name] = readdirSync(cache);
    chmodSync(join(cache, name!), 0o666);
    const loaded = await load(file, { XDG_CACHE_HOME: state });
    assert.equal(loaded.exports.answer, 42);
    assert.equal(loaded.wrote, true, 'the open cache was not used');
    assert.equal(mode(join(cache, name!)), 0o600);

    chmodSync(cache, 0o777);
    assert.equal((await load(file, { XDG_CACHE_HOME: state })).wrote, true, 'a cache in an open folder was not used');
  });

  it('removes the temporary file a process stopped while writing left behind', async () => {
    const { file, state, cache } = bundle();
    mkdirSync(cache, { recursive: true, mode: 0o700 });
    const left = join(cache, 'bundle-0123456789abcdef01234567.v8.99999999.tmp');
    writeFileSync(left, randomBytes(64), { mode: 0o600 });
    assert.equal((await load(file, { XDG_CACHE_HOME: state })).wrote, true);
    assert.deepEqual(
      readdirSync(cache).filter((name) => name.endsWith('.tmp')),
      [],
    );
  });

  it('loads the bundle when the cache is damaged, and writes a good one', async () => {
    const { file, state, cache } = bundle();
    await load(file, { XDG_CACHE_HOME: state });
    const [name] = readdirSync(cache);
    writeFileSync(join(cache, name!), randomBytes(4096), { mode: 0o600 });
    const loaded = await load(file, { XDG_CACHE_HOME: state });
    assert.equal(loaded.exports.answer, 42);
    assert.equal(loaded.wrote, true);
    assert.equal((await load(file, { XDG_CACHE_HOME: state })).wrote, false, 'the new cache is accepted');
  });

  it('on a Node without vm.constants (before 20.12) requires the bundle plainly and writes nothing', async () => {
    const { file, state } = bundle();
    const { exports, wrote } = await load(file, { XDG_CACHE_HOME: state }, { withoutVmConstants: true });
    assert.deepEqual(exports, { answer: 42, file, dir: join(file, '..'), joined: join('a', 'b') });
    assert.equal(wrote, false);
  });

  it('with POWERAGENT_CODE_CACHE=0 requires the bundle plainly and writes nothing', async () => {
    const { file, state } = bundle();
    const { exports, wrote } = await load(file, { XDG_CACHE_HOME: state, POWERAGENT_CODE_CACHE: '0' });
    assert.equal(exports.answer, 42);
    assert.equal(wrote, false);
    assert.equal(existsSync(state), false);
  });

  it('keeps it in POWERAGENT_CACHE_DIR when that is set, beside the sign-in cache', async () => {
    const { file, state } = bundle();
    const chosen = join(state, 'chosen');
    await load(file, { XDG_CACHE_HOME: state, POWERAGENT_CACHE_DIR: chosen });
    assert.equal(readdirSync(join(chosen, 'code-cache')).length, 1);
    assert.equal(existsSync(join(state, 'power-agent-mcp')), false);
  });

  it('hands out the instance already loaded, as require does', () => {
    const { file, state } = bundle();
    const keep = () => undefined;
    const first = requireWithCodeCache<Exports>(file, { XDG_CACHE_HOME: state }, keep);
    assert.equal(first.answer, 42);
    assert.equal(requireWithCodeCache<Exports>(file, { XDG_CACHE_HOME: state }, keep), first);
  });
});
