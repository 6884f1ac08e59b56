import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolManifestEntry } from '../server/manifest';

/** "Export solution: ContosoCore in Contoso Dev", "Copy environment: Contoso Test from Contoso Dev", for progress and confirmations. */
export function describeCall(entry: ToolManifestEntry, input: Record<string, unknown>): string {
  const text = (key: string) => (typeof input[key] === 'string' && input[key] ? input[key] : undefined);
  const target = ['environment', 'displayName', 'targetEnvironment', 'catalog', 'id'].map(text).find(Boolean);
  const solution = text('solution');
  const what = solution ? `${solution}${target ? ` in ${target}` : ''}` : target;
  const source = text('source');
  return `${entry.title}${what ? `: ${what}` : ''}${source ? ` from ${source}` : ''}`;
}

/**
 * A progress message without the operation title the notification already shows:
 * "Create environment Contoso QA: running, Run (3 of 4), 42 s" → "running, Run (3 of 4), 42 s".
 */
export function progressMessage(message: string | undefined, entry: ToolManifestEntry): string | undefined {
  if (!message) return message;
  const state = /^(.+?): ((queued|running|succeeded|failed|canceled|unknown)\b.*)$/s.exec(message);
  if (state) return state[2];
  return message.startsWith(`${entry.title}: `) ? message.slice(entry.title.length + 2) : message;
}

/** The text parts of a tool result, joined. */
export function resultText(result: CallToolResult): string {
  return (result.content ?? []).map((c) => (c.type === 'text' ? c.text : c.type === 'resource_link' ? `File: ${c.uri}` : '')).join('\n');
}
