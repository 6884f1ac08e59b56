import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { scalarText } from './format';

/** Arguments that name what a call works on; no other argument reaches the log. */
const TARGET_FIELDS = ['solution', 'environment', 'displayName', 'targetEnvironment', 'catalog', 'source', 'site', 'id'];

/**
 * One log line per tool call: who called, the tool, its target, how long it took, how it ended and
 * the correlation id to quote to support. Only the target fields of the arguments are named.
 */
export function toolCallLine(call: { tool: string; args: unknown; origin: string; ms: number; result?: CallToolResult; error?: unknown }): {
  failed: boolean;
  line: string;
} {
  const args = (typeof call.args === 'object' && call.args ? call.args : {}) as Record<string, unknown>;
  const target = TARGET_FIELDS.filter((field) => typeof args[field] === 'string' && args[field]).map(
    (field) => `${field}=${String(args[field]).slice(0, 100)}`,
  );
  const took = call.ms < 1000 ? `${call.ms} ms` : `${(call.ms / 1000).toFixed(1)} s`;
  const text = call.result ? (call.result.content ?? []).map((c) => (c.type === 'text' ? c.text : '')).join('\n') : '';
  const structured = call.result?.structuredContent as
    { state?: unknown; correlationId?: unknown; error?: { correlationId?: unknown } | null } | undefined;
  const failed = Boolean(call.error) || Boolean(call.result?.isError);
  const state = typeof structured?.state === 'string' ? structured.state : undefined;
  const outcome = call.error
    ? `threw: ${thrownMessage(call.error)}`
    : failed
      ? `failed: ${text.split('\n')[0]}`
      : state
        ? `ok (operation ${state})`
        : 'ok';
  const correlation = [structured?.error?.correlationId, structured?.correlationId, /Correlation id: (\S+)/.exec(text)?.[1]].find(
    (id): id is string => typeof id === 'string' && id !== '',
  );
  const parts = [`${call.tool} (${call.origin})`, ...(target.length ? [target.join(' ')] : []), `${outcome} in ${took}`];
  if (correlation) parts.push(`correlation id ${correlation}`);
  return { failed, line: parts.join(' · ') };
}

/** What a thrown value says: its message when it has one, else the value itself. */
function thrownMessage(error: unknown): string {
  return scalarText((error as { message?: unknown } | null | undefined)?.message ?? error);
}
