import type { ToolRuntime } from '../runtime';
import { PROMPTS, type ArgumentCompletion } from './prompts';

/** MCP sends at most 100 values in one completion. */
const MAX_VALUES = 100;
/** Names are read from the service at most this often per runtime, so typing stays quick. */
const CACHE_MS = 60_000;
const LOOKUP_TIMEOUT_MS = 15_000;

export type CompletionRef = { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string };

export interface CompletionResult {
  values: string[];
  total?: number;
  hasMore?: boolean;
}

/**
 * Suggestions for prompt arguments and resource template variables: environment names, solution names
 * of the environment chosen in another argument, operation ids, and fixed values. They come from the
 * same tools an agent would call, so the allow-list applies. A lookup that fails suggests nothing; a
 * completion never fails the client.
 */
export class Completions {
  private readonly cache = new Map<string, { at: number; values: Promise<string[]> }>();

  constructor(private readonly runtime: () => Promise<ToolRuntime>) {}

  async complete(
    ref: CompletionRef,
    argument: { name: string; value: string },
    context: Record<string, string> = {},
  ): Promise<CompletionResult> {
    const source = sourceFor(ref, argument.name);
    if (!source) return { values: [] };
    const candidates = await this.candidates(source, context).catch(() => []);
    return rank(candidates, argument.value);
  }

  private async candidates(source: ArgumentCompletion | { kind: 'operation' }, context: Record<string, string>): Promise<string[]> {
    if (source.kind === 'values') return source.values;
    const runtime = await this.runtime();
    if (source.kind === 'operation') return runtime.operations.list().map((record) => record.id);
    if (source.kind === 'environment') {
      return this.cached(runtime, 'environments', () =>
        names(runtime, 'pp_list_environments', { limit: 1000 }, 'environments', 'displayName'),
      );
    }
    const environment = context[source.environmentArgument]?.trim() || undefined;
    return this.cached(runtime, `solutions:${environment?.toLowerCase() ?? ''}`, () =>
      names(runtime, 'pp_list_solutions', environment ? { environment } : {}, 'solutions', 'uniqueName'),
    );
  }

  private cached(runtime: ToolRuntime, key: string, load: () => Promise<string[]>): Promise<string[]> {
    // A new runtime (another sign-in) has other environments: the cache belongs to one runtime.
    const scoped = `${runtimeKey(runtime)}:${key}`;
    const hit = this.cache.get(scoped);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.values;
    const values = load();
    this.cache.set(scoped, { at: Date.now(), values });
    values.catch(() => this.cache.delete(scoped));
    return values;
  }
}

const runtimeKeys = new WeakMap<ToolRuntime, number>();
let nextRuntimeKey = 0;
function runtimeKey(runtime: ToolRuntime): number {
  let key = runtimeKeys.get(runtime);
  if (key === undefined) runtimeKeys.set(runtime, (key = nextRuntimeKey++));
  return key;
}

function sourceFor(ref: CompletionRef, argument: string): ArgumentCompletion | { kind: 'operation' } | undefined {
  if (ref.type === 'ref/prompt') return PROMPTS.find((p) => p.name === ref.name)?.arguments.find((a) => a.name === argument)?.completion;
  if (ref.uri === 'power-agent://environments/{environment}' && argument === 'environment') return { kind: 'environment' };
  if (ref.uri === 'power-agent://operations/{id}' && argument === 'id') return { kind: 'operation' };
  return undefined;
}

/** The values of one field of the items a read-only tool lists; throws the tool's error text. */
async function names(runtime: ToolRuntime, tool: string, args: Record<string, unknown>, list: string, field: string): Promise<string[]> {
  const result = await runtime.callTool(tool, args, { signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
  if (result.isError) throw new Error(`${tool} failed`);
  const items = ((result.structuredContent ?? {}) as Record<string, unknown>)[list];
  const values = Array.isArray(items)
    ? items.map((item) => (item as Record<string, unknown>)[field]).filter((v): v is string => typeof v === 'string')
    : [];
  return [...new Set(values)];
}

/** Values that start with what was typed first, then those that contain it; any case. */
function rank(candidates: readonly string[], typed: string): CompletionResult {
  const text = typed.trim().toLowerCase();
  const starts = candidates.filter((c) => c.toLowerCase().startsWith(text));
  const contains = text ? candidates.filter((c) => !c.toLowerCase().startsWith(text) && c.toLowerCase().includes(text)) : [];
  const matching = [...starts, ...contains];
  return { values: matching.slice(0, MAX_VALUES), total: matching.length, hasMore: matching.length > MAX_VALUES };
}
