import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ZipReader } from '../../src/solutions/zipReader';
import { writeZip } from '../../src/solutions/zipWriter';
import { dataTables } from '../../src/sandbox/dataTables';
import { text } from '../helpers';
import { corpus, needsCorpus } from '../corpus';
import { environmentByName, structured, withHarness, type Harness } from '../lifecycle/harness';

const BOT = corpus('fixtures', 'solutions', 'zips', 'pnp', 'SharePointSiteCreationBot_2_0_0_0.zip');

function importConfig(solutions: string[], extra = ''): Buffer {
  return Buffer.from(`<?xml version="1.0" encoding="utf-16"?>
<configdatastorage installsampledata="false" waitforsampledatatoinstall="true" agentdesktopzipfile="" agentdesktopexename="" crmmigdataimportfile="">
  <solutions>
${solutions.map((s) => `    <configsolutionfile solutionpackagefilename="${s}" overwriteunmanagedcustomizations="false" publishworkflowsandactivateplugins="true" />`).join('\n')}
  </solutions>
  ${extra}
</configdatastorage>`);
}

/** A Configuration Migration data zip with two accounts. */
async function dataZip(): Promise<Buffer> {
  const file = join(tmpdir(), `power-agent-package-data-${process.pid}.zip`);
  const schema =
    '<entities><entity name="account" primaryidfield="accountid" primarynamefield="name"><fields><field name="accountid" type="guid" primaryKey="true" /><field name="name" type="string" /></fields></entity></entities>';
  const records =
    '<entities><entity name="account"><records><record id="d0000001-0000-4000-8000-000000000000"><field name="name" value="Package Customer 1" /></record><record id="d0000002-0000-4000-8000-000000000000"><field name="name" value="Package Customer 2" /></record></records></entity></entities>';
  await writeZip(file, [
    { name: 'data_schema.xml', data: Buffer.from(schema) },
    { name: 'data.xml', data: Buffer.from(records) },
  ]);
  const bytes = readFileSync(file);
  rmSync(file, { force: true });
  return bytes;
}

describe('pp_deploy_package through an MCP client', needsCorpus, () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'power-agent-package-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  async function makePackage(
    h: Harness,
    name: string,
    options: { dll?: boolean; data?: boolean; importMap?: boolean } = {},
  ): Promise<void> {
    const cli = await h.connect(['--allowed-folders', work]);
    const exported = await h.call(cli, 'pp_export_solution', {
      environment: 'Contoso Dev',
      solution: 'ContosoCore',
      managed: true,
      zipFile: `${name}-core.zip`,
      overwrite: true,
      waitSeconds: 60,
    });
    assert.equal(exported.isError, undefined, text(exported));
    await writeZip(join(work, `${name}.zip`), [
      {
        name: 'PkgFolder/ImportConfig.xml',
        data: importConfig(
          ['SharePointSiteCreationBot_2_0_0_0.zip', 'ContosoCore_managed.zip'],
          (options.data ? '<cmtdatafiles><cmtdatafile filename="data_1033.zip" lcid="1033" usermapfilename="" /></cmtdatafiles>' : '') +
            (options.importMap
              ? '<filestoimport><configimportfile filename="accounts.csv" filetype="CSV" importtoentity="account" /></filestoimport>'
              : ''),
        ),
      },
      ...(options.data ? [{ name: 'PkgFolder/data_1033.zip', data: await dataZip() }] : []),
      { name: 'PkgFolder/SharePointSiteCreationBot_2_0_0_0.zip', data: readFileSync(BOT) },
      { name: 'PkgFolder/ContosoCore_managed.zip', data: readFileSync(join(work, `${name}-core.zip`)) },
      { name: 'Microsoft.Xrm.Tooling.PackageDeployment.CrmPackageExtentionBase.dll', data: Buffer.from('MZ runtime') },
      ...(options.dll ? [{ name: 'ContosoPackage.dll', data: Buffer.from('MZ custom code') }] : []),
    ]);
  }

  it('imports the solutions in ImportConfig order as Package Deployer decides, and skips them the second time', async () => {
    await withHarness(async (h) => {
      await makePackage(h, 'release', { data: true });
      const cli = await h.connect(['--allowed-folders', work]);
      const deployed = await h.call(cli, 'pp_deploy_package', {
        environment: 'Contoso Test',
        packageFile: 'release.zip',
        waitSeconds: 120,
      });
      assert.equal(deployed.isError, undefined, text(deployed));
      assert.deepEqual(structured(deployed).data, { file: 'data_1033.zip', imported: 2, failed: 0, failures: [], associated: 0 });
      assert.equal(
        dataTables(environmentByName(h.sandbox, 'Contoso Test')!.org!).get('account')!.rows.get('d0000002-0000-4000-8000-000000000000')!
          .name,
        'Package Customer 2',
        'the data went in after the solutions',
      );
      assert.deepEqual(
        structured(deployed).steps.map((s: any) => [s.solution, s.action, s.state]),
        [
          ['SharePointSiteCreationBot', 'install', 'succeeded'],
          ['ContosoCore', 'upgrade', 'succeeded'],
        ],
      );
      const org = environmentByName(h.sandbox, 'Contoso Test')!.org!;
      assert.deepEqual(
        org.solutions
          .filter((s) => s.isvisible)
          .map((s) => `${s.uniquename} ${s.version}`)
          .sort(),
        ['ContosoCore 1.2.0.0', 'Default 1.0', 'SharePointSiteCreationBot 2.0.0.0'],
      );
      const imports = h.sandbox.requests
        .filter((r) => /ImportSolutionAsync|StageAndUpgradeAsync/.test(r.path))
        .map((r) => r.path.split('/').pop());
      assert.deepEqual(imports, ['ImportSolutionAsync', 'StageAndUpgradeAsync'], 'in order, the upgrade in one step');

      const again = await h.call(cli, 'pp_deploy_package', { environment: 'Contoso Test', packageFile: 'release.zip', waitSeconds: 60 });
      assert.deepEqual(
        structured(again).steps.map((s: any) => [s.action, s.state]),
        [
          ['install', 'succeeded'],
          ['skip', 'skipped'],
        ],
        'an unmanaged solution is updated; a managed one of the same version is skipped',
      );
    });
  });

  it('refuses custom code, import maps and a managed/unmanaged clash before anything changes, and stops at a failed import', async () => {
    await withHarness(async (h) => {
      await makePackage(h, 'coded', { dll: true });
      await makePackage(h, 'mapped', { importMap: true });
      const cli = await h.connect(['--allowed-folders', work]);
      const before = h.sandbox.requests.length;
      const coded = await h.call(cli, 'pp_deploy_package', { environment: 'Contoso Test', packageFile: 'coded.zip' });
      assert.match(
        text(coded),
        /^coded\.zip has custom code \(ContosoPackage\.dll\), which only Package Deployer \(\.NET\) can run; it was not deployed, and nothing was changed\.\nWhat to do: .*skipCustomCode: true/,
      );
      const mapped = await h.call(cli, 'pp_deploy_package', { environment: 'Contoso Test', packageFile: 'mapped.zip' });
      assert.match(text(mapped), /imports files through import maps \(accounts\.csv\), which this tool cannot do; nothing was changed/);
      assert.equal(h.sandbox.requests.length, before, 'no request was sent');

      const conflict = await h.call(cli, 'pp_deploy_package', {
        environment: 'Contoso Dev',
        packageFile: 'coded.zip',
        skipCustomCode: true,
        waitSeconds: 60,
      });
      assert.equal(conflict.isError, true, text(conflict));
      assert.match(
        text(conflict),
        /ContosoCore is unmanaged in Contoso Dev and managed in the package; one cannot replace the other\. Nothing was changed\./,
      );

      // The first solution needs ContosoPortal, which Contoso Test lacks: its import fails and the upgrade after it is not started.
      const zip = await ZipReader.open(join(work, 'coded.zip'));
      const members = [];
      for (const name of zip.names().filter((n) => n !== '[Content_Types].xml' && !n.endsWith('.dll')))
        members.push({ name, data: await zip.read(name) });
      zip.close();
      const bot = await ZipReader.fromBuffer(members.find((m) => m.name.endsWith('SharePointSiteCreationBot_2_0_0_0.zip'))!.data, 'bot');
      const botMembers = [];
      for (const name of bot.names().filter((n) => n !== '[Content_Types].xml')) {
        const data = await bot.read(name);
        botMembers.push({
          name,
          data:
            name === 'solution.xml'
              ? Buffer.from(
                  data
                    .toString('utf8')
                    .replace(
                      '<MissingDependencies />',
                      '<MissingDependencies><MissingDependency><Required type="1" schemaName="contoso_page" solution="ContosoPortal" /></MissingDependency></MissingDependencies>',
                    ),
                )
              : data,
        });
      }
      bot.close();
      await writeZip(join(work, 'needs-portal.zip'), botMembers);
      members.find((m) => m.name.endsWith('SharePointSiteCreationBot_2_0_0_0.zip'))!.data = readFileSync(join(work, 'needs-portal.zip'));
      await writeZip(join(work, 'broken.zip'), members);
      const broken = await h.call(cli, 'pp_deploy_package', { environment: 'Contoso Test', packageFile: 'broken.zip', waitSeconds: 60 });
      assert.equal(broken.isError, true);
      assert.deepEqual(
        structured(broken).steps.map((s: any) => [s.solution, s.state]),
        [
          ['SharePointSiteCreationBot', 'failed'],
          ['ContosoCore', 'pending'],
        ],
      );
      assert.match(text(broken), /stopped at a failed import; later solutions were not imported[\s\S]*Some dependencies are missing/);
      assert.equal(
        environmentByName(h.sandbox, 'Contoso Test')!.org!.solutions.find((s) => s.uniquename === 'ContosoCore')!.version,
        '1.1.0.0',
      );
    });
  });
});
