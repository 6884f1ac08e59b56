// Reading service payloads that arrive as untyped JSON: each helper narrows one step, so a missing or
// oddly shaped field reads as undefined (or an empty list) instead of throwing.

/** The value at `keys` inside `value`, one object level per key; undefined as soon as a level is not an object. */
export function at(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** The value when it is a string, else undefined. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The value when it is an array, else an empty one. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Whether the value is a non-null object (an array included), so its entries can be read. */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** The value as text: a primitive as String() writes it, an object or array as its JSON rather than "[object Object]". */
export function text(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
}
