import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import yazl from 'yazl';
import { SolutionFileError } from '../../src/solutions/errors';
import { listFiles } from '../../src/solutions/folderFiles';
import { packSolution } from '../../src/solutions/pack';
import { unpackSolution } from '../../src/solutions/unpack';
import { parseXml } from '../../src/solutions/xml';
import { canonicalXml, sameMember as sameContent, zipMembers } from './solutionFiles';
import { corpus, needsCorpus } from '../corpus';

const FIXTURES = corpus('fixtures', 'solutions');
const REAL_FOLDER = join(FIXTURES, 'unpacked', 'ai-driven-expense-report-processing');
const work = mkdtempSync(join(tmpdir(), 'power-agent-solutions-'));
after(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;
const fresh = (name: string) => join(work, `${counter++}-${name}`);

function withoutManagedFlag(xml: Buffer): Buffer {
  return Buffer.from(xml.toString('utf8').replace(/<Managed>\d<\/Managed>/, '<Managed>?</Managed>'));
}

describe('native unpack and pack (SolutionPackager layout)', needsCorpus, () => {
  it('plug-in assemblies, their steps and code components go to the folders SolutionPackager uses, and come back', async () => {
    const assemblyId = '4D5F6A7B-1111-4222-8333-944455566677';
    const stepId = '{0a1b2c3d-0000-4000-8000-000000000001}';
    const customizations = `<ImportExportXml xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <Entities />
  <Roles />
  <Workflows />
  <CustomControls>
    <CustomControl>
      <Name>contoso_Contoso.Rating</Name>
      <FileName>/Controls/contoso_Contoso.Rating/ControlManifest.xml</FileName>
    </CustomControl>
  </CustomControls>
  <SolutionPluginAssemblies>
    <PluginAssembly FullName="Contoso.Plugins, Version=1.0.0.0, Culture=neutral, PublicKeyToken=0123456789abcdef" PluginAssemblyId="${assemblyId.toLowerCase()}" CustomizationLevel="1">
      <IsolationMode>2</IsolationMode>
      <SourceType>0</SourceType>
      <FileName>/PluginAssemblies/ContosoPlugins-${assemblyId}/ContosoPlugins.dll</FileName>
      <PluginTypes>
        <PluginType AssemblyQualifiedName="Contoso.Plugins.OnCreate, Contoso.Plugins" PluginTypeId="7d8e9f00-0000-4000-8000-000000000002" Name="Contoso.Plugins.OnCreate" />
      </PluginTypes>
    </PluginAssembly>
  </SolutionPluginAssemblies>
  <SdkMessageProcessingSteps>
    <SdkMessageProcessingStep Name="Contoso.Plugins.OnCreate: Create of account" SdkMessageProcessingStepId="${stepId}">
      <PluginTypeName>Contoso.Plugins.OnCreate, Contoso.Plugins</PluginTypeName>
      <Stage>40</Stage>
      <Mode>0</Mode>
    </SdkMessageProcessingStep>
  </SdkMessageProcessingSteps>
  <Languages>
    <Language>1033</Language>
  </Languages>
</ImportExportXml>`;
    const zipFile = await craftZip([
      { name: 'solution.xml', data: SOLUTION_XML },
      { name: 'customizations.xml', data: customizations },
      { name: '[Content_Types].xml', data: CONTENT_TYPES },
      { name: `PluginAssemblies/ContosoPlugins-${assemblyId}/ContosoPlugins.dll`, data: Buffer.from('MZ fake assembly') },
      {
        name: 'Controls/contoso_Contoso.Rating/ControlManifest.xml',
        data: '<manifest><control namespace="contoso" constructor="Rating" /></manifest>',
      },
      { name: 'Controls/contoso_Contoso.Rating/bundle.js', data: 'var pcf_tools = 1;' },
      { name: 'Controls/contoso_Contoso.Rating/css/Rating.css', data: '.rating { color: gold; }' },
    ]);
    const folder = fresh('plugins');
    await unpackSolution({ zipFile, folder });
    const files = listFiles(folder);
    for (const expected of [
      `PluginAssemblies/ContosoPlugins-${assemblyId}/ContosoPlugins.dll`,
      `PluginAssemblies/ContosoPlugins-${assemblyId}/ContosoPlugins.dll.data.xml`,
      `SdkMessageProcessingSteps/${stepId}.xml`,
      'Controls/contoso_Contoso.Rating/ControlManifest.xml',
      'Controls/contoso_Contoso.Rating/ControlManifest.xml.data.xml',
      'Controls/contoso_Contoso.Rating/bundle.js',
      'Controls/contoso_Contoso.Rating/css/Rating.css',
    ])
      assert.ok(files.includes(expected), `${expected} in ${files.join(', ')}`);
    assert.match(
      readFileSync(join(folder, `PluginAssemblies/ContosoPlugins-${assemblyId}/ContosoPlugins.dll.data.xml`), 'utf8'),
      /^\uFEFF<\?xml[^>]*>\r\n<PluginAssembly FullName="Contoso\.Plugins/,
    );
    assert.match(
      readFileSync(join(folder, 'Other', 'Customizations.xml'), 'utf8'),
      /<SolutionPluginAssemblies \/>\r\n {2}<SdkMessageProcessingSteps \/>/,
    );

    const packed = `${fresh('plugins-packed')}.zip`;
    const result = await packSolution({ folder, zipFile: packed });
    assert.deepEqual(result.warnings, []);
    const original = await zipMembers(zipFile);
    const rebuilt = await zipMembers(packed);
    assert.deepEqual([...rebuilt.keys()].sort(), [...original.keys()].sort());
    for (const [name, bytes] of original)
      if (name !== '[Content_Types].xml') assert.ok(sameContent(name, bytes, rebuilt.get(name)!), `${name} differs after the round trip`);
  });

  it('unpacking the real zip gives the real pac folder, file for file (its _managed twins aside)', async () => {
    const folder = fresh('unpacked');
    await unpackSolution({ zipFile: join(FIXTURES, 'zips', 'pnp', 'ai-driven-expense-report-processing-sample.zip'), folder });
    const expected = listFiles(REAL_FOLDER).filter((f) => !f.includes('_managed.'));
    assert.deepEqual(listFiles(folder), expected);
    // Byte for byte, line endings aside (the fixture was committed with LF; SolutionPackager writes CRLF),
    // so a folder unpacked by pac and one unpacked here give no diff in source control.
    const asText = (bytes: Buffer, file: string) => {
      const text = bytes.toString('utf8').replace(/\r\n/g, '\n');
      return file.endsWith('Solution.xml') ? withoutManagedFlag(Buffer.from(text)).toString('utf8') : text;
    };
    for (const file of expected)
      assert.equal(asText(readFileSync(join(folder, file)), file), asText(readFileSync(join(REAL_FOLDER, file)), file), `${file} differs`);
    const entityFile = readFileSync(join(folder, 'Entities', 'gmx_Expense', 'Entity.xml'), 'utf8');
    assert.ok(
      entityFile.startsWith('\uFEFF<?xml version="1.0" encoding="utf-8"?>\r\n<Entity'),
      'written like SolutionPackager: BOM, declaration, CRLF',
    );
    assert.match(entityFile, /\r\n {2}<Name /);
  });

  it('packing the real folder as Both and unpacking both zips gives the same tree; the unmanaged zip matches the exported one', async () => {
    const zip = `${fresh('AutomatedExpenseReporting')}.zip`;
    const packed = await packSolution({ folder: REAL_FOLDER, zipFile: zip, packageType: 'Both' });
    assert.deepEqual(packed.zipFiles, [zip, zip.replace(/\.zip$/, '_managed.zip')]);
    assert.deepEqual(packed.warnings, []);
    const managed = await zipMembers(packed.zipFiles[1]!);
    assert.match(managed.get('solution.xml')!.toString('utf8'), /<Managed>1<\/Managed>/);
    // The managed forms come from the _managed files, whose labels are empty in this folder.
    assert.notEqual(
      canonicalXml(managed.get('customizations.xml')!, 'm'),
      canonicalXml((await zipMembers(zip)).get('customizations.xml')!, 'u'),
    );

    const exported = await zipMembers(join(FIXTURES, 'zips', 'pnp', 'ai-driven-expense-report-processing-sample.zip'));
    const unmanaged = await zipMembers(zip);
    assert.ok(
      sameContent('customizations.xml', exported.get('customizations.xml')!, unmanaged.get('customizations.xml')!),
      'customizations.xml equals the exported one',
    );

    const folder = fresh('both');
    const unpacked = await unpackSolution({ zipFile: zip, folder, packageType: 'Both' });
    assert.equal(unpacked.solution.managed, 'both');
    const expected = listFiles(REAL_FOLDER);
    assert.deepEqual(listFiles(folder), expected);
    for (const file of expected)
      assert.ok(sameContent(file, readFileSync(join(REAL_FOLDER, file)), readFileSync(join(folder, file))), `${file} differs`);
  });

  it('an edit in the folder reaches the zip', async () => {
    const folder = fresh('edit');
    await unpackSolution({ zipFile: join(FIXTURES, 'zips', 'pnp', 'ai-driven-expense-report-processing-sample.zip'), folder });
    const view = join(folder, 'Entities', 'gmx_Expense', 'SavedQueries', '{04beb99a-8a72-450d-b405-00a10a4f5389}.xml');
    writeFileSync(view, readFileSync(view, 'utf8').replace(/<isdefault>1<\/isdefault>/, '<isdefault>0</isdefault>'));
    const zip = `${fresh('edited')}.zip`;
    await packSolution({ folder, zipFile: zip });
    const customizations = parseXml((await zipMembers(zip)).get('customizations.xml')!, 'customizations.xml');
    const views = Array.from(customizations.getElementsByTagName('savedquery'));
    const edited = views.find((v) => v.getElementsByTagName('savedqueryid')[0]?.textContent === '{04beb99a-8a72-450d-b405-00a10a4f5389}')!;
    assert.equal(edited.getElementsByTagName('isdefault')[0]?.textContent, '0');
    assert.equal(views.length, 28, 'every view is still there');
  });
});

/** A zip made by yazl, then with entry names patched in place (yazl refuses to write unsafe names itself). */
async function craftZip(
  entries: Array<{ name: string; data: Buffer | string; mode?: number }>,
  patch: Array<[string, string]> = [],
): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const entry of entries) zip.addBuffer(Buffer.from(entry.data), entry.name, { mode: entry.mode });
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  let bytes = Buffer.concat(chunks);
  for (const [from, to] of patch) bytes = Buffer.from(bytes.toString('latin1').split(from).join(to), 'latin1');
  const file = `${fresh('crafted')}.zip`;
  writeFileSync(file, bytes);
  return file;
}

const SOLUTION_XML =
  '<ImportExportXml><SolutionManifest><UniqueName>evil</UniqueName><Version>1.0.0.0</Version><Managed>0</Managed></SolutionManifest></ImportExportXml>';
const CONTENT_TYPES = '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>';
const solutionEntries = (customizations = '<ImportExportXml><Entities/></ImportExportXml>') => [
  { name: 'solution.xml', data: SOLUTION_XML },
  { name: 'customizations.xml', data: customizations },
  { name: '[Content_Types].xml', data: CONTENT_TYPES },
];

async function refused(
  zipFile: string,
  code: string,
  pattern: RegExp,
  limits?: Parameters<typeof unpackSolution>[0]['limits'],
): Promise<void> {
  const parent = fresh('target-parent');
  mkdirSync(parent);
  const folder = join(parent, 'out');
  await assert.rejects(unpackSolution({ zipFile, folder, limits }), (error: SolutionFileError) => {
    assert.equal(error.code, code, error.message);
    assert.match(error.message, pattern);
    return true;
  });
  assert.deepEqual(readdirSync(parent), [], 'nothing was written, not even a staging folder');
}

describe('unsafe input is refused and nothing is written', () => {
  it('entries that climb out with .. or are absolute', async () => {
    await refused(
      await craftZip([...solutionEntries(), { name: 'xx/evil.txt', data: 'x' }], [['xx/evil.txt', '../evil.txt']]),
      'UnsafeZip',
      /\.\.\/evil\.txt/,
    );
    await refused(
      await craftZip([...solutionEntries(), { name: 'xtmp/evil.txt', data: 'x' }], [['xtmp/evil.txt', '/tmp/evil.txt']]),
      'UnsafeZip',
      /absolute path/,
    );
  });

  it('symbolic links', async () => {
    await refused(
      await craftZip([...solutionEntries(), { name: 'WebResources/link', data: '/etc/passwd', mode: 0o120777 }]),
      'UnsafeZip',
      /symbolic link/,
    );
  });

  it('zip bombs, by ratio and by total size', async () => {
    const zeros = Buffer.alloc(8 * 1024 * 1024);
    await refused(await craftZip([...solutionEntries(), { name: 'WebResources/bomb', data: zeros }]), 'ZipBomb', /zip bomb/, {
      maxEntries: 1000,
      maxEntryBytes: 1024 ** 3,
      maxTotalBytes: 1024 ** 3,
      maxRatio: 100,
      maxReadBytes: 1024 ** 3,
    });
    await refused(await craftZip([...solutionEntries(), { name: 'a.bin', data: zeros }]), 'ZipTooLarge', /more than 1048576 bytes/, {
      maxEntries: 1000,
      maxEntryBytes: 1024 ** 3,
      maxTotalBytes: 1024 * 1024,
      maxRatio: 5000,
      maxReadBytes: 1024 ** 3,
    });
  });

  it('XML with a DOCTYPE or entities (XXE, billion laughs)', async () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><ImportExportXml><Entities>&e;</Entities></ImportExportXml>';
    await refused(await craftZip(solutionEntries(xxe)), 'UnsafeXml', /DOCTYPE or entities/);
  });

  it('a component whose name would write outside the folder', async () => {
    const customizations =
      '<ImportExportXml><WebResources><WebResource><Name>../../escaped.js</Name><FileName>/WebResources/x</FileName></WebResource></WebResources></ImportExportXml>';
    await refused(
      await craftZip([...solutionEntries(customizations), { name: 'WebResources/x', data: 'alert(1)' }]),
      'UnsafePath',
      /outside the target folder/,
    );
  });

  it('a zip that is not a solution, or not a zip', async () => {
    await refused(await craftZip([{ name: 'folder/solution.xml', data: SOLUTION_XML }]), 'InvalidSolution', /no solution\.xml at its root/);
    const notZip = `${fresh('text')}.zip`;
    writeFileSync(notZip, 'hello');
    await refused(notZip, 'NotAZip', /not a readable zip/);
  });

  it(
    'a non-empty folder is kept unless overwrite is asked for, and then files the unpack does not write are listed, not deleted',
    needsCorpus,
    async () => {
      const folder = fresh('existing');
      mkdirSync(folder);
      writeFileSync(join(folder, 'notes.md'), 'mine');
      const zipFile = join(FIXTURES, 'zips', 'pnp', 'always-respond-to-request.zip');
      await assert.rejects(unpackSolution({ zipFile, folder }), /already has 1 file/);
      const result = await unpackSolution({ zipFile, folder, overwrite: true });
      assert.deepEqual(result.staleFiles, ['notes.md']);
      assert.equal(readFileSync(join(folder, 'notes.md'), 'utf8'), 'mine');
    },
  );

  it('pack refuses symbolic links, YAML folders, missing manifests and a package type the folder does not hold', needsCorpus, async () => {
    const linked = fresh('linked');
    await unpackSolution({ zipFile: join(FIXTURES, 'zips', 'pnp', 'always-respond-to-request.zip'), folder: linked });
    symlinkSync('/etc/passwd', join(linked, 'Workflows', 'secret.txt'));
    await assert.rejects(packSolution({ folder: linked, zipFile: `${fresh('x')}.zip` }), /symbolic link/);

    const yaml = fresh('yaml');
    mkdirSync(join(yaml, 'solutions', 'contoso'), { recursive: true });
    writeFileSync(join(yaml, 'solutions', 'contoso', 'solution.yml'), 'x: 1');
    await assert.rejects(packSolution({ folder: yaml, zipFile: `${fresh('x')}.zip` }), /YAML source-control format/);

    const empty = fresh('empty');
    mkdirSync(empty);
    await assert.rejects(packSolution({ folder: empty, zipFile: `${fresh('x')}.zip` }), /Cannot find required file Other\/Solution\.xml/);

    const unmanaged = fresh('unmanaged');
    await unpackSolution({ zipFile: join(FIXTURES, 'zips', 'pnp', 'always-respond-to-request.zip'), folder: unmanaged });
    await assert.rejects(
      packSolution({ folder: unmanaged, zipFile: `${fresh('x')}.zip`, packageType: 'Managed' }),
      /Solution package type did not match requested type/,
    );
  });
});
