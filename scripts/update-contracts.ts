import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { allTools } from '../src/tools';
import { CONTRACTS_FOLDER, contractsOf } from './contracts';

/** Writes test/contracts/<tool>.json for every tool of the catalog and removes those of tools that are gone. */
async function main(): Promise<void> {
  mkdirSync(CONTRACTS_FOLDER, { recursive: true });
  const contracts = contractsOf(allTools);
  const changed: string[] = [];
  for (const contract of contracts) {
    const file = join(CONTRACTS_FOLDER, `${contract.name}.json`);
    const text = await format(JSON.stringify(contract), { ...(await resolveConfig(file)), parser: 'json', filepath: file });
    let before: string | undefined;
    try {
      before = readFileSync(file, 'utf8');
    } catch {
      before = undefined;
    }
    if (before === text) continue;
    writeFileSync(file, text);
    changed.push(file);
  }
  const names = new Set(contracts.map((c) => `${c.name}.json`));
  for (const file of readdirSync(CONTRACTS_FOLDER).filter((f) => f.endsWith('.json') && !names.has(f))) {
    rmSync(join(CONTRACTS_FOLDER, file));
    changed.push(`${join(CONTRACTS_FOLDER, file)} (removed)`);
  }
  console.log(changed.length ? `contracts updated:\n${changed.join('\n')}` : 'contracts are up to date');
}

void main();
