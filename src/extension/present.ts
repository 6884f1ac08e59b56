import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolManifestEntry } from '../server/manifest';

/** "Delete environment: Contoso Test" from a tool and its arguments, for progress and confirmations. */
export function describeCall(entry: ToolManifestEntry, input: Record<string, unknown>): string {
  const target = ['environment', 'displayName', 'id'].map((key) => input[key]).find((v) => typeof v === 'string' && v);
  const source = typeof input.source === 'string' ? ` from ${input.source}` : '';
  return `${entry.title}${target ? `: ${target}` : ''}${source}`;
}

/** A readable document for a tool result: the summary, then the structured result. */
export function resultDocument(title: string, summary: string, structured: unknown): string {
  const json = structured === undefined ? '' : `\n\n\`\`\`json\n${JSON.stringify(structured, null, 2)}\n\`\`\`\n`;
  return `# ${title}\n\n${summary.split('\n').join('  \n')}${json}`;
}

/** The text parts of a tool result, joined. */
export function resultText(result: CallToolResult): string {
  return (result.content ?? []).map((c) => (c.type === 'text' ? c.text : c.type === 'resource_link' ? `File: ${c.uri}` : '')).join('\n');
}
