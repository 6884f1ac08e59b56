import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { allTools } from '../../src/tools';
import { ECHO_LIMIT } from '../../src/tools/invoke';
import { DEFAULT_MAX_STRING } from '../../src/tools/schemas';
import { connectInProcess, text, type ClientSession } from '../helpers';

/**
 * Argument errors of every tool, generated from the JSON Schemas of the tools' inputs: a value of the
 * wrong type names the expected and the received type, a value outside an enum lists the allowed ones.
 * The schemas are the full ones the tools validate by, not the lean ones of tools/list. Validation comes
 * before any service call, so no sandbox is needed.
 */
type JsonSchema = {
  type?: string | string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  maxLength?: number;
};

interface Field {
  /** The path as the error names it: `settings.solutionCheckerMode`, `roles.0`. */
  path: string;
  schema: JsonSchema;
  /** Arguments that put `value` at this field. */
  place(value: unknown): Record<string, unknown>;
}

/** Every property, nested object property and array item of a tool's input. */
function fields(
  schema: JsonSchema,
  prefix = '',
  place: (value: unknown) => Record<string, unknown> = (v) => v as Record<string, unknown>,
): Field[] {
  const found: Field[] = [];
  for (const [name, inner] of Object.entries(schema.properties ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    const at = (value: unknown) => place({ [name]: value });
    found.push({ path, schema: inner, place: at });
    if (inner.properties) found.push(...fields(inner, path, at));
    if (inner.items) found.push({ path: `${path}.0`, schema: inner.items, place: (value) => at([value]) });
  }
  return found;
}

function typesOf(schema: JsonSchema): string[] {
  if (schema.anyOf) return schema.anyOf.flatMap(typesOf);
  return schema.type === undefined ? [] : ([] as string[]).concat(schema.type);
}

/** A value of a JSON type the field does not take, and how the error names it. */
function wrongValue(types: string[]): { value: unknown; received: string } {
  if (!types.includes('string')) return { value: 'text', received: 'string "text"' };
  if (!types.includes('integer') && !types.includes('number')) return { value: 42, received: 'number 42' };
  return { value: true, received: 'boolean true' };
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('argument errors of every tool, generated from its schema', () => {
  let session: ClientSession;
  let tools: Tool[];
  /** Each tool's full input schema, as it validates arguments. */
  const full = allTools.map((tool) => ({ name: tool.name, inputSchema: z.toJSONSchema(tool.input, { io: 'input' }) }));
  before(async () => {
    session = await connectInProcess(['--sandbox'], {});
    tools = (await session.client.listTools()).tools;
  });
  after(() => session.close());

  it('a wrong type names the field, the expected type and the received type', async () => {
    let checked = 0;
    for (const tool of full) {
      for (const field of fields(tool.inputSchema as JsonSchema)) {
        const types = typesOf(field.schema);
        if (!types.length) continue;
        const { value, received } = wrongValue(types);
        const result = await session.client.callTool({ name: tool.name, arguments: field.place(value) });
        const expected = types.filter((t) => t !== 'null').join(' or ');
        assert.equal(result.isError, true, `${tool.name} ${field.path}`);
        assert.match(
          text(result),
          new RegExp(`^- ${escape(field.path)}: expected ${expected}, received ${escape(received)}\\.( Allowed values: .*)?$`, 'm'),
          `${tool.name} ${field.path}`,
        );
        assert.doesNotMatch(text(result), new RegExp(`^- ${escape(field.path)}: required`, 'm'), `${tool.name} ${field.path} was sent`);
        checked++;
      }
    }
    assert.ok(checked > 100, `${checked} fields checked`);
  });

  it('a value outside an enum lists every allowed value', async () => {
    let checked = 0;
    for (const tool of full) {
      for (const field of fields(tool.inputSchema as JsonSchema)) {
        if (!field.schema.enum) continue;
        const result = await session.client.callTool({ name: tool.name, arguments: field.place('no-such-value') });
        const allowed = field.schema.enum.map((v) => JSON.stringify(v)).join(', ');
        assert.match(
          text(result),
          new RegExp(`^- ${escape(field.path)}: "no-such-value" is not allowed\\. Allowed values: ${escape(allowed)}\\.$`, 'm'),
          `${tool.name} ${field.path}`,
        );
        checked++;
      }
    }
    assert.ok(checked >= 10, `${checked} enum fields checked`);
  });

  it('every string field has a maxLength, in tools/list and in the full schemas', () => {
    const unbounded: string[] = [];
    for (const tool of [...tools, ...full]) {
      for (const field of fields(tool.inputSchema as JsonSchema)) {
        const strings = field.schema.anyOf
          ? field.schema.anyOf.filter((s) => s.type === 'string')
          : field.schema.type === 'string'
            ? [field.schema]
            : [];
        for (const s of strings) if (s.enum === undefined && typeof s.maxLength !== 'number') unbounded.push(`${tool.name}.${field.path}`);
      }
    }
    assert.deepEqual(unbounded, []);
  });

  it('a value over a limit says the limit and the length received, not the value', async () => {
    const path = `folder/${'a'.repeat(DEFAULT_MAX_STRING)}`;
    const result = await session.client.callTool({ name: 'pp_unpack_solution', arguments: { zipFile: path, folder: 'out' } });
    assert.match(text(result), new RegExp(`^- zipFile: at most ${DEFAULT_MAX_STRING} characters, received ${path.length}\\.$`, 'm'));
    assert.ok(text(result).length < 500);
  });

  it('a long value said back in an error is cut to the echo limit', async () => {
    const long = `Contoso ${'x'.repeat(400)} end`;
    const result = await session.client.callTool({ name: 'pp_list_environments', arguments: { type: long } });
    const line = text(result)
      .split('\n')
      .find((l) => l.startsWith('- type:'))!;
    const echoed = /^- type: (".*") is not allowed/.exec(line)![1]!;
    assert.ok(echoed.length <= ECHO_LIMIT, `${echoed.length} characters echoed`);
    assert.ok(echoed.startsWith('"Contoso x') && echoed.endsWith('x end"'), 'start and end kept');
  });

  it('a missing field is "required", and only when it was not sent', async () => {
    const result = await session.client.callTool({ name: 'pp_get_operation', arguments: {} });
    assert.match(text(result), /^- id: required\.$/m);
  });
});
