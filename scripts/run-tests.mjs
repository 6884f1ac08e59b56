// Runs the test files of one layer with node's test runner: `unit` (everything but test/e2e),
// `e2e` (the packaged extension in code-server), or `all`. Lists the files itself because npm's shell
// has no recursive glob. Further arguments: node --test options (--test-reporter=dot, --test-only), or
// words that pick the files whose path contains one of them (`node scripts/run-tests.mjs unit portal`).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const layer = process.argv[2] ?? 'all';
const options = process.argv.slice(3).filter((arg) => arg.startsWith('--'));
const picks = process.argv.slice(3).filter((arg) => !arg.startsWith('--'));
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
  .filter((file) => picks.length === 0 || picks.some((pick) => file.includes(pick)))
  .sort();
const reporter = options.some((option) => option.startsWith('--test-reporter')) ? [] : ['--test-reporter=spec'];
const args = ['--import', 'tsx', '--test', '--test-concurrency=2', ...reporter, ...options, ...files];
const { status } = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(status ?? 1);
