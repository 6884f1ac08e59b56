import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { leanInputSchema } from '../../src/server/leanSchema';
import { createMcpServer } from '../../src/server/mcpServer';
import { HINT_DEFAULTS } from '../../src/server/toolList';
import { allTools } from '../../src/tools';
import { manifestOfAllTools } from '../helpers';

/** What every agent pays for on every turn: the budget of the whole list, and of a tool on average. */
const MAX_BYTES = 40_000;
const MAX_BYTES_PER_TOOL = 1_000;

interface ListedTool {
  name: string;
  description: string;
  inputSchema: Schema;
  [key: string]: unknown;
}
type Schema = { properties?: Record<string, Schema>; items?: Schema; description?: string; [key: string]: unknown };

/** The tools/list result exactly as it comes over the transport (every tool offered), and its size in bytes. */
async function listTools(): Promise<{ tools: ListedTool[]; bytes: number }> {
  const server = createMcpServer({
    manifest: manifestOfAllTools(),
    runtime: () => Promise.reject(new Error('not needed for tools/list')),
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'tool-list-test', version: '1.0.0' });
  await client.connect(clientSide);
  let raw: { tools: ListedTool[] } | undefined;
  const deliver = clientSide.onmessage!;
  clientSide.onmessage = (message: JSONRPCMessage, extra) => {
    if ('result' in message && message.result && 'tools' in message.result) raw = message.result as typeof raw;
    deliver(message, extra);
  };
  try {
    await client.listTools();
  } finally {
    await client.close();
    await server.close();
  }
  return { tools: raw!.tools, bytes: Buffer.byteLength(JSON.stringify(raw)) };
}

/** Every property of an input schema, nested object properties and array items' properties included. */
function properties(schema: Schema, prefix = ''): Array<[string, Schema]> {
  return Object.entries(schema.properties ?? {}).flatMap(([name, property]) => {
    const path = `${prefix}${name}`;
    return [[path, property] as [string, Schema], ...properties(property, `${path}.`), ...properties(property.items ?? {}, `${path}[].`)];
  });
}

describe('tools/list: lean enough for every turn', () => {
  it(`stays within ${MAX_BYTES} bytes in all and ${MAX_BYTES_PER_TOOL} bytes per tool on average`, async () => {
    const { tools, bytes } = await listTools();
    assert.equal(tools.length, allTools.length, 'every tool is offered');
    assert.ok(bytes <= MAX_BYTES, `tools/list is ${bytes} bytes`);
    assert.ok(bytes / tools.length <= MAX_BYTES_PER_TOOL, `${Math.round(bytes / tools.length)} bytes per tool`);
  });

  it('describes every input property of every tool', async () => {
    const { tools } = await listTools();
    const undescribed = tools.flatMap((tool) =>
      properties(tool.inputSchema)
        .filter(([, property]) => !property.description?.trim())
        .map(([path]) => `${tool.name}.${path}`),
    );
    assert.deepEqual(undescribed, []);
  });

  it('gives every tool a description of its own', async () => {
    const { tools } = await listTools();
    const byDescription = new Map<string, string[]>();
    for (const tool of tools) byDescription.set(tool.description, [...(byDescription.get(tool.description) ?? []), tool.name]);
    assert.deepEqual(
      [...byDescription.values()].filter((names) => names.length > 1),
      [],
    );
  });

  it('declares an object result for every tool; sends no icon, no title twice, only hints that differ from their defaults', async () => {
    const { tools } = await listTools();
    for (const tool of tools) {
      assert.deepEqual(tool.outputSchema, { type: 'object' }, tool.name);
      assert.equal(tool.icons, undefined, tool.name);
      const annotations = tool.annotations as Record<string, unknown>;
      assert.equal(annotations.title, undefined, `${tool.name}: the title is said once`);
      const sentAtDefault = Object.entries(annotations).filter(
        ([hint, value]) => hint !== 'destructiveHint' && value === HINT_DEFAULTS[hint as keyof typeof HINT_DEFAULTS],
      );
      assert.deepEqual(sentAtDefault, [], tool.name);
    }
  });
});

describe('lean input schemas', () => {
  it('drop what Zod adds without meaning (safe-integer range, pattern beside format, minLength 1, additionalProperties false)', () => {
    const lean = leanInputSchema({
      type: 'object',
      properties: {
        count: { type: 'integer', minimum: -Number.MAX_SAFE_INTEGER, maximum: Number.MAX_SAFE_INTEGER },
        id: { type: 'string', format: 'uuid', pattern: '^[0-9a-f-]{36}$', maxLength: 4096 },
        name: { type: 'string', minLength: 1, maxLength: 100, description: 'Name.' },
        code: { type: 'string', minLength: 3, maxLength: 3, pattern: '^[A-Z]{3}$' },
        wait: { type: 'integer', minimum: 0, maximum: 600, default: 50 },
      },
      required: ['name'],
      additionalProperties: false,
    });
    assert.deepEqual(lean, {
      type: 'object',
      properties: {
        count: { type: 'integer' },
        id: { type: 'string', format: 'uuid', maxLength: 4096 },
        name: { type: 'string', maxLength: 100, description: 'Name.' },
        code: { type: 'string', minLength: 3, maxLength: 3, pattern: '^[A-Z]{3}$' },
        wait: { type: 'integer', minimum: 0, maximum: 600, default: 50 },
      },
      required: ['name'],
    });
  });
});
