import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { matchesFilter } from '../../src/sandbox/simpleFilter';

describe("the sandbox's simple $filter", () => {
  const row = { name: "Research and Development's Lead", statecode: 0, createdon: '2026-03-01T10:00:00Z' };

  it('splits on `and` only outside quoted text', () => {
    assert.equal(matchesFilter(row, "name eq 'Research and Development''s Lead' and statecode eq 0"), true);
    assert.equal(matchesFilter(row, "name eq 'Research and Development''s Lead' and statecode eq 1"), false);
    assert.equal(matchesFilter(row, "name eq 'Research' and statecode eq 0"), false);
  });

  it('compares dates and numbers', () => {
    assert.equal(matchesFilter(row, 'createdon ge 2026-01-01T00:00:00Z and statecode lt 1'), true);
    assert.equal(matchesFilter(row, 'createdon gt 2026-06-01T00:00:00Z'), false);
  });
});
