import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

/**
 * Lists the files of the repository that are byte copies of a file in the real-file corpus
 * (../shared), which must never be copied into the project. Every tracked file, and every untracked
 * one git does not ignore, is compared by SHA-256 with every file of the corpus; empty files are
 * left out (an empty file copies nothing).
 *
 *   node --import tsx scripts/find-corpus-copies.ts [--repo <dir>] [--corpus <dir>]
 *
 * Exit code 0: no copy; 1: copies found (listed on stdout); 2: corpus not found.
 */

export interface CorpusCopy {
  /** Path in the repository, relative to its root. */
  file: string;
  /** Path in the corpus, relative to its root. */
  copyOf: string;
}

export function findCorpusCopies(repoRoot: string, corpusRoot: string): CorpusCopy[] {
  const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: repoRoot, encoding: 'utf8' });
  const repoFiles = [...new Set(listed.split('\0').filter(Boolean))]
    .map((file) => ({ file, size: regularFileSize(join(repoRoot, file)) }))
    .filter((f): f is { file: string; size: number } => f.size !== undefined && f.size > 0);
  const sizes = new Set(repoFiles.map((f) => f.size));

  // Only corpus files of a size some repository file has can be copies: hash just those.
  const corpusByHash = new Map<string, string[]>();
  for (const path of walk(corpusRoot)) {
    const size = regularFileSize(path);
    if (size === undefined || !sizes.has(size)) continue;
    const hash = sha256(path);
    corpusByHash.set(hash, [...(corpusByHash.get(hash) ?? []), relative(corpusRoot, path)]);
  }

  if (!corpusByHash.size) return [];
  return repoFiles.flatMap(({ file }) => (corpusByHash.get(sha256(join(repoRoot, file))) ?? []).map((copyOf) => ({ file, copyOf })));
}

function regularFileSize(path: string): number | undefined {
  try {
    const stat = lstatSync(path);
    return stat.isFile() ? stat.size : undefined;
  } catch {
    return undefined; // listed by git but deleted in the working tree
  }
}

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '.git') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index > 0 ? process.argv[index + 1] : undefined;
}

if (require.main === module) {
  const repoRoot = resolve(option('--repo') ?? process.cwd());
  const corpusRoot = resolve(option('--corpus') ?? process.env.POWERAGENT_CORPUS ?? join(repoRoot, '..', 'shared'));
  if (!existsSync(corpusRoot)) {
    console.error(`corpus not found at ${corpusRoot} (give --corpus or set POWERAGENT_CORPUS)`);
    process.exit(2);
  }
  const copies = findCorpusCopies(repoRoot, corpusRoot);
  for (const { file, copyOf } of copies) console.log(`${file} is a byte copy of ${copyOf}`);
  if (copies.length) {
    console.error(`${copies.length} file(s) in the repository are copies of corpus files: write the project's own instead.`);
    process.exit(1);
  }
  console.log(`No file of ${repoRoot} is a byte copy of a file in ${corpusRoot}.`);
}
