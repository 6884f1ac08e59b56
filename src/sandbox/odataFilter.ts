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

function same(actual: unknown, expected: unknown): boolean {
  if (typeof actual === 'string' && typeof expected === 'string') return actual.toLowerCase() === expected.toLowerCase();
  return (actual ?? null) === expected;
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
    return operator === 'eq' ? (read) => same(read(path), value) : (read) => !same(read(path), value);
  };
  const and = (): Predicate => {
    let left = primary();
    while (peek()?.text.toLowerCase() === 'and') {
      take();
      const right = primary();
      const l = left;
      left = (read) => l(read) && right(read);
    }
    return left;
  };
  const or = (): Predicate => {
    let left = and();
    while (peek()?.text.toLowerCase() === 'or') {
      take();
      const right = and();
      const l = left;
      left = (read) => l(read) || right(read);
    }
    return left;
  };
  const predicate = or();
  if (at < tokens.length) throw new FilterError(`unexpected '${tokens[at]!.text}'`);
  return predicate;
}
