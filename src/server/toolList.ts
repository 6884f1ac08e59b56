import type { ToolAnnotations } from '../tools/types';
import type { ToolManifestEntry } from './manifest';
import type { Tool } from './sdk';
import { toolIcons } from './toolIcons';

/** The value a client assumes for a hint the tool leaves out (MCP tool annotations). */
export const HINT_DEFAULTS: ToolAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true };

/**
 * The output schema tools/list declares for every tool: the result (structuredContent) is an object.
 * A declared output schema binds the result to it, and the SDK client checks it; this one is true of
 * every result, costs 17 bytes, and tells hosts that the tool returns structured content. The full
 * shapes (up to 4 KB each, the operation record 1.8 KB in 16 tools) stay in the manifest, and every
 * result is checked against its full shape before it is sent. Hosts do not show output schemas to
 * models; the result itself (structured content and a text summary) says what it holds.
 */
export const DECLARED_OUTPUT_SCHEMA = { type: 'object' as const };

/** How tools/list presents the tools. */
export interface ToolListStyle {
  /**
   * Give each tool its toolset's icon. Off by default: a model never sees icons, but they add about
   * 8 KB to every list, and most hosts show only the server's. The extension turns them on, as VS Code
   * shows them in its tool picker (--tool-icons or POWERAGENT_TOOL_ICONS=1 for the standalone server).
   */
  icons?: boolean;
}

/**
 * A tool as tools/list sends it. Every agent pays for the list on every turn, so it carries what a client
 * or a model uses and nothing twice: the title once (not again in the annotations), only the hints that
 * differ from their defaults, and an icon only where the host shows it (the server's come with initialize).
 */
export function toMcpTool(entry: ToolManifestEntry, style: ToolListStyle = {}): Tool {
  return {
    name: entry.name,
    title: entry.title,
    description: entry.description,
    inputSchema: entry.inputSchema,
    outputSchema: DECLARED_OUTPUT_SCHEMA,
    annotations: leanAnnotations(entry.annotations),
    ...(entry.execution ? { execution: entry.execution } : {}),
    ...(style.icons ? { icons: toolIcons(entry.toolset) } : {}),
  };
}

/**
 * The hints that differ from their defaults. Whether a tool is destructive is always said, as clients
 * decide on it whether to ask the person first; idempotentHint means something only for a tool that
 * changes things, so a read-only tool leaves it out.
 */
export function leanAnnotations(annotations: ToolAnnotations): Partial<ToolAnnotations> {
  const lean: Partial<ToolAnnotations> = {};
  for (const hint of Object.keys(HINT_DEFAULTS) as Array<keyof ToolAnnotations>) {
    if (hint === 'idempotentHint' && annotations.readOnlyHint) continue;
    if (annotations[hint] !== HINT_DEFAULTS[hint] || hint === 'destructiveHint') lean[hint] = annotations[hint];
  }
  return lean;
}
