// Runs the test files of one layer with node's test runner: `unit` (everything but test/e2e),
// `e2e` (the packaged extension in code-server), or `all`. Lists the files itself because npm's shell
// has no recursive glob.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const layer = process.argv[2] ?? 'all';
const extra = process.argv.slice(3);
if (!['unit', 'e2e', 'all'].includes(layer)) {
  console.error(`usage: node scripts/run-tests.mjs unit|e2e|all [node --test options]`);
  process.exit(2);
}

function testFiles(folder) {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const isE2e = (file) => file.startsWith(join('test', 'e2e'));
const files = testFiles('test')
  .filter((file) => layer === 'all' || (layer === 'e2e') === isE2e(file))
  .sort();
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...extra, ...files];
const { status } = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(status ?? 1);
