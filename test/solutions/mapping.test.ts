import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { listFiles } from '../../src/solutions/folderFiles';
import { packSolution } from '../../src/solutions/pack';
import { unpackSolution } from '../../src/solutions/unpack';
import { corpus, needsCorpus } from '../corpus';
import { zipMembers } from './solutionFiles';

const FIXTURES = corpus('fixtures', 'solutions');
const work = mkdtempSync(join(tmpdir(), 'power-agent-mapping-'));
after(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;
const fresh = (name: string) => join(work, `${counter++}-${name}`);

/** The fixture folder with its mapping file, four folders down so that the map's `..\..\..\..\` stays in the work folder. */
function mappedFixture(): { root: string; folder: string } {
  const root = fresh('repo');
  const folder = join(root, 'a', 'b', 'c', 'd');
  cpSync(join(FIXTURES, 'unpacked-more', 'localized-res-fieldservice'), folder, { recursive: true });
  return { root, folder };
}

describe('mapping files (pac solution pack|unpack --map)', needsCorpus, () => {
  it('pack reads a FileToFile match from where it is mapped, through ** in both paths', async () => {
    const { root, folder } = mappedFixture();
    const built = join(root, 'CCRM.REFFS.Plugins', 'bin', 'Release');
    mkdirSync(built, { recursive: true });
    writeFileSync(join(built, 'CCRM.REFFS.Plugins.dll'), 'MZ built plug-in');
    const zipFile = `${fresh('mapped')}.zip`;
    const result = await packSolution({ folder, zipFile, map: join(folder, 'map.xml') });
    const dll = (await zipMembers(zipFile)).get(
      'PluginAssemblies/CCRMREFFSPlugins-D7D81C55-EE14-4200-9F75-6605D8A77361/CCRMREFFSPlugins.dll',
    );
    assert.equal(dll?.toString(), 'MZ built plug-in');
    assert.ok(!result.warnings.some((w) => /missing/.test(w)), result.warnings.join('\n'));
    assert.ok(!result.leftOut.includes('map.xml'), 'the mapping file in use is not reported as left out');
  });

  it('pack stops, naming the directive, when a mapped file is not there', async () => {
    const { folder } = mappedFixture();
    const zipFile = `${fresh('unbuilt')}.zip`;
    await assert.rejects(
      packSolution({ folder, zipFile, map: join(folder, 'map.xml') }),
      /CCRMREFFSPlugins\.dll is mapped by <FileToFile map="PluginAssemblies\\\*\*\\CCRMREFFSPlugins\.dll" .*no file was found there; nothing was packed/,
    );
    assert.ok(!existsSync(zipFile));
  });

  it('unpack does not write the files a mapping file maps elsewhere', async () => {
    const { folder } = mappedFixture();
    const out = fresh('unpacked');
    const result = await unpackSolution({
      zipFile: join(FIXTURES, 'zips-more', 'res-fieldservice', 'RES.FieldService.BusinessExtensions.zip'),
      folder: out,
      map: join(folder, 'map.xml'),
    });
    assert.deepEqual(result.mapped, ['PluginAssemblies/CCRMREFFSPlugins-D7D81C55-EE14-4200-9F75-6605D8A77361/CCRMREFFSPlugins.dll']);
    assert.ok(!listFiles(out).some((f) => f.endsWith('.dll')));
    assert.ok(
      listFiles(out).includes('PluginAssemblies/CCRMREFFSPlugins-D7D81C55-EE14-4200-9F75-6605D8A77361/CCRMREFFSPlugins.dll.data.xml'),
    );
  });
});

describe('mapping directives', () => {
  /** A folder unpacked from a small solution with two web resources, then the mapping written beside it. */
  function webResourceFolder(mapping: string): { folder: string; map: string } {
    const folder = fresh('web');
    const resource = (name: string) =>
      `<WebResource><WebResourceId>{${name === 'a' ? '1' : '2'}0000000-0000-4000-8000-000000000000}</WebResourceId><Name>contoso_/scripts/${name}.js</Name><WebResourceType>3</WebResourceType><FileName>/WebResources/contoso_scripts${name}js</FileName></WebResource>`;
    mkdirSync(join(folder, 'Other'), { recursive: true });
    writeFileSync(
      join(folder, 'Other', 'Solution.xml'),
      '<ImportExportXml><SolutionManifest><UniqueName>web</UniqueName><Version>1.0.0.0</Version><Managed>0</Managed></SolutionManifest></ImportExportXml>',
    );
    writeFileSync(join(folder, 'Other', 'Customizations.xml'), '<ImportExportXml>\r\n  <WebResources />\r\n</ImportExportXml>');
    mkdirSync(join(folder, 'WebResources', 'contoso_', 'scripts'), { recursive: true });
    for (const name of ['a', 'b']) {
      writeFileSync(join(folder, 'WebResources', 'contoso_', 'scripts', `${name}.js.data.xml`), resource(name));
      writeFileSync(join(folder, 'WebResources', 'contoso_', 'scripts', `${name}.js`), `// stale ${name}`);
    }
    const map = join(folder, '..', `${counter++}-map.xml`);
    writeFileSync(map, mapping);
    return { folder, map };
  }

  it('FileToPath with *.ext reads matching files from the mapped folder, searching its sub-folders for **', async () => {
    const { folder, map } = webResourceFolder('<Mapping><FileToPath map="WebResources\\**\\*.js" to="..\\source\\**" /></Mapping>');
    mkdirSync(join(folder, '..', 'source', 'built', 'deep'), { recursive: true });
    writeFileSync(join(folder, '..', 'source', 'built', 'deep', 'a.js'), '// fresh a');
    writeFileSync(join(folder, '..', 'source', 'b.js'), '// fresh b');
    const zipFile = `${fresh('file-to-path')}.zip`;
    await packSolution({ folder, zipFile, map });
    const members = await zipMembers(zipFile);
    assert.equal(members.get('WebResources/contoso_scriptsajs')?.toString(), '// fresh a');
    assert.equal(members.get('WebResources/contoso_scriptsbjs')?.toString(), '// fresh b');
  });

  it('Folder swaps a folder prefix, sub-folders kept', async () => {
    const { folder, map } = webResourceFolder('<Mapping><Folder map="WebResources\\contoso_\\scripts" to="..\\dist" /></Mapping>');
    mkdirSync(join(folder, '..', 'dist'), { recursive: true });
    for (const name of ['a', 'b']) {
      writeFileSync(join(folder, '..', 'dist', `${name}.js`), `// dist ${name}`);
      writeFileSync(
        join(folder, '..', 'dist', `${name}.js.data.xml`),
        readFileSync(join(folder, 'WebResources', 'contoso_', 'scripts', `${name}.js.data.xml`)),
      );
    }
    const zipFile = `${fresh('folder')}.zip`;
    await packSolution({ folder, zipFile, map });
    assert.equal((await zipMembers(zipFile)).get('WebResources/contoso_scriptsbjs')?.toString(), '// dist b');
  });

  it('the first directive that matches wins', async () => {
    const { folder, map } = webResourceFolder(
      '<Mapping><FileToFile map="a.js" to="..\\first.js" /><FileToFile map="a.js" to="..\\second.js" /></Mapping>',
    );
    writeFileSync(join(folder, '..', 'first.js'), '// first');
    writeFileSync(join(folder, '..', 'second.js'), '// second');
    const zipFile = `${fresh('first')}.zip`;
    await packSolution({ folder, zipFile, map });
    assert.equal((await zipMembers(zipFile)).get('WebResources/contoso_scriptsajs')?.toString(), '// first');
  });

  it('%VARIABLE% is expanded, and an unset one is named', async () => {
    const { folder, map } = webResourceFolder('<Mapping><FileToFile map="b.js" to="%POWERAGENT_TEST_DROP%\\b.js" /></Mapping>');
    const drop = fresh('drop');
    mkdirSync(drop);
    writeFileSync(join(drop, 'b.js'), '// from the drop');
    process.env.POWERAGENT_TEST_DROP = drop;
    try {
      const zipFile = `${fresh('variable')}.zip`;
      await packSolution({ folder, zipFile, map });
      assert.equal((await zipMembers(zipFile)).get('WebResources/contoso_scriptsbjs')?.toString(), '// from the drop');
    } finally {
      delete process.env.POWERAGENT_TEST_DROP;
    }
    await assert.rejects(packSolution({ folder, zipFile: `${fresh('x')}.zip`, map }), /uses %POWERAGENT_TEST_DROP%, which is not set/);
  });

  it('a mapping file SolutionPackager would refuse is refused, naming the directive', async () => {
    for (const [mapping, problem] of [
      ['<Map />', /is not a mapping file: its root element is <Map>/],
      ['<Mapping><FileToFile map="x.js" /></Mapping>', /<FileToFile> needs both map and to/],
      [
        '<Mapping><FileToFile map="*.js" to="y" /></Mapping>',
        /file name wildcard SolutionPackager does not support \(none for FileToFile\)/,
      ],
      ['<Mapping><FileToPath map="a*b.js" to="y" /></Mapping>', /only \*\.ext and \*\.\*/],
      ['<Mapping><Folder map="a\\**" to="b" /></Mapping>', /<Folder map="a\\\*\*"> takes no wildcards/],
      ['<Mapping><Copy map="a" to="b" /></Mapping>', /<Copy> is not a mapping directive/],
    ] as const) {
      const { folder, map } = webResourceFolder(mapping);
      await assert.rejects(packSolution({ folder, zipFile: `${fresh('x')}.zip`, map }), problem);
    }
  });
});
