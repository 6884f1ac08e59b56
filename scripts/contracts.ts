import { isDeepStrictEqual } from 'node:util';
import { buildManifest } from '../src/server/manifest';
import type { AnyToolDefinition, ToolAnnotations } from '../src/tools/types';

/** What a client relies on in a tool: its name, title, annotations and the JSON Schemas it is served with. */
export interface ToolContract {
  name: string;
  title: string;
  annotations: ToolAnnotations;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown>;
}

/** Where the committed snapshots live, one file per tool. */
export const CONTRACTS_FOLDER = 'test/contracts';

/** The contracts of the catalog's tools, with the JSON Schemas exactly as tools/list serves them. */
export function contractsOf(tools: readonly AnyToolDefinition[]): ToolContract[] {
  return buildManifest(tools).map((entry) => ({
    name: entry.name,
    title: entry.title,
    annotations: entry.annotations,
    inputSchema: entry.inputSchema,
    outputSchema: entry.outputSchema,
  }));
}

/** The paths at which two JSON values differ (at most `limit`), e.g. `inputSchema.properties.label.maxLength`. */
export function differences(expected: unknown, actual: unknown, limit = 5, path = ''): string[] {
  if (isDeepStrictEqual(expected, actual)) return [];
  const bothObjects = expected && actual && typeof expected === 'object' && typeof actual === 'object';
  if (!bothObjects || Array.isArray(expected) !== Array.isArray(actual)) {
    return [`${path || '(the whole contract)'}: ${JSON.stringify(expected) ?? 'absent'} → ${JSON.stringify(actual) ?? 'absent'}`];
  }
  const keys = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
  const found: string[] = [];
  for (const key of keys) {
    if (found.length >= limit) break;
    const e = (expected as Record<string, unknown>)[key];
    const a = (actual as Record<string, unknown>)[key];
    found.push(...differences(e, a, limit - found.length, path ? `${path}.${key}` : key));
  }
  return found;
}
