import { UsageError, type CliOptions } from '../config';
import type { ToolManifestEntry } from './manifest';

/** Which tools a server offers: --toolsets and --tools, combined with read-only mode. */
export interface ToolChoice {
  readOnly?: boolean;
  /** Offer the tools of these toolsets (undefined: every toolset). */
  toolsets?: readonly string[];
  /** Offer exactly these tools; with `toolsets`, these and the toolsets' tools. */
  tools?: readonly string[];
}

/**
 * A long-running tool answers with an operation id to follow; whoever is offered one also gets the
 * tools that follow operations, unless an exact list (--tools alone) says otherwise.
 */
export const OPERATION_TOOLS = ['pp_get_operation', 'pp_list_operations'];

/** The choice the command line made (--read-only, --toolsets, --tools), for the stdio front and the SDK server alike. */
export function toolChoice(options: Pick<CliOptions, 'readOnly' | 'toolsets' | 'tools'>): ToolChoice {
  return { readOnly: options.readOnly, toolsets: options.toolsets, tools: options.tools };
}

/** The tools offered under `choice`, in manifest order. */
export function selectTools(manifest: readonly ToolManifestEntry[], choice: ToolChoice): ToolManifestEntry[] {
  const { toolsets, tools } = choice;
  const chosen = new Set<string>();
  if (!toolsets && !tools) for (const entry of manifest) chosen.add(entry.name);
  for (const entry of manifest) if (toolsets?.includes(entry.toolset)) chosen.add(entry.name);
  for (const name of tools ?? []) chosen.add(name);
  if (toolsets && manifest.some((entry) => chosen.has(entry.name) && entry.execution?.taskSupport))
    for (const name of OPERATION_TOOLS) chosen.add(name);
  return manifest.filter((entry) => chosen.has(entry.name) && (!choice.readOnly || entry.annotations.readOnlyHint));
}

/** Why a tool of the manifest is not offered under `choice`, for the error a call to it gets. */
export function whyNotOffered(entry: ToolManifestEntry, choice: ToolChoice): string {
  if (choice.readOnly && !entry.annotations.readOnlyHint)
    return `${entry.name} is off: the server runs in read-only mode, so tools that change anything are not offered.`;
  const chosen = [
    choice.toolsets?.length ? `toolsets ${choice.toolsets.join(', ')}` : '',
    choice.tools?.length ? `tools ${choice.tools.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return `${entry.name} is off: this server offers only the ${chosen} (--toolsets, --tools), and ${entry.name} is in the ${entry.toolset} toolset.`;
}

/** Throws UsageError when --tools names a tool that does not exist. */
export function checkToolNames(tools: readonly string[] | undefined, manifest: readonly ToolManifestEntry[]): void {
  const unknown = (tools ?? []).filter((name) => !manifest.some((entry) => entry.name === name));
  if (unknown.length)
    throw new UsageError(`--tools: no tool ${unknown.join(', ')}. Tools: ${manifest.map((entry) => entry.name).join(', ')}.`);
}
