import { z } from 'zod';
import type { AnyToolDefinition, ToolAnnotations, ToolUi } from '../tools/types';

/** What tools/list needs of a tool, with its schemas already turned into JSON Schema (done at build time). */
export interface ToolManifestEntry {
  name: string;
  title: string;
  description: string;
  inputSchema: { type: 'object'; [key: string]: unknown };
  outputSchema: { type: 'object'; [key: string]: unknown };
  annotations: ToolAnnotations;
  /** How the VS Code palette asks for the arguments; never sent over MCP. */
  ui?: ToolUi;
}

export function buildManifest(tools: readonly AnyToolDefinition[]): ToolManifestEntry[] {
  return tools.map((tool) => ({
    name: tool.name,
    title: tool.title,
    description: tool.description,
    inputSchema: jsonSchema(tool.input, 'input'),
    outputSchema: jsonSchema(tool.output, 'output'),
    annotations: tool.annotations,
    ...(tool.ui ? { ui: tool.ui } : {}),
  }));
}

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): ToolManifestEntry['inputSchema'] {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'throw' }) as Record<string, unknown>;
  if (rest.type !== 'object') throw new Error('tool schemas must be objects');
  return rest as ToolManifestEntry['inputSchema'];
}
