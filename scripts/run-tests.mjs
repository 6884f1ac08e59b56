// Runs the test files of one layer with node's test runner: `unit` (everything but test/e2e),
// `e2e` (the packaged extension in code-server), or `all`. Lists the files itself because npm's shell
// has no recursive glob. Further arguments: node --test options (--test-reporter=dot, --test-only), or
// words that pick the files whose path contains one of them (`node scripts/run-tests.mjs unit portal`).
//
// Unit test files run in a few shared processes (shards) rather than one process each: loading the
// TypeScript sources through tsx costs about 2 s of CPU per process, which was most of the suite's
// time on two cores. Each file runs inside a suite named after it, so its top-level hooks stay its
// own. Files are spread over the shards by how long they took in the last run here
// (.cache/test-durations.json), or else in a committed run (scripts/test-durations.json; refresh it by
// copying the first after adding or growing a test file).
import { spawnSync } from 'node:child_process';
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';

const layer = process.argv[2] ?? 'all';
const options = process.argv.slice(3).filter((arg) => arg.startsWith('--'));
const picks = process.argv.slice(3).filter((arg) => !arg.startsWith('--'));
if (!['unit', 'e2e', 'all'].includes(layer)) {
  console.error(`usage: node scripts/run-tests.mjs unit|e2e|all [node --test options] [words]`);
  process.exit(2);
}

const CACHE = '.cache';
const SHARD_DIR = join(CACHE, 'test-shards');
const DURATIONS = join(CACHE, 'test-durations.json');
const COMMITTED_DURATIONS = join('scripts', 'test-durations.json');
const LAST_RUN = join(CACHE, 'test-last-run.tap');
const SCRATCH_PREFIX = 'power-agent-tests-';
/** A scratch folder's name carries the pid of the run that made it. */
const SCRATCH_NAME = new RegExp(`^${SCRATCH_PREFIX}(\\d+)-`);
/**
 * Two per core: a shard waiting on a timer, a socket or a child process leaves its core to another.
 * More shards overlap more waits but cost more CPU (each loads the sources, and they compete for the
 * caches): on two cores, 6 shards took 97-100 s and 186 s of CPU where 4 took 87-101 s and 150-176 s.
 * POWERAGENT_TEST_SHARDS sets another number.
 */
const SHARDS = Number(process.env.POWERAGENT_TEST_SHARDS) || Math.max(2, availableParallelism() * 2);

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

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return {};
  }
}

/** Milliseconds per test file: this machine's last run over the committed one. */
const readDurations = () => ({ ...readJson(COMMITTED_DURATIONS), ...readJson(DURATIONS) });

/** Longest first, each to the shard with the least so far; a file never timed counts as the median. */
function spread(unitFiles, durations) {
  const known = Object.values(durations).sort((a, b) => a - b);
  const guess = known.length ? known[Math.floor(known.length / 2)] : 1;
  const weight = (file) => durations[file] ?? guess;
  const shards = Array.from({ length: Math.min(SHARDS, unitFiles.length) }, () => ({ files: [], total: 0 }));
  for (const file of [...unitFiles].sort((a, b) => weight(b) - weight(a))) {
    const lightest = shards.reduce((a, b) => (b.total < a.total ? b : a));
    lightest.files.push(file);
    lightest.total += weight(file);
  }
  return shards.filter((shard) => shard.files.length);
}

/** A shard: one process that runs each of its files inside a suite named after the file. */
function writeShard(index, shardFiles) {
  const path = join(SHARD_DIR, `shard-${index + 1}.cjs`);
  const lines = shardFiles.map((file) => `describe(${JSON.stringify(file)}, () => require(${JSON.stringify(resolve(file))}));`);
  const preamble = `require(${JSON.stringify(resolve('scripts', 'test-shard-preamble.cjs'))});`;
  writeFileSync(path, [preamble, `const { describe } = require('node:test');`, ...lines, ''].join('\n'));
  return path;
}

/** The same object with its keys in order, so the file diffs well and Prettier leaves it alone. */
const sortedKeys = (object) => Object.fromEntries(Object.entries(object).sort(([a], [b]) => a.localeCompare(b)));

/** Each file's time, from the suites named after the files in the last run's TAP report. */
function recordDurations(tap) {
  const durations = readJson(DURATIONS);
  let file;
  for (const line of tap.split('\n')) {
    const subtest = /^# Subtest: (test\/\S+\.test\.ts)$/.exec(line);
    if (subtest) file = subtest[1];
    const duration = /^ {2}duration_ms: ([\d.]+)$/.exec(line);
    if (duration && file) {
      durations[file] = Math.round(Number(duration[1]));
      file = undefined;
    }
  }
  writeFileSync(DURATIONS, `${JSON.stringify(sortedKeys(durations), null, 2)}\n`);
}

/**
 * The tests' temporary files go to memory (/dev/shm) when the machine has it: they create and delete
 * thousands of files and folders (a Power Pages download alone writes about 2,500), and each create
 * on this disk cost about 0.4 ms of kernel time. One folder per run, removed after it; tsx's compile
 * cache stays where it was, linked into it. POWERAGENT_TEST_TMPDIR chooses another parent folder.
 */
function scratchFolder() {
  const parent = process.env.POWERAGENT_TEST_TMPDIR || '/dev/shm';
  try {
    accessSync(parent, constants.W_OK);
  } catch {
    return undefined;
  }
  removeAbandonedScratch(parent);
  const folder = mkdtempSync(join(parent, `${SCRATCH_PREFIX}${process.pid}-`));
  const tsxCache = `tsx-${process.geteuid?.() ?? userInfo().username}`;
  if (existsSync(join(tmpdir(), tsxCache))) symlinkSync(join(tmpdir(), tsxCache), join(folder, tsxCache));
  return folder;
}

/**
 * Removes the scratch folders of runs that have ended: one stopped with Ctrl-C keeps its folder, and
 * a process the run started (code-server's TypeScript server) may write into it on its way out.
 */
function removeAbandonedScratch(parent) {
  for (const name of readdirSync(parent)) {
    const runner = SCRATCH_NAME.exec(name);
    if (runner && !isAlive(Number(runner[1]))) rmSync(join(parent, name), { recursive: true, force: true });
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

const unitFiles = files.filter((file) => !isE2e(file));
rmSync(SHARD_DIR, { recursive: true, force: true });
mkdirSync(SHARD_DIR, { recursive: true });
const shardFiles = spread(unitFiles, readDurations()).map((shard, index) => writeShard(index, shard.files));
// The end-to-end file is the longest and mostly waits on VS Code: it starts first, beside the shards.
const runFiles = [...files.filter(isE2e), ...shardFiles];

// The reporters asked for (spec by default) write to the terminal; a TAP report beside them keeps the timings.
const asked = options.filter((option) => option.startsWith('--test-reporter='));
const destinationsGiven = options.some((option) => option.startsWith('--test-reporter-destination'));
const others = options.filter((option) => !option.startsWith('--test-reporter'));
const reporters = destinationsGiven
  ? options.filter((option) => option.startsWith('--test-reporter'))
  : [
      ...(asked.length ? asked : ['--test-reporter=spec']).flatMap((reporter) => [reporter, '--test-reporter-destination=stdout']),
      '--test-reporter=tap',
      `--test-reporter-destination=${LAST_RUN}`,
    ];
rmSync(LAST_RUN, { force: true });
const concurrency = `--test-concurrency=${Math.max(1, runFiles.length)}`;
const args = ['--import', 'tsx', '--test', concurrency, ...reporters, ...others, ...runFiles];
const scratch = scratchFolder();
// Operation records, the sign-in cache and the code cache of the CLIs the tests start stay out of the
// home folder of the person running them, whatever their own settings say.
const ownFolders = scratch ?? mkdtempSync(join(tmpdir(), `${SCRATCH_PREFIX}${process.pid}-`));
const env = {
  ...process.env,
  ...(scratch ? { TMPDIR: scratch } : {}),
  POWERAGENT_STATE_DIR: join(ownFolders, 'state'),
  POWERAGENT_CACHE_DIR: join(ownFolders, 'cache'),
};
const { status } = spawnSync(process.execPath, args, { stdio: 'inherit', env });
try {
  rmSync(ownFolders, { recursive: true, force: true, maxRetries: 3 });
} catch {
  // A process the run started may still be writing into it; the next run removes it.
}
if (existsSync(LAST_RUN)) recordDurations(readFileSync(LAST_RUN, 'utf8'));
process.exit(status ?? 1);
