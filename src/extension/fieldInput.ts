import { Validator } from '@cfworker/json-schema';
import { scalarText } from './format';

/** The JSON Schema of one tool argument, as far as the palette reads it. */
export interface FieldSchema {
  type?: string;
  enum?: unknown[];
  description?: string;
  default?: unknown;
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  maxItems?: number;
  items?: FieldSchema;
  anyOf?: FieldSchema[];
  properties?: Record<string, FieldSchema>;
  required?: string[];
  [key: string]: unknown;
}

/** How a field is typed in an input box. */
export type TextShape = 'text' | 'number' | 'list' | 'names' | 'json';

/**
 * Typed text for a field: a number, a comma-separated list (of strings, or of the one required name
 * of objects such as `{ table }`), JSON for other objects, or text.
 */
export function textShape(schema: FieldSchema): TextShape {
  if (schema.type === 'integer' || schema.type === 'number') return 'number';
  if (schema.type === 'array' && schema.items?.type === 'string') return 'list';
  if (schema.type === 'array' && nameOfItems(schema)) return 'names';
  if (schema.type === 'object' || schema.type === 'array') return 'json';
  return 'text';
}

/** What the input box says under the field, besides the description. */
export function shapeHint(schema: FieldSchema): string | undefined {
  switch (textShape(schema)) {
    case 'list':
    case 'names':
      return 'Separate several with commas.';
    case 'json':
      return 'Type JSON.';
    default:
      return undefined;
  }
}

/** Checks typed text as the person types: undefined when it is fine, else what is wrong, naming the field. */
export function validateText(label: string, schema: FieldSchema, text: string, optional: boolean): string | undefined {
  if (!text.trim()) return optional ? undefined : `${label} is required.`;
  const parsed = parseText(schema, text);
  if ('problem' in parsed) return `${label} ${parsed.problem}`;
  return undefined;
}

/** The value for the tool from typed text (empty text is left out), or what is wrong with it. */
export function parseText(schema: FieldSchema, text: string): { value: unknown } | { problem: string } {
  const trimmed = text.trim();
  if (!trimmed) return { value: undefined };
  if (schema.anyOf) {
    let first: { problem: string } | undefined;
    for (const branch of schema.anyOf) {
      const parsed = parseText(branch, trimmed);
      if (!('problem' in parsed)) return parsed;
      first ??= parsed;
    }
    return first ?? { problem: 'is not valid.' };
  }
  switch (textShape(schema)) {
    case 'number':
      return parseNumber(schema, trimmed);
    case 'list':
      return parseList(schema, trimmed, (item) => item);
    case 'names': {
      const name = nameOfItems(schema)!;
      return parseList(schema, trimmed, (item) => ({ [name]: item }), schema.items!.properties![name]);
    }
    case 'json':
      return parseJson(schema, trimmed);
    default: {
      const problem = stringProblem(schema, trimmed);
      return problem ? { problem } : { value: trimmed };
    }
  }
}

function parseNumber(schema: FieldSchema, text: string): { value: number } | { problem: string } {
  const value = Number(text);
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) || !Number.isFinite(value)) return { problem: 'must be a number.' };
  if (schema.type === 'integer' && !Number.isInteger(value)) return { problem: 'must be a whole number.' };
  const { minimum: min, maximum: max } = schema;
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    return {
      problem:
        min !== undefined && max !== undefined
          ? `must be from ${min} to ${max}.`
          : min !== undefined
            ? `must be at least ${min}.`
            : `must be at most ${max}.`,
    };
  }
  return { value };
}

function parseList(
  schema: FieldSchema,
  text: string,
  toItem: (item: string) => unknown,
  itemSchema: FieldSchema = schema.items ?? {},
): { value: unknown[] } | { problem: string } {
  const items = text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  if (schema.maxItems !== undefined && items.length > schema.maxItems) return { problem: `takes at most ${schema.maxItems} items.` };
  for (const item of items) {
    const problem = itemSchema.enum ? enumProblem(itemSchema.enum, item) : stringProblem(itemSchema, item);
    if (problem) return { problem: `has "${item}", which ${problem}` };
  }
  return { value: items.map(toItem) };
}

function parseJson(schema: FieldSchema, text: string): { value: unknown } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `is not valid JSON (${(error as Error).message}).` };
  }
  const result = new Validator(schema as object, '2020-12', false).validate(value);
  if (result.valid) return { value };
  const deepest = result.errors[result.errors.length - 1]!;
  const where = deepest.instanceLocation.replace(/^#\/?/, '').replace(/\//g, '.');
  return { problem: `${where ? `at ${where}: ` : ''}${deepest.error}` };
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function stringProblem(schema: FieldSchema, text: string): string | undefined {
  if (schema.enum) return enumProblem(schema.enum, text);
  if (schema.minLength !== undefined && text.length < schema.minLength) return `must have at least ${schema.minLength} characters.`;
  if (schema.maxLength !== undefined && text.length > schema.maxLength) return `must have at most ${schema.maxLength} characters.`;
  // tools/list leaves a uuid's pattern out (the format says it), so the format is checked on its own.
  if (schema.format === 'uuid' && !GUID.test(text)) return 'must be a GUID, such as 6f1c2d3e-0000-4000-8000-000000000001.';
  if (schema.pattern && !new RegExp(schema.pattern).test(text)) {
    const example = exampleIn(schema.description);
    return example ? `must look like ${example}.` : 'is not in the expected form.';
  }
  return undefined;
}

function enumProblem(values: unknown[], text: string): string | undefined {
  return values.includes(text) ? undefined : `must be one of ${values.join(', ')}.`;
}

/** "The new version, such as 1.2.0.0." → "1.2.0.0". */
function exampleIn(description: string | undefined): string | undefined {
  return /(?:such as|e\.g\.|for example)\s+([^\s,;()]+[^\s,;().])/i.exec(description ?? '')?.[1];
}

/** Arrays of objects with exactly one required text field (`{ table, columns? }`) are typed as that field's values. */
function nameOfItems(schema: FieldSchema): string | undefined {
  const items = schema.items;
  if (items?.type !== 'object' || items.required?.length !== 1) return undefined;
  const name = items.required[0]!;
  return items.properties?.[name]?.type === 'string' ? name : undefined;
}

/** The text shown in an input box for a value already chosen (going back to a step). */
export function valueAsText(schema: FieldSchema, value: unknown): string {
  if (value === undefined || value === null) return '';
  switch (textShape(schema)) {
    case 'list':
      return (value as string[]).join(', ');
    case 'names': {
      const name = nameOfItems(schema)!;
      return (value as Array<Record<string, string>>).map((item) => item[name]).join(', ');
    }
    case 'json':
      return JSON.stringify(value);
    default:
      return scalarText(value);
  }
}
