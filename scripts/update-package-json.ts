import { readFileSync, writeFileSync } from 'node:fs';
import { generatedContributions } from '../src/extension/contributions';
import type { ToolManifestEntry } from '../src/server/manifest';

/**
 * Writes the catalog-made parts of package.json (languageModelTools, and the tool commands after the
 * hand-written ones). `--check` fails instead when package.json is out of date.
 */
const check = process.argv.includes('--check');
const manifest = JSON.parse(readFileSync('src/server/generated/toolManifest.json', 'utf8')) as ToolManifestEntry[];
const text = readFileSync('package.json', 'utf8');
const pkg = JSON.parse(text) as { contributes: { commands?: Array<{ command: string }>; languageModelTools?: unknown } };
const generated = generatedContributions(manifest);
const handWritten = (pkg.contributes.commands ?? []).filter((c) => !c.command.startsWith('powerAgent.run.'));
pkg.contributes.languageModelTools = generated.languageModelTools;
pkg.contributes.commands = [...handWritten, ...generated.commands];
const updated = `${JSON.stringify(pkg, null, 2)}\n`;
if (check) {
  if (updated !== text) {
    console.error('package.json is out of date with the tool catalog: run npm run contributions');
    process.exit(1);
  }
} else if (updated !== text) {
  writeFileSync('package.json', updated);
  console.log('package.json contributions updated');
}
