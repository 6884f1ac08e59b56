import { readFileSync, writeFileSync } from 'node:fs';
import { allTools } from '../src/tools';
import { toolsTable, withToolsTable } from './toolsTable';

/** Writes the tools table of README.md from the catalog. `--check` fails instead when it is out of date. */
const check = process.argv.includes('--check');
const readme = readFileSync('README.md', 'utf8');
const updated = withToolsTable(readme, toolsTable(allTools));
if (updated === readme) process.exit(0);
if (check) {
  console.error("README.md's tools table is out of date with the tool catalog: run npm run docs:tools");
  process.exit(1);
}
writeFileSync('README.md', updated);
console.log("README.md's tools table updated");
