import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './helpers';

const SRC = join(ROOT, 'src');

/** Small modules every layer may use: logging, the version, and shared shapes with no imports of their own layer. */
const SHARED = ['log', 'version', 'callerError', 'progress', 'toolsets', 'cacheLifetime'];

/** Which part of src may import which (docs/architecture.md, "Which folder may import which"). */
const MAY_IMPORT: Record<string, string[]> = {
  cli: ['server', 'config', 'runtime'], // runtime: its type, as the bundle is loaded with require on the first tool call
  config: [],
  extension: ['server', 'runtime', 'tools', 'operations', 'platform', 'auth', 'observability'],
  server: ['runtime', 'tools', 'operations', 'platform', 'config'],
  runtime: ['tools', 'operations', 'services', 'auth', 'sandbox', 'config', 'observability', 'sandboxCommand'],
  sandboxCommand: ['sandbox', 'config'],
  tools: ['operations', 'platform', 'solutions', 'data', 'portal', 'services', 'auth', 'observability'],
  operations: ['platform', 'solutions', 'services', 'observability'],
  services: ['platform', 'auth', 'observability'],
  observability: ['operations', 'platform'],
  solutions: [],
  data: ['platform', 'solutions', 'observability'],
  portal: ['platform', 'data'],
  platform: ['observability'],
  auth: ['platform'],
  sandbox: [],
  ...Object.fromEntries(SHARED.map((name) => [name, []])),
};

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
  it('every import in src follows docs/architecture.md', () => {
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
