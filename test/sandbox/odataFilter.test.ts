import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFilter } from '../../src/sandbox/odataFilter';

/** A small seeded generator, so a failure repeats. */
function generator(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

const TEXTS = ['Fabrikam', 'FABRIKAM ', 'Fàbrikam', 'Contoso', "O'Neil", '', 'contoso  '];
const GUIDS = ['a0000001-0000-4000-8000-000000000000', 'A0000002-0000-4000-8000-000000000000'];

describe('sandbox $filter', () => {
  it('answers many or-ed equalities on the same columns from a table exactly as clause by clause', () => {
    const random = generator(7);
    const pick = <T>(items: T[]): T => items[Math.floor(random() * items.length)]!;
    const literal = (column: string): string => {
      if (column === 'name') return random() < 0.1 ? 'null' : `'${pick(TEXTS).replace(/'/g, "''")}'`;
      if (column === 'count') return pick(['1', '2', '2.5', 'null']);
      if (column === 'flag') return pick(['true', 'false']);
      return pick([...GUIDS, 'null']);
    };
    const rows = Array.from({ length: 300 }, () => ({
      name: random() < 0.1 ? undefined : pick(TEXTS),
      count: pick([1, 2, 2.5, null, '1']),
      flag: pick([true, false, null]),
      parent: pick([GUIDS[0], GUIDS[1]!.toLowerCase(), null]),
    }));
    for (let round = 0; round < 40; round++) {
      const columns = ['name', 'count', 'flag', '_parent_value'].filter(() => random() < 0.6);
      if (!columns.length) columns.push('name');
      // Columns in any order in each clause; now and then a clause on fewer columns.
      const terms = Array.from({ length: 8 + Math.floor(random() * 20) }, () =>
        [...columns]
          .sort(() => random() - 0.5)
          .slice(0, random() < 0.05 ? 1 : undefined)
          .map((c) => `${c} eq ${literal(c)}`)
          .join(' and '),
      );
      const filter = terms.map((t) => `(${t})`).join(' or ');
      const all = parseFilter(filter);
      const each = terms.map((t) => parseFilter(t));
      for (const row of rows) {
        const read = (path: string) => (row as Record<string, unknown>)[path === '_parent_value' ? 'parent' : path];
        assert.equal(
          all(read),
          each.some((p) => p(read)),
          `${filter} on ${JSON.stringify(row)}`,
        );
      }
    }
  });

  it('reads each column of a row once for many or-ed equalities, as an index would, not once a clause', () => {
    const filter = Array.from({ length: 50 }, (_, i) => `(name eq 'Account ${i}' and count eq ${i})`).join(' or ');
    const predicate = parseFilter(filter);
    let reads = 0;
    const row: Record<string, unknown> = { name: 'ACCOUNT 7 ', count: 7 };
    assert.equal(
      predicate((path) => (reads++, row[path])),
      true,
    );
    assert.equal(reads, 2);
    reads = 0;
    assert.equal(
      predicate((path) => (reads++, path === 'count' ? 8 : row[path])),
      false,
    );
    assert.equal(reads, 2);
  });
});
