import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { ROOT } from './helpers';
import { CORPUS, corpus, needsCorpus } from './corpus';

const SCRIPT = join(ROOT, 'scripts', 'find-corpus-copies.ts');

/** Runs the script as a contributor would, returning its exit code and output. */
async function findCopies(repo: string): Promise<{ code: number; stdout: string }> {
  try {
    const args = ['--import', 'tsx', SCRIPT, '--repo', repo, '--corpus', CORPUS];
    const { stdout } = await promisify(execFile)(process.execPath, args, { cwd: ROOT });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe('no file in the repository is a byte copy of a corpus file', needsCorpus, () => {
  it('finds no copy among the tracked and untracked files of this repository', async () => {
    const { code, stdout } = await findCopies(ROOT);
    assert.equal(code, 0, stdout);
  });

  it('names a copied corpus file, and fails', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'power-agent-copies-'));
    try {
      execFileSync('git', ['init', '-q'], { cwd: repo });
      mkdirSync(join(repo, 'data'));
      copyFileSync(corpus('reference', 'api-samples', 'bap-environment-get.json'), join(repo, 'data', 'environment.json'));
      writeFileSync(join(repo, 'own.json'), '{ "written": "by us" }\n');
      const { code, stdout } = await findCopies(repo);
      assert.equal(code, 1);
      const original = join('reference', 'api-samples', 'bap-environment-get.json');
      assert.equal(stdout.trim(), `data/environment.json is a byte copy of ${original}`);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
