import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failedComponentsText, type ComponentFailure } from '../../src/operations/dataverseJob';
import type { OperationRecord } from '../../src/operations/record';
import { summarize } from '../../src/tools/lifecycle/operationReport';

function failures(count: number): ComponentFailure[] {
  return Array.from({ length: count }, (_, n) => ({
    component: 'workflow',
    name: `Flow ${n + 1}`,
    code: '0x80048d0b',
    message: 'A connection reference is missing.',
  }));
}

describe("a failed solution import's message", () => {
  it('names every failed component when there are ten or fewer', () => {
    const text = failedComponentsText(failures(3));
    assert.equal(
      text,
      'Failed components:\n' +
        '- workflow Flow 1: A connection reference is missing.\n' +
        '- workflow Flow 2: A connection reference is missing.\n' +
        '- workflow Flow 3: A connection reference is missing.',
    );
  });

  it('names the first ten of many, and says how many more the result lists', () => {
    const lines = failedComponentsText(failures(150)).split('\n');
    assert.equal(lines.length, 1 + 10 + 1);
    assert.equal(lines[10], '- workflow Flow 10: A connection reference is missing.');
    assert.equal(lines[11], '… and 140 more (componentFailures lists the first 100 of 150).');
    assert.equal(failedComponentsText(failures(40)).split('\n')[11], '… and 30 more (componentFailures lists all 40).');
  });

  it("a finished import's summary shows its first ten warnings and how many more the result has", () => {
    const record: OperationRecord = {
      id: 'op-1',
      kind: 'import_solution',
      title: 'Import ContosoCore into Contoso Test',
      environment: { id: 'env-1', displayName: 'Contoso Test' },
      state: 'succeeded',
      createdAt: '2026-12-04T05:00:00Z',
      updatedAt: '2026-12-04T05:01:00Z',
      finishedAt: '2026-12-04T05:01:00Z',
      result: { warnings: Array.from({ length: 25 }, (_, n) => `Warning number ${n + 1}.`) },
    };
    const lines = summarize(record, 'now').split('\n');
    assert.deepEqual(
      lines.filter((line) => line.startsWith('Warning')),
      Array.from({ length: 10 }, (_, n) => `Warning: Warning number ${n + 1}.`),
    );
    assert.ok(lines.includes('… and 15 more warnings in the result.'), lines.join('\n'));
  });
});
