/**
 * The input schemas tools/list sends, made lean: every agent pays for them on every turn. Zod's output
 * is correct but wordy; this drops what says nothing a client or a model needs.
 */
type Schema = Record<string, unknown>;

/** Zod writes the safe-integer range on every integer without bounds of its own. */
const SAFE_INTEGER = Number.MAX_SAFE_INTEGER;

/**
 * An input schema without the noise Zod adds: the safe-integer range on integers, a `pattern` beside a
 * `format` that already says it (a uuid's 190-character expression), `minLength: 1` and
 * `additionalProperties: false`. Types, enums, defaults, limits, required and descriptions stay; the
 * tool's own validation is exact in any case.
 */
export function leanInputSchema(schema: Schema): Schema {
  return walk(schema, (node) => {
    const lean = { ...node };
    if (lean.minimum === -SAFE_INTEGER) delete lean.minimum;
    if (lean.maximum === SAFE_INTEGER) delete lean.maximum;
    if (typeof lean.format === 'string' && typeof lean.pattern === 'string') delete lean.pattern;
    // "Not empty" goes without saying for a name or a path; the tool still refuses an empty one.
    if (lean.minLength === 1) delete lean.minLength;
    // Unknown arguments are refused with an error that names them; saying so in every schema costs 28 bytes each.
    if (lean.additionalProperties === false) delete lean.additionalProperties;
    return lean;
  });
}

/** Applies `visit` to every schema object of the tree, children first. */
function walk(node: unknown, visit: (node: Schema) => Schema): Schema {
  const copy = Object.fromEntries(Object.entries(node as Schema).map(([key, value]) => [key, child(value, visit)]));
  return visit(copy);
}

function child(value: unknown, visit: (node: Schema) => Schema): unknown {
  if (Array.isArray(value)) return value.map((item) => child(item, visit));
  if (value && typeof value === 'object') return walk(value, visit);
  return value;
}
