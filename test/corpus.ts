import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestOptions } from 'node:test';

/**
 * The real-file corpus (Microsoft-made solutions, data files, Power Pages downloads, API samples)
 * lives outside the repository and is read at test time only. POWERAGENT_CORPUS points at it;
 * without it, `../shared` beside the clone is used when it exists.
 */
export const CORPUS = resolve(process.env.POWERAGENT_CORPUS ?? join(__dirname, '..', '..', 'shared'));

/** True when the corpus folder is there. */
export const corpusFound = existsSync(join(CORPUS, 'fixtures'));

/** True in CI, where a missing corpus must fail rather than skip (test/corpus.test.ts). */
export const corpusRequired = process.env.CI === 'true';

/**
 * Options for a test or suite that reads the corpus: skipped by name when it is missing on a
 * contributor's machine; run (and failing) in CI.
 */
export const needsCorpus: TestOptions = corpusFound || corpusRequired ? {} : { skip: 'corpus not found (set POWERAGENT_CORPUS)' };

/** A path inside the corpus. */
export function corpus(...parts: string[]): string {
  return join(CORPUS, ...parts);
}
