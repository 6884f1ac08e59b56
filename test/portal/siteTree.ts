import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse } from 'yaml';

/** The files of a folder, by path relative to it (with /). */
export function treeOf(folder: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  for (const entry of readdirSync(folder, { withFileTypes: true, recursive: true })) {
    if (entry.isFile())
      files.set(
        relative(folder, join(entry.parentPath, entry.name)).split(sep).join('/'),
        readFileSync(join(entry.parentPath, entry.name)),
      );
  }
  return files;
}

/**
 * YAML as data, as a general YAML reader sees it, with what pac versions write differently left
 * out: keys with no value (some versions write `key: `, others nothing) and empty lists (`[]` or
 * nothing).
 */
export function yamlData(data: Buffer): unknown {
  return normal(parse(data.toString('utf8')));
}

function normal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normal);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== null && !(Array.isArray(v) && !v.length))
        .map(([k, v]) => [k, normal(v)]),
    );
  }
  return value;
}

/**
 * pac's download manifest as the records it lists, without what pac computes its own way (the
 * checksums) and what only some pac versions list (links between records).
 */
export function manifestRecords(data: Buffer): string[] {
  const doc = parse(data.toString('utf8'), { schema: 'failsafe' }) as Record<string, Array<Record<string, string>>>;
  return Object.entries(doc)
    .flatMap(([table, entries]) =>
      entries
        .filter((e) => !String(e.DisplayName).startsWith('$RELATIONSHIP$'))
        .map((e) => `${table} ${e.RecordId} ${e.DisplayName} ${e.IsDeleted}`),
    )
    .sort();
}

export interface TreeDifference {
  missing: string[];
  extra: string[];
  different: string[];
  /** YAML files equal as data but not byte for byte. */
  sameData: string[];
}

/** Compares a download with the folder it came from: YAML as data, everything else byte for byte. */
export function compareTrees(expected: Map<string, Buffer>, actual: Map<string, Buffer>): TreeDifference {
  const missing = [...expected.keys()].filter((path) => !actual.has(path));
  const extra = [...actual.keys()].filter((path) => !expected.has(path));
  const different: string[] = [];
  const sameData: string[] = [];
  for (const [path, theirs] of expected) {
    const ours = actual.get(path);
    if (!ours || theirs.equals(ours)) continue;
    if (path.endsWith('.yml') && isDeepStrictEqual(yamlData(theirs), yamlData(ours))) sameData.push(path);
    else different.push(path);
  }
  return { missing, extra, different, sameData };
}
