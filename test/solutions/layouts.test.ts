import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import yazl from 'yazl';
import type { SolutionFileError } from '../../src/solutions/errors';
import { listFiles } from '../../src/solutions/folderFiles';
import { packSolution } from '../../src/solutions/pack';
import { unpackSolution } from '../../src/solutions/unpack';
import { sameMember, zipMembers } from './solutionFiles';

const work = mkdtempSync(join(tmpdir(), 'power-agent-layouts-'));
after(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;
const fresh = (name: string) => join(work, `${counter++}-${name}`);
const BOM = '\uFEFF';
const DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';
const XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"';

/** Lines joined the way Dataverse writes its XML: CRLF. */
const crlf = (...lines: string[]) => lines.join('\r\n');

const SOLUTION = crlf(
  `<ImportExportXml version="9.2.25014.220" SolutionPackageVersion="9.2" languagecode="1033" generatedBy="CrmLive" ${XSI}>`,
  '  <SolutionManifest>',
  '    <UniqueName>contoso_layouts</UniqueName>',
  '    <Version>1.2.0.0</Version>',
  '    <Managed>0</Managed>',
  '  </SolutionManifest>',
  '</ImportExportXml>',
);

/** A customizations.xml with the given containers between Entities and Languages. */
function customizations(...containers: string[]): string {
  return crlf(
    `<ImportExportXml ${XSI}>`,
    '  <Entities />',
    ...containers,
    '  <Languages>',
    '    <Language>1033</Language>',
    '  </Languages>',
    '</ImportExportXml>',
  );
}

async function solutionZip(
  customizationsXml: string,
  members: Record<string, string | Buffer> = {},
  patch: Array<[string, string]> = [],
): Promise<string> {
  const zip = new yazl.ZipFile();
  zip.addBuffer(Buffer.from(customizationsXml), 'customizations.xml');
  zip.addBuffer(Buffer.from(SOLUTION), 'solution.xml');
  for (const [name, data] of Object.entries(members)) zip.addBuffer(Buffer.from(data), name);
  zip.addBuffer(Buffer.from('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types" />'), '[Content_Types].xml');
  zip.end();
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
  let bytes = Buffer.concat(chunks);
  // yazl refuses unsafe names itself, so they are patched in afterwards.
  for (const [from, to] of patch) bytes = Buffer.from(bytes.toString('latin1').split(from).join(to), 'latin1');
  const file = `${fresh('solution')}.zip`;
  writeFileSync(file, bytes);
  return file;
}

/** Unpacks, checks the files written, packs again and checks every member came back. */
async function roundTrip(zipFile: string, expectedFiles: string[]): Promise<string> {
  const folder = fresh('unpacked');
  await unpackSolution({ zipFile, folder });
  const files = listFiles(folder);
  for (const file of expectedFiles) assert.ok(files.includes(file), `${file} in ${files.join(', ')}`);
  const packed = `${fresh('packed')}.zip`;
  const result = await packSolution({ folder, zipFile: packed });
  assert.deepEqual(result.warnings, []);
  const original = await zipMembers(zipFile);
  const rebuilt = await zipMembers(packed);
  assert.deepEqual([...rebuilt.keys()].sort(), [...original.keys()].sort());
  for (const [name, bytes] of original)
    if (name !== '[Content_Types].xml') assert.ok(sameMember(name, bytes, rebuilt.get(name)!), `${name} differs`);
  return folder;
}

const read = (folder: string, file: string) => readFileSync(join(folder, file), 'utf8');

describe('split layouts, both ways', () => {
  it('reports: the definition beside its metadata under language and id, other children of Reports in their own file, no xsi declared', async () => {
    const id = '{31327784-15d8-f011-8544-000d3a81a9a9}';
    const folder = await roundTrip(
      await solutionZip(
        customizations(
          '  <Reports>',
          '    <ReportSignatureIdMappings>',
          `      <ReportSignatureIdMapping reportid="${id}" signatureid="{00000000-0000-0000-0000-000000000000}" signaturelcid="0" />`,
          '    </ReportSignatureIdMappings>',
          '    <Report>',
          '      <name>Open Cases</name>',
          '      <filename>Open Cases.rdl</filename>',
          '      <languagecode>1033</languagecode>',
          `      <reportid>${id}</reportid>`,
          '      <ExportedFileName>/Reports/OpenCasesrdl31327784-15d8-f011-8544-000d3a81a9a9.wdl</ExportedFileName>',
          '    </Report>',
          '  </Reports>',
        ),
        { 'Reports/OpenCasesrdl31327784-15d8-f011-8544-000d3a81a9a9.wdl': '<CustomReport><Language>1033</Language></CustomReport>' },
      ),
      [`Reports/1033/${id}/Open Cases.rdl`, `Reports/1033/${id}/Open Cases.rdl.data.xml`, 'Reports/ReportSignatureIdMappings.xml'],
    );
    assert.equal(read(folder, `Reports/1033/${id}/Open Cases.rdl`), '<CustomReport><Language>1033</Language></CustomReport>');
    assert.equal(
      read(folder, `Reports/1033/${id}/Open Cases.rdl.data.xml`),
      `${BOM}${DECLARATION}\r\n<Report>\r\n  <name>Open Cases</name>\r\n  <filename>Open Cases.rdl</filename>\r\n  <languagecode>1033</languagecode>\r\n  <reportid>${id}</reportid>\r\n  <ExportedFileName>/Reports/OpenCasesrdl31327784-15d8-f011-8544-000d3a81a9a9.wdl</ExportedFileName>\r\n</Report>`,
    );
    assert.match(read(folder, 'Other/Customizations.xml'), /\r\n {2}<Reports \/>\r\n/);
  });

  it('dashboards, interaction-centric dashboards and dialogs: one file per form id', async () => {
    const form = (root: string, id: string) => [
      `    <${root}>`,
      `      <FormId>${id}</FormId>`,
      '      <FormXml>',
      `        <forms type="${root.toLowerCase()}" />`,
      '      </FormXml>',
      `    </${root}>`,
    ];
    const folder = await roundTrip(
      await solutionZip(
        customizations(
          '  <Dashboards>',
          ...form('Dashboard', '{8360c747-7665-e911-a956-000d3a124001}'),
          '  </Dashboards>',
          '  <InteractionCentricDashboards>',
          ...form('InteractionCentricDashboard', '{70ad8b15-e3f3-4d7d-9e4b-16cb4e51b484}'),
          '  </InteractionCentricDashboards>',
          '  <Dialogs>',
          ...form('Dialog', '{0f7ca1b0-be13-4b18-aa02-1c7f3a058116}'),
          '  </Dialogs>',
        ),
      ),
      [
        'Dashboards/{8360c747-7665-e911-a956-000d3a124001}.xml',
        'InteractionCentricDashboards/{70ad8b15-e3f3-4d7d-9e4b-16cb4e51b484}.xml',
        'Dialogs/{0f7ca1b0-be13-4b18-aa02-1c7f3a058116}.xml',
      ],
    );
    assert.equal(
      read(folder, 'Dashboards/{8360c747-7665-e911-a956-000d3a124001}.xml'),
      `${BOM}${DECLARATION}\r\n<Dashboard ${XSI}>\r\n  <FormId>{8360c747-7665-e911-a956-000d3a124001}</FormId>\r\n  <FormXml>\r\n    <forms type="dashboard" />\r\n  </FormXml>\r\n</Dashboard>`,
    );
  });

  it('custom connectors: metadata in Connectors/<name>.xml and its files moved from Connector/ to Connectors/', async () => {
    const files = ['openapidefinition.json', 'connectionparameters.json', 'policytemplateinstances.json', 'iconblob.Png'];
    const members = Object.fromEntries(
      files.map((f) => [`Connector/contoso_5Forders_${f}`, f.endsWith('Png') ? Buffer.from([0x89, 0x50, 0x4e, 0x47]) : `{"file":"${f}"}`]),
    );
    const folder = await roundTrip(
      await solutionZip(
        customizations(
          '  <Connectors>',
          '    <Connector>',
          '      <connectorid>08af0b0f-9c95-4851-8e69-6fa42c1809db</connectorid>',
          '      <description></description>',
          '      <name>contoso_5Forders</name>',
          ...files.map((f) => `      <${f.split('.')[0]}>/Connector/contoso_5Forders_${f}</${f.split('.')[0]}>`),
          '    </Connector>',
          '  </Connectors>',
        ),
        members,
      ),
      ['Connectors/contoso_5Forders.xml', ...files.map((f) => `Connectors/contoso_5Forders_${f}`)],
    );
    assert.ok(!readdirSync(folder).includes('Connector'), 'nothing is left under Connector/');
    assert.match(read(folder, 'Connectors/contoso_5Forders.xml'), /<description><\/description>/, 'an element written <a></a> stays so');
  });

  it('custom connectors kept in the older Connector/ folder pack the same', async () => {
    const zipFile = await solutionZip(
      customizations(
        '  <Connectors>',
        '    <Connector>',
        '      <name>contoso_x</name>',
        '      <iconblob>/Connector/contoso_x_iconblob.Png</iconblob>',
        '    </Connector>',
        '  </Connectors>',
      ),
      { 'Connector/contoso_x_iconblob.Png': Buffer.from([1, 2, 3]) },
    );
    const folder = fresh('old-connector');
    await unpackSolution({ zipFile, folder });
    mkdirSync(join(folder, 'Connector'));
    for (const file of ['contoso_x.xml', 'contoso_x_iconblob.Png'])
      writeFileSync(join(folder, 'Connector', file), readFileSync(join(folder, 'Connectors', file)));
    rmSync(join(folder, 'Connectors'), { recursive: true });
    const packed = `${fresh('old-connector')}.zip`;
    assert.deepEqual((await packSolution({ folder, zipFile: packed })).warnings, []);
    assert.deepEqual((await zipMembers(packed)).get('Connector/contoso_x_iconblob.Png'), Buffer.from([1, 2, 3]));
  });

  it('e-mail templates: subject and body as XSLT files, presentation XML one element per line, fields left empty in EmailTemplates.xml', async () => {
    const id = '{b6c38bb9-2423-471d-8b38-e3b99ed80e7a}';
    const subject =
      '&lt;?xml version="1.0" ?&gt;&lt;xsl:stylesheet version="1.0"&gt;&lt;xsl:template match="/data"&gt;&lt;![CDATA[Hello]]&gt;&lt;/xsl:template&gt;&lt;/xsl:stylesheet&gt;';
    const presentation =
      '&lt;template&gt;&lt;text&gt;&lt;![CDATA[Dear ]]&gt;&lt;/text&gt;&lt;slugs&gt;&lt;slug&gt;&lt;entity&gt;account&lt;/entity&gt;&lt;/slug&gt;&lt;default /&gt;&lt;/slugs&gt;&lt;/template&gt;';
    const folder = await roundTrip(
      await solutionZip(
        customizations(
          '  <Templates>',
          '    <EmailTemplates>',
          '      <emailtemplate>',
          `        <templateid>${id}</templateid>`,
          `        <subject>${subject}</subject>`,
          '        <mimetype></mimetype>',
          `        <presentationxml>${presentation}</presentationxml>`,
          '        <languagecode>1033</languagecode>',
          '      </emailtemplate>',
          '    </EmailTemplates>',
          '  </Templates>',
        ),
      ),
      [
        'Templates/EmailTemplates.xml',
        `Templates/EmailDocuments/1033/${id}/subject.xsl`,
        `Templates/EmailDocuments/1033/${id}/presentationxml.xml`,
      ],
    );
    assert.equal(
      read(folder, `Templates/EmailDocuments/1033/${id}/subject.xsl`),
      `${BOM}<?xml version="1.0" ?><xsl:stylesheet version="1.0"><xsl:template match="/data"><![CDATA[Hello]]></xsl:template></xsl:stylesheet>`,
    );
    assert.equal(
      read(folder, `Templates/EmailDocuments/1033/${id}/presentationxml.xml`),
      `${BOM}${DECLARATION}\r\n<template>\r\n  <text><![CDATA[Dear ]]></text>\r\n  <slugs>\r\n    <slug>\r\n      <entity>account</entity>\r\n    </slug>\r\n    <default />\r\n  </slugs>\r\n</template>`,
    );
    assert.match(read(folder, 'Templates/EmailTemplates.xml'), /<subject><\/subject>[\s\S]*<presentationxml><\/presentationxml>/);
  });

  it('environment variables in the older EnvironmentVariables/ layout, entity data sources, field security profiles and service endpoints', async () => {
    await roundTrip(
      await solutionZip(
        customizations(
          '  <FieldSecurityProfiles>',
          '    <FieldSecurityProfile name="Restricted" fieldsecurityprofileid="{adb74f5e-08d2-f011-8544-000d3a81a9a9}" />',
          '  </FieldSecurityProfiles>',
          '  <EnvironmentVariables>',
          '    <Definition IntroducedVersion="1.0.0.0">',
          '      <SchemaName>contoso_ApiUrl</SchemaName>',
          '      <DefaultValue>https://api.contoso.com</DefaultValue>',
          '    </Definition>',
          '  </EnvironmentVariables>',
          '  <EntityDataSources>',
          '    <EntityDataSource EntityDataSourceId="{356eddaa-3306-44ca-947f-066efbdc5ce2}">',
          '      <Name>contoso_source</Name>',
          '    </EntityDataSource>',
          '  </EntityDataSources>',
          '  <ServiceEndpoints>',
          '    <ServiceEndpoint ServiceEndpointId="{11111111-2222-4333-8444-555555555555}" Name="Orders hook" />',
          '  </ServiceEndpoints>',
        ),
      ),
      [
        'Other/FieldSecurityProfiles.xml',
        'EnvironmentVariables/contoso_ApiUrl.xml',
        'EntityDataSources/{356eddaa-3306-44ca-947f-066efbdc5ce2}.xml',
        'PluginAssemblies/ServiceEndpoints.xml',
      ],
    );
  });

  it('calculated column definitions move from Formulas/ to the table folder, and member names are percent-decoded in the folder', async () => {
    const entity = crlf(
      '  <Entities>',
      '    <Entity>',
      '      <Name LocalizedName="Invoice" OriginalName="Invoice">contoso_Invoice</Name>',
      '      <EntityInfo>',
      '        <entity Name="contoso_Invoice">',
      '          <attributes>',
      '            <attribute PhysicalName="contoso_Total">',
      '              <FormulaDefinitionFileName>/Formulas/contoso_invoice-contoso_total.xaml</FormulaDefinitionFileName>',
      '            </attribute>',
      '          </attributes>',
      '        </entity>',
      '      </EntityInfo>',
      '    </Entity>',
      '  </Entities>',
    );
    const zipFile = await solutionZip(customizations('  <EntityRelationships />').replace('  <Entities />', entity), {
      'Formulas/contoso_invoice-contoso_total.xaml': '<Activity />',
      'appactions/contoso_Mscrm.SubGrid.%7B!EntityLogicalName%7D.New!contoso_app/appaction.xml': '<appaction />',
    });
    const folder = await roundTrip(zipFile, [
      'Entities/contoso_Invoice/Formulas/contoso_invoice-contoso_total.xaml',
      'appactions/contoso_Mscrm.SubGrid.{!EntityLogicalName}.New!contoso_app/appaction.xml',
      'Other/Relationships.xml',
    ]);
    assert.equal(
      read(folder, 'Other/Relationships.xml'),
      `${BOM}${DECLARATION}\r\n<EntityRelationships ${XSI} />`,
      'a solution with tables has the list even without relationships',
    );
  });
});

describe('unsafe paths inside the new layouts are refused and nothing is written', () => {
  async function refusedUnpack(zipFile: string, pattern: RegExp): Promise<void> {
    const parent = fresh('parent');
    mkdirSync(parent);
    await assert.rejects(unpackSolution({ zipFile, folder: join(parent, 'out') }), (error: SolutionFileError) => {
      assert.equal(error.code, 'UnsafePath', error.message);
      assert.match(error.message, pattern);
      return true;
    });
    assert.deepEqual(readdirSync(parent), []);
  }

  it('a report whose id climbs out of its folder', async () => {
    await refusedUnpack(
      await solutionZip(
        customizations(
          '  <Reports>',
          '    <Report>',
          '      <filename>r.rdl</filename>',
          '      <languagecode>1033</languagecode>',
          '      <reportid>..</reportid>',
          '    </Report>',
          '  </Reports>',
        ),
      ),
      /outside the target folder/,
    );
  });

  it('an e-mail template whose id climbs out of its folder', async () => {
    await refusedUnpack(
      await solutionZip(
        customizations(
          '  <Templates>',
          '    <EmailTemplates>',
          '      <emailtemplate>',
          '        <templateid>..</templateid>',
          '        <body>x</body>',
          '        <languagecode>..</languagecode>',
          '      </emailtemplate>',
          '    </EmailTemplates>',
          '  </Templates>',
        ),
      ),
      /outside the target folder/,
    );
  });

  it('a member whose percent-encoded name is ..', async () => {
    await refusedUnpack(
      await solutionZip(customizations(), { 'appactions/xxxxxx/appaction.xml': '<appaction />' }, [
        ['appactions/xxxxxx/', 'appactions/%2E%2E/'],
      ]),
      /outside the target folder/,
    );
  });

  it('a packed component naming a file outside the folder', async () => {
    const folder = await roundTrip(
      await solutionZip(
        customizations(
          '  <CanvasApps>',
          '    <CanvasApp>',
          '      <Name>contoso_app</Name>',
          '      <DocumentUri>/CanvasApps/contoso_app_DocumentUri.msapp</DocumentUri>',
          '    </CanvasApp>',
          '  </CanvasApps>',
        ),
        {
          'CanvasApps/contoso_app_DocumentUri.msapp': 'PK',
        },
      ),
      ['CanvasApps/contoso_app.meta.xml'],
    );
    const meta = join(folder, 'CanvasApps', 'contoso_app.meta.xml');
    writeFileSync(meta, readFileSync(meta, 'utf8').replace('/CanvasApps/contoso_app_DocumentUri.msapp', '/../../secret.txt'));
    const zipFile = `${fresh('x')}.zip`;
    await assert.rejects(packSolution({ folder, zipFile }), /names the file "\.\.\/\.\.\/secret\.txt".*outside the solution/);
  });
});

describe('nothing is dropped silently', () => {
  it('files no component uses are named in a warning, and an unknown folder is packed through as it is', async () => {
    const folder = await roundTrip(await solutionZip(customizations('  <Dashboards />')), ['Other/Customizations.xml']);
    mkdirSync(join(folder, 'Dashboards'));
    writeFileSync(join(folder, 'Dashboards', 'notes.txt'), 'a stray file');
    mkdirSync(join(folder, 'newcomponents', 'a'), { recursive: true });
    writeFileSync(join(folder, 'newcomponents', 'a', 'record.xml'), '<record />');
    writeFileSync(join(folder, 'README.md'), 'readme');
    const zipFile = `${fresh('warned')}.zip`;
    const result = await packSolution({ folder, zipFile });
    assert.deepEqual(result.leftOut, ['Dashboards/notes.txt', 'README.md']);
    assert.ok(
      result.warnings.some((w) => w.includes('Dashboards/notes.txt') && w.includes('not used by any component')),
      result.warnings.join('\n'),
    );
    assert.ok(
      result.warnings.some((w) => w.includes('README.md') && w.includes('not part of the SolutionPackager layout')),
      result.warnings.join('\n'),
    );
    assert.equal((await zipMembers(zipFile)).get('newcomponents/a/record.xml')?.toString(), '<record />');
  });

  it('a component kept inline in Other/Customizations.xml is packed as it is, with a warning', async () => {
    const folder = await roundTrip(await solutionZip(customizations()), ['Other/Customizations.xml']);
    const skeleton = join(folder, 'Other', 'Customizations.xml');
    writeFileSync(
      skeleton,
      readFileSync(skeleton, 'utf8').replace('<Entities />', '<Entities><Entity><Name>inline</Name></Entity></Entities>'),
    );
    const zipFile = `${fresh('inline')}.zip`;
    const result = await packSolution({ folder, zipFile });
    assert.ok(result.warnings.some((w) => /Entities has content inline/.test(w)));
    assert.match((await zipMembers(zipFile)).get('customizations.xml')!.toString(), /<Name>inline<\/Name>/);
  });
});

describe('localized labels (localize, useLcid)', () => {
  const entity = crlf(
    '  <Entities>',
    '    <Entity>',
    '      <Name LocalizedName="Invoice" OriginalName="Invoice">contoso_invoice</Name>',
    '      <EntityInfo>',
    '        <entity Name="contoso_invoice">',
    '          <LocalizedNames>',
    '            <LocalizedName description="Invoice" languagecode="1033" />',
    '            <LocalizedName description="Facture" languagecode="1036" />',
    '          </LocalizedNames>',
    '          <Descriptions>',
    '            <Description description="Bills sent&#xA;to customers" languagecode="1033" />',
    '          </Descriptions>',
    '        </entity>',
    '      </EntityInfo>',
    '    </Entity>',
    '  </Entities>',
  );
  const localized = () =>
    solutionZip(
      crlf(
        `<ImportExportXml ${XSI}>`,
        entity,
        '  <Languages>',
        '    <Language>1033</Language>',
        '    <Language>1036</Language>',
        '  </Languages>',
        '</ImportExportXml>',
      ),
    );

  it('unpack writes one resource file per language and a template, keyed as SolutionPackager keys them', async () => {
    const folder = fresh('localized');
    await unpackSolution({ zipFile: await localized(), folder, localize: true });
    const french = read(folder, 'Resources/fr-FR/resources.fr-FR.resx');
    assert.match(
      french,
      /<data name="1:LocalizedName,contoso_invoiceentitycontoso_invoice" xml:space="preserve">\r\n {4}<value>Facture<\/value>\r\n {4}<comment> 'contoso_invoice' : LocalizedName for Entity<\/comment>/,
    );
    assert.match(
      french,
      /<data name="1:Description,contoso_invoiceentitycontoso_invoice" xml:space="preserve">\r\n {4}<value \/>/,
      'a language without the label has an empty value',
    );
    assert.match(french, /<metadata name="Source LCID" xml:space="preserve">\r\n {4}<value>1036<\/value>/);
    assert.match(read(folder, 'Resources/template_resources.resx'), /<value>Bills sent\r\nto customers<\/value>/);
    assert.match(read(folder, 'Entities/contoso_invoice/Entity.xml'), /description="Facture"/, 'the labels stay in the XML too');
    const byLcid = fresh('lcid');
    await unpackSolution({ zipFile: await localized(), folder: byLcid, localize: { useLcid: true } });
    assert.deepEqual(
      listFiles(byLcid).filter((f) => f.startsWith('Resources/')),
      ['Resources/1033/resources.1033.resx', 'Resources/1036/resources.1036.resx', 'Resources/template_resources.resx'],
    );
  });

  it('pack merges edited and new texts into their labels, keeps line breaks, and names entries that match no label', async () => {
    const folder = fresh('localized');
    await unpackSolution({ zipFile: await localized(), folder, localize: { useLcid: true } });
    const french = join(folder, 'Resources', '1036', 'resources.1036.resx');
    writeFileSync(
      french,
      read(folder, 'Resources/1036/resources.1036.resx')
        .replace('<value>Facture</value>', '<value>Facture client</value>')
        .replace(
          /(<data name="1:Description,contoso_invoiceentitycontoso_invoice" xml:space="preserve">\r\n {4})<value \/>/,
          '$1<value>Factures\r\naux clients</value>',
        )
        .replace('</root>', '  <data name="1:LocalizedName,gone" xml:space="preserve">\r\n    <value>x</value>\r\n  </data>\r\n</root>'),
    );
    const zipFile = `${fresh('localized')}.zip`;
    const result = await packSolution({ folder, zipFile, localize: true });
    assert.ok(
      result.warnings.some((w) => /1 name\(s\) in the resource files match no label.*1:LocalizedName,gone/.test(w)),
      result.warnings.join('\n'),
    );
    const packed = (await zipMembers(zipFile)).get('customizations.xml')!.toString('utf8');
    assert.match(packed, /<LocalizedName description="Facture client" languagecode="1036" \/>/);
    assert.match(
      packed,
      /<Description description="Bills sent&#xA;to customers" languagecode="1033" \/>\r\n {12}<Description description="Factures&#xA;aux clients" languagecode="1036" \/>/,
    );
    const unlocalized = `${fresh('plain')}.zip`;
    const plain = await packSolution({ folder, zipFile: unlocalized });
    assert.ok(
      plain.warnings.some((w) => /hold labels for other languages; pack with localize: true/.test(w)),
      plain.warnings.join('\n'),
    );
    assert.match((await zipMembers(unlocalized)).get('customizations.xml')!.toString('utf8'), /description="Facture"/);
  });
});
