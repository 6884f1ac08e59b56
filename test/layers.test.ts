import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './helpers';

const SRC = join(ROOT, 'src');

/** The section of docs/architecture.md that says which part of src may import which: the rules live there only. */
function rulesFromDocs(): { shared: string[]; mayImport: Record<string, string[]> } {
  const docs = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');
  const section = docs.slice(docs.indexOf('## Which folder may import which'), docs.indexOf('### Known debt'));
  const names = (text: string) => [...text.matchAll(/`([\w.]+)`/g)].map((match) => match[1]!.replace(/\.ts$/, ''));
  const mayImport: Record<string, string[]> = {};
  for (const row of section.split('\n').filter((line) => /^\| `/.test(line))) {
    const [parts, allowed] = row.split('|').slice(1, 3);
    for (const part of names(parts!)) mayImport[part] = names(allowed!);
  }
  const sharedSentence = /Every part may also use the shared modules at the top of `src`:([^.]*)\./.exec(section);
  assert.ok(sharedSentence && Object.keys(mayImport).length > 10, 'docs/architecture.md lost its table of layers');
  const shared = names(sharedSentence[1]!);
  for (const name of shared) mayImport[name] = [];
  return { shared, mayImport };
}

const { shared: SHARED, mayImport: MAY_IMPORT } = rulesFromDocs();

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The part of src a file belongs to: its first folder, or its own name for a file at the top. */
function partOf(file: string): string {
  const first = relative(SRC, file).split(/[\\/]/)[0]!;
  return first.replace(/\.(ts|js|json)$/, '');
}

/** Relative module specifiers of `import … from`, `export … from` and `import('…')`, type-only imports included. */
function importsOf(source: string): string[] {
  return [...source.matchAll(/(?:from\s+|import\s*\(\s*)'(\.{1,2}\/[^']+)'/g)].map((match) => match[1]!);
}

describe('layers', () => {
  it('every import in src follows the table in docs/architecture.md', () => {
    const broken: string[] = [];
    for (const file of sourceFiles(SRC)) {
      const part = partOf(file);
      const allowed = MAY_IMPORT[part];
      if (!allowed) {
        broken.push(`${relative(ROOT, file)}: ${part} is not in the table`);
        continue;
      }
      for (const specifier of importsOf(readFileSync(file, 'utf8'))) {
        const target = partOf(resolve(dirname(file), specifier));
        if (target === part || SHARED.includes(target) || allowed.includes(target)) continue;
        broken.push(`${relative(ROOT, file)} imports ${specifier} (${part} → ${target})`);
      }
    }
    assert.deepEqual(broken, []);
  });
});
