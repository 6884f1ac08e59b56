/**
 * The part of OData's $filter the sandbox's data tables answer: comparisons with `eq`/`ne`, `and`,
 * `or`, `not`, parentheses, paths like `sdkmessageid/name`, and Dataverse's
 * `Microsoft.Dynamics.CRM.In(PropertyName='x',PropertyValues=['a','b'])`. Anything else is refused
 * with the reason, as the service does, rather than matched loosely.
 */
export type Predicate = (read: (path: string) => unknown) => boolean;

export class FilterError extends Error {}

type Token = { kind: 'word' | 'string' | 'punct'; text: string };

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const c = filter[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === "'") {
      let text = '';
      for (i++; ; i++) {
        if (i >= filter.length) throw new FilterError('a string literal is not closed');
        if (filter[i] === "'" && filter[i + 1] === "'") {
          text += "'";
          i++;
        } else if (filter[i] === "'") break;
        else text += filter[i];
      }
      i++;
      tokens.push({ kind: 'string', text });
    } else if ('(),[]='.includes(c)) {
      tokens.push({ kind: 'punct', text: c });
      i++;
    } else {
      const match = /^[\w./:+-]+/.exec(filter.slice(i));
      if (!match) throw new FilterError(`unexpected '${c}'`);
      tokens.push({ kind: 'word', text: match[0] });
      i += match[0].length;
    }
  }
  return tokens;
}

function literal(token: Token): unknown {
  if (token.kind === 'string') return token.text;
  const text = token.text;
  if (text === 'null') return null;
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) return text.toLowerCase();
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  throw new FilterError(`'${text}' is not a literal`);
}

/** Text as Dataverse's default collation (Latin1_General_CI_AI) compares it: case, accents, width and trailing spaces aside. */
function folded(text: string): string {
  let fold = folds.get(text);
  if (fold === undefined) {
    // Width and accents aside, the letters SQL's Windows collations expand (ß, æ, œ) expanded, and
    // trailing spaces (spaces alone) ignored, as `=` does.
    fold = text
      .normalize('NFKD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/[ßæœ]/g, (letter) => EXPANDED[letter]!)
      .replace(/ +$/, '');
    // A filter of many clauses compares each row's value many times: each short text is folded once.
    if (folds.size >= 100_000) folds.clear();
    if (text.length <= 256) folds.set(text, fold);
  }
  return fold;
}

const folds = new Map<string, string>();
const EXPANDED: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe' };

function same(actual: unknown, expected: unknown): boolean {
  if (typeof actual === 'string' && typeof expected === 'string') return folded(actual) === folded(expected);
  return (actual ?? null) === expected;
}

/** What a predicate of equalities alone (`a eq 1 and b eq 'x'`) compares, path by path. */
const equalities = new WeakMap<Predicate, Array<[string, unknown]>>();

/** A value as `same` tells values apart, in a key: text folded, none as null. */
function keyOf(values: unknown[]): string {
  return JSON.stringify(values.map((v) => (typeof v === 'string' ? folded(v) : (v ?? null))));
}

/**
 * Many `or`s of equalities on the same paths (records asked for by their values, as an import
 * does) answered from a table of their values, as the service answers them from an index, rather
 * than clause by clause for every row.
 */
function lookupTable(terms: Predicate[]): Predicate | undefined {
  if (terms.length < 8 || !terms.every((t) => equalities.has(t))) return undefined;
  const paths = equalities
    .get(terms[0]!)!
    .map(([p]) => p)
    .sort();
  const table = new Set<string>();
  for (const term of terms) {
    const pairs = [...equalities.get(term)!].sort(([a], [b]) => (a < b ? -1 : 1));
    if (pairs.length !== paths.length || pairs.some(([p], i) => p !== paths[i])) return undefined;
    table.add(keyOf(pairs.map(([, v]) => v)));
  }
  return (read) => table.has(keyOf(paths.map((p) => read(p))));
}

export function parseFilter(filter: string): Predicate {
  const tokens = tokenize(filter);
  let at = 0;
  const peek = () => tokens[at];
  const take = (text?: string) => {
    const token = tokens[at++];
    if (!token || (text && token.text.toLowerCase() !== text)) throw new FilterError(`expected ${text ?? 'more'} at token ${at}`);
    return token;
  };

  const primary = (): Predicate => {
    const token = peek();
    if (!token) throw new FilterError('the filter ends too early');
    if (token.text === '(') {
      take('(');
      const inner = or();
      take(')');
      return inner;
    }
    if (token.text.toLowerCase() === 'not') {
      take();
      const inner = primary();
      return (read) => !inner(read);
    }
    if (token.text === 'Microsoft.Dynamics.CRM.In') {
      take();
      take('(');
      take('propertyname');
      take('=');
      const property = take().text;
      take(',');
      take('propertyvalues');
      take('=');
      take('[');
      const values: unknown[] = [];
      while (peek()?.text !== ']') {
        values.push(literal(take()));
        if (peek()?.text === ',') take(',');
      }
      take(']');
      take(')');
      return (read) => values.some((v) => same(read(property), v));
    }
    const path = take().text;
    const operator = take().text.toLowerCase();
    if (operator !== 'eq' && operator !== 'ne') throw new FilterError(`the operator '${operator}' is not supported here`);
    const value = literal(take());
    if (operator === 'ne') return (read) => !same(read(path), value);
    const equal: Predicate = (read) => same(read(path), value);
    equalities.set(equal, [[path, value]]);
    return equal;
  };
  const and = (): Predicate => {
    let left = primary();
    while (peek()?.text.toLowerCase() === 'and') {
      take();
      const right = primary();
      const l = left;
      left = (read) => l(read) && right(read);
      const [first, second] = [equalities.get(l), equalities.get(right)];
      const both = first && second ? [...first, ...second] : [];
      if (both.length && new Set(both.map(([p]) => p)).size === both.length) equalities.set(left, both);
    }
    return left;
  };
  const or = (): Predicate => {
    const terms = [and()];
    while (peek()?.text.toLowerCase() === 'or') {
      take();
      terms.push(and());
    }
    return lookupTable(terms) ?? terms.reduce((l, right) => (read) => l(read) || right(read));
  };
  const predicate = or();
  if (at < tokens.length) throw new FilterError(`unexpected '${tokens[at]!.text}'`);
  return predicate;
}
