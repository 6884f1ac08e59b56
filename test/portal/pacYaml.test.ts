import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parsePacYaml, stringifyPacYaml } from '../../src/portal/pacYaml';
import { corpus, needsCorpus } from '../corpus';

function yamlFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.yml'))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('YAML as pac writes it', () => {
  it('writes every YAML file of the five downloads byte for byte from what it reads', needsCorpus, () => {
    const files = yamlFiles(corpus('fixtures', 'pages'));
    assert.ok(files.length > 1000, `${files.length} files`);
    const different = files.filter((file) => stringifyPacYaml(parsePacYaml(readFileSync(file, 'utf8'))) !== readFileSync(file, 'utf8'));
    assert.deepEqual(different, []);
  });

  it('keeps every scalar as text, so a text column holding False keeps its spelling', () => {
    assert.deepEqual(parsePacYaml('adx_value: False\nadx_lcid: 1033\nadx_span: 00:03:00\n'), {
      adx_value: 'False',
      adx_lcid: '1033',
      adx_span: '00:03:00',
    });
  });

  it("tells an empty value (null) from an empty text ('')", () => {
    assert.deepEqual(parsePacYaml("a: \nb: ''\n"), { a: null, b: '' });
    assert.equal(stringifyPacYaml({ a: null, b: '' }), "a: \nb: ''\n");
  });

  it('quotes only what would not read back the same, the way YamlDotNet does', () => {
    const cases: Array<[string, string]> = [
      ['true', 'true'],
      ['*WEB*', "'*WEB*'"],
      ['[Admin] Home', "'[Admin] Home'"],
      ['Binding: x', "'Binding: x'"],
      ['trailing ', "'trailing '"],
      ["it's", "it's"],
      ['a # b', "'a # b'"],
      ['a#b', 'a#b'],
      ['- item', "'- item'"],
      ['tab\there', 'tab\there'],
      ['bell\x07', '"bell\\a"'],
    ];
    for (const [value, written] of cases) assert.equal(stringifyPacYaml({ k: value }), `k: ${written}\n`, value);
  });

  it('writes text with line breaks as a folded block with each break as an empty line, and reads it back', () => {
    const yaml = stringifyPacYaml([{ adx_description: 'First line.\nSecond line.', adx_name: 'x' }]);
    assert.equal(yaml, '- adx_description: >-\n    First line.\n\n    Second line.\n  adx_name: x\n');
    assert.deepEqual(parsePacYaml(yaml), [{ adx_description: 'First line.\nSecond line.', adx_name: 'x' }]);
  });

  it('writes lists at their key indentation, and an empty mapping or list in flow style', () => {
    assert.equal(stringifyPacYaml({ adx_roles: ['b', 'c'], adx_x: '1' }), 'adx_roles:\n- b\n- c\nadx_x: 1\n');
    assert.equal(stringifyPacYaml({}), '{}\n');
    assert.equal(stringifyPacYaml([]), '[]\n');
  });

  it('names the place of a structure pac never writes', () => {
    assert.throws(() => parsePacYaml('a:\n  b: c\n'), /the file, a holds a nested structure/);
  });
});
