import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ToolManifestEntry } from '../../src/server/manifest';
import { ROOT } from '../helpers';

/** The tool manifest the extension reads (made by `node esbuild.mjs --manifest-only`). */
export const MANIFEST = JSON.parse(
  readFileSync(join(ROOT, 'src', 'server', 'generated', 'toolManifest.json'), 'utf8'),
) as ToolManifestEntry[];

export function manifestEntry(name: string): ToolManifestEntry {
  const entry = MANIFEST.find((tool) => tool.name === name);
  if (!entry) throw new Error(`${name} is not in the manifest`);
  return entry;
}
