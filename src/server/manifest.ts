import { z } from 'zod';
import { leanInputSchema } from './leanSchema';
import type { Toolset } from '../toolsets';
import type { AnyToolDefinition, ToolAnnotations, ToolUi } from '../tools/types';

/** What tools/list needs of a tool, with its schemas already turned into JSON Schema (done at build time). */
export interface ToolManifestEntry {
  name: string;
  title: string;
  description: string;
  /** The group it is offered in (--toolsets). */
  toolset: Toolset;
  /** As tools/list sends it (see leanInputSchema). */
  inputSchema: { type: 'object'; [key: string]: unknown };
  /** The full schema of the result, which the tool's results are checked against; tools/list sends only its type. */
  outputSchema: { type: 'object'; [key: string]: unknown };
  annotations: ToolAnnotations;
  /** How the VS Code palette asks for the arguments; never sent over MCP. */
  ui?: ToolUi;
  /** Present on long-running tools: they take task-augmented calls (MCP tasks), answered by their operation. */
  execution?: { taskSupport: 'optional' };
}

export function buildManifest(tools: readonly AnyToolDefinition[]): ToolManifestEntry[] {
  return tools.map((tool) => ({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    toolset: tool.toolset,
    inputSchema: leanInputSchema(jsonSchema(tool.input, 'input')) as ToolManifestEntry['inputSchema'],
    outputSchema: jsonSchema(tool.output, 'output'),
    annotations: tool.annotations,
    ...(tool.ui ? { ui: tool.ui } : {}),
    ...(startsOperation(tool) ? { execution: { taskSupport: 'optional' as const } } : {}),
  }));
}

/** A tool that starts one operation and reports it: it waits `waitSeconds` and answers with the operation's id and state. */
function startsOperation(tool: AnyToolDefinition): boolean {
  const input = tool.input.shape as Record<string, unknown>;
  const output = tool.output.shape as Record<string, unknown>;
  return 'waitSeconds' in input && 'id' in output && 'state' in output && tool.name !== 'pp_get_operation';
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): ToolManifestEntry['inputSchema'] {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'throw' }) as Record<string, unknown>;
  if (rest.type !== 'object') throw new Error('tool schemas must be objects');
  return rest as ToolManifestEntry['inputSchema'];
}
