import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { contractsOf, differences } from '../../scripts/contracts';
import { allTools } from '../../src/tools';

const FOLDER = __dirname;
const UPDATE = 'If the change is intended, run npm run contracts and commit the snapshot with it.';

describe('tool contracts match their committed snapshots (test/contracts/<tool>.json)', () => {
  for (const contract of contractsOf(allTools)) {
    it(contract.name, () => {
      const file = join(FOLDER, `${contract.name}.json`);
      assert.ok(existsSync(file), `${contract.name} has no contract snapshot (${file}). ${UPDATE}`);
      const snapshot = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      const changed = differences(snapshot, contract);
      assert.ok(
        changed.length === 0,
        `The contract of ${contract.name} differs from its snapshot (snapshot → now):\n  ${changed.join('\n  ')}\n${UPDATE}`,
      );
    });
  }

  it('has no snapshot of a tool the tool list no longer has', () => {
    const names = new Set(allTools.map((tool) => `${tool.name}.json`));
    const stale = readdirSync(FOLDER).filter((file) => file.endsWith('.json') && !names.has(file));
    assert.deepEqual(stale, [], `snapshots of tools that are gone: ${stale.join(', ')}. Run npm run contracts.`);
  });
});

describe('contract differences', () => {
  it('name the path of each change, what it was and what it is', () => {
    const before = { name: 'pp_x', inputSchema: { properties: { label: { type: 'string', maxLength: 100 } }, required: ['label'] } };
    const after = {
      name: 'pp_x',
      inputSchema: { properties: { label: { type: 'string', maxLength: 200 }, wait: { type: 'integer' } }, required: ['label'] },
    };
    assert.deepEqual(differences(before, after), [
      'inputSchema.properties.label.maxLength: 100 → 200',
      'inputSchema.properties.wait: absent → {"type":"integer"}',
    ]);
  });

  it('find nothing in equal contracts', () => {
    assert.deepEqual(differences({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] }), []);
  });

  it('stop at the limit', () => {
    const many = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i]));
    assert.equal(differences({}, many, 3).length, 3);
  });
});
