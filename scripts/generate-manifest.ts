import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildManifest } from '../src/server/manifest';
import { allTools } from '../src/tools';

/** Writes the tool manifest (JSON Schemas from the zod catalog) that the CLI serves for tools/list. */
const target = process.argv[2]!;
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, JSON.stringify(buildManifest(allTools), null, 2) + '\n');
