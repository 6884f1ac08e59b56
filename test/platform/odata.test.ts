import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eq, queryPath, rowId } from '../../src/platform/odata';

describe('OData query text', () => {
  it('writes groups of comparisons of which one must hold, each value escaped so it cannot end its literal or the query', () => {
    const id = 'a0000001-0000-4000-8000-000000000000';
    const path = queryPath('accounts', {
      select: ['accountid', 'name'],
      whereAny: [
        [eq('name', "O'Neil & Sons #1+2"), eq('_parentaccountid_value', rowId(id))],
        [eq('name', null), eq('numberofemployees', 5)],
      ],
    });
    const url = new URL(`https://example.invalid/${path}`);
    assert.deepEqual([...url.searchParams.keys()], ['$select', '$filter']);
    assert.equal(
      url.searchParams.get('$filter'),
      `(name eq 'O''Neil & Sons #1+2' and _parentaccountid_value eq ${id}) or (name eq null and numberofemployees eq 5)`,
    );
    assert.throws(() => queryPath('accounts', { whereAny: [[eq('numberofemployees', Number.NaN)]] }), /Not a finite number/);
    assert.equal(queryPath('accounts', { whereAny: [] }), 'accounts');
  });
});
