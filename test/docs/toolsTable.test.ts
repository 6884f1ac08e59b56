import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { oneLine, TABLE_END, TABLE_START, toolsTable, withToolsTable } from '../../scripts/toolsTable';
import { allTools } from '../../src/tools';
import { READ_ONLY_CLOUD, DESTRUCTIVE_CLOUD } from '../../src/tools/types';
import { ROOT } from '../helpers';

describe("README's tools table", () => {
  it('matches the tool list (run npm run docs:tools when this fails)', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const expected = withToolsTable(readme, toolsTable(allTools));
    const lines = (text: string) => text.slice(text.indexOf(TABLE_START), text.indexOf(TABLE_END)).split('\n');
    const stale = lines(readme).filter((line) => !lines(expected).includes(line));
    assert.ok(
      readme === expected,
      `README.md's tools table is out of date; run npm run docs:tools. Rows that differ:\n${stale.join('\n')}`,
    );
  });

  it('has one row per tool, naming whether it only reads and its toolset', () => {
    const table = toolsTable([
      { name: 'pp_a', title: 'Read A', description: 'Reads A. More.', toolset: 'diagnostics', annotations: READ_ONLY_CLOUD },
      { name: 'pp_b', title: 'Delete B', description: 'Deletes B | C.', toolset: 'environments', annotations: DESTRUCTIVE_CLOUD },
    ]);
    assert.deepEqual(table.split('\n').slice(2), [
      '| `pp_a` | Read A | Reads A. | yes | diagnostics |',
      '| `pp_b` | Delete B | Deletes B \\| C. | no | environments |',
    ]);
  });

  it('keeps the first sentence of a description, and its part before a colon when it runs long', () => {
    assert.equal(oneLine('Lists things, e.g. solutions. Reads only.'), 'Lists things, e.g. solutions.');
    assert.equal(
      oneLine('Imports a zip, then waits for `pp_get_operation`. mode "install" installs.'),
      'Imports a zip, then waits for `pp_get_operation`.',
    );
    const long = `Checks that the server can work and says what to fix: ${'every service, '.repeat(12)}and the clock.`;
    assert.equal(oneLine(long), 'Checks that the server can work and says what to fix.');
  });

  it('refuses a README without its markers rather than write the table somewhere', () => {
    assert.throws(() => withToolsTable('# Title\n', '| table |'), /needs the markers/);
  });
});
