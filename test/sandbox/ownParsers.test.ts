import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers';

const SANDBOX = join(ROOT, 'src', 'sandbox');
/** What the sandbox may take from the product: the logger, and types that describe the services' payloads. */
const ALLOWED = new Set(['src/log.ts']);
const TYPES_ONLY = new Set(['src/platform/bap.ts']);

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(folder, entry.name)) : entry.name.endsWith('.ts') ? [join(folder, entry.name)] : [],
  );
}

describe('the sandbox stands apart from the product', () => {
  it('imports none of the product’s parsers or clients, so a bug cannot hide on both sides', () => {
    const offending: string[] = [];
    for (const file of sourceFiles(SANDBOX)) {
      for (const match of readFileSync(file, 'utf8').matchAll(/^import (type )?[^;]*? from '(\.[^']+)';/gm)) {
        const target = relative(ROOT, resolve(dirname(file), match[2]!)) + '.ts';
        if (target.startsWith('src/sandbox/') || ALLOWED.has(target) || (match[1] && TYPES_ONLY.has(target))) continue;
        offending.push(`${relative(ROOT, file)} imports ${target}`);
      }
    }
    assert.deepEqual(offending, []);
  });
});
