import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { summaryOf, type ImportPlan } from '../../src/tools/solutions/importPlan';
import { ZipReader } from '../../src/solutions/zipReader';
import { writeZip } from '../../src/solutions/zipWriter';
import { text } from '../helpers';
import { corpus, needsCorpus } from '../corpus';
import { environmentByName, structured, withHarness, type Harness } from '../lifecycle/harness';

const BOT = corpus('fixtures', 'solutions', 'zips', 'pnp', 'SharePointSiteCreationBot_2_0_0_0.zip');
const REFERENCES = ['m365pnp_sharedoffice365groups_b1cdb', 'm365pnp_sharedoffice365users_c6163', 'm365pnp_sharedsharepointonline_ffdb8'];

/** Copies a zip with members changed or added (a crafted solution). */
async function rezip(
  source: string,
  target: string,
  edit: (name: string, data: Buffer) => Buffer,
  added: Record<string, string> = {},
): Promise<void> {
  const zip = await ZipReader.open(source);
  const members = [];
  for (const name of zip.names().filter((n) => n !== '[Content_Types].xml')) members.push({ name, data: edit(name, await zip.read(name)) });
  zip.close();
  for (const [name, data] of Object.entries(added)) members.push({ name, data: Buffer.from(data) });
  await writeZip(target, members);
}

function solutions(harness: Harness, environment: string): string[] {
  return environmentByName(harness.sandbox, environment)!
    .org!.solutions.map((s) => `${s.uniquename} ${s.version}${s.ismanaged ? ' managed' : ''}`)
    .sort();
}

describe('pp_import_solution plan: true stages the zip and reports, importing nothing', needsCorpus, () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'power-agent-import-plan-'));
    copyFileSync(BOT, join(work, 'bot.zip'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('a new solution would install; the references and variables the settings file leaves without a value are listed', async () => {
    await rezip(BOT, join(work, 'bot-vars.zip'), (_, data) => data, {
      'environmentvariabledefinitions/m365pnp_SiteUrl/environmentvariabledefinition.xml':
        '<environmentvariabledefinition schemaname="m365pnp_SiteUrl"><defaultvalue>https://contoso.sharepoint.com</defaultvalue><type>100000000</type></environmentvariabledefinition>',
      'environmentvariabledefinitions/m365pnp_Owner/environmentvariabledefinition.xml':
        '<environmentvariabledefinition schemaname="m365pnp_Owner"><type>100000000</type></environmentvariabledefinition>',
    });
    writeFileSync(
      join(work, 'partial.settings.json'),
      JSON.stringify({
        EnvironmentVariables: [
          { SchemaName: 'm365pnp_Owner', Value: 'admin@contoso.com' },
          { SchemaName: 'm365pnp_Gone', Value: 'x' },
        ],
        ConnectionReferences: [{ LogicalName: REFERENCES[0], ConnectionId: 'any', ConnectorId: '' }],
      }),
    );
    await withHarness(async (harness) => {
      const cli = await harness.connect(['--allowed-folders', work]);
      const before = solutions(harness, 'Contoso Dev');
      const result = await harness.call(cli, 'pp_import_solution', {
        environment: 'Contoso Dev',
        zipFile: 'bot-vars.zip',
        settingsFile: 'partial.settings.json',
        plan: true,
      });
      assert.equal(result.isError, undefined, text(result));
      const { plan, id } = structured(result);
      assert.equal(id, undefined, 'a plan starts no operation');
      assert.deepEqual(plan.solution, { uniqueName: 'SharePointSiteCreationBot', version: '2.0.0.0', managed: false });
      assert.equal(plan.installed, null);
      assert.equal(plan.action, 'install');
      assert.equal(plan.versionChange, 'new, 2.0.0.0');
      assert.equal(plan.status, 'Passed');
      assert.deepEqual(
        plan.withoutValue.connectionReferences.map((r: { logicalName: string }) => r.logicalName),
        REFERENCES.slice(1),
      );
      assert.deepEqual(plan.withoutValue.environmentVariables, [
        { schemaName: 'm365pnp_SiteUrl', defaultValue: 'https://contoso.sharepoint.com', inEnvironment: false },
      ]);
      assert.deepEqual(plan.notInSolution, ['m365pnp_Gone']);
      assert.match(
        text(result),
        /^Plan only, nothing was imported: importing SharePointSiteCreationBot 2\.0\.0\.0 \(unmanaged\) into Contoso Dev would install it\./,
      );
      assert.match(
        text(result),
        /Environment variables the settings file gives no value for: m365pnp_SiteUrl \(default "https:\/\/contoso\.sharepoint\.com", new to the environment\)/,
      );
      assert.deepEqual(solutions(harness, 'Contoso Dev'), before, 'nothing was imported');
      const operations = await harness.call(cli, 'pp_list_operations', {});
      assert.doesNotMatch(text(operations), /SharePointSiteCreationBot/);
    });
  });

  it('missing dependencies are named, with the solution they come from', async () => {
    await rezip(BOT, join(work, 'needs-core.zip'), (name, data) =>
      name === 'solution.xml'
        ? Buffer.from(
            data
              .toString('utf8')
              .replace(
                '<MissingDependencies />',
                '<MissingDependencies><MissingDependency><Required type="1" schemaName="contoso_project" displayName="Project" solution="ContosoCore (1.2.0.0)" /><Dependent type="29" id="{fe41089d-04cf-ec11-a7b5-6045bd8e353d}" /></MissingDependency></MissingDependencies>',
              ),
          )
        : data,
    );
    await withHarness(async (harness) => {
      const cli = await harness.connect(['--allowed-folders', work]);
      const result = await harness.call(cli, 'pp_import_solution', {
        environment: 'Contoso (default)',
        zipFile: 'needs-core.zip',
        plan: true,
      });
      assert.equal(result.isError, undefined, text(result));
      assert.deepEqual(structured(result).plan.missingDependencies, [
        {
          required: 'Project (type 1)',
          requiredSolution: 'ContosoCore (1.2.0.0)',
          dependent: 'fe41089d-04cf-ec11-a7b5-6045bd8e353d (type 29)',
        },
      ]);
      assert.match(text(result), /Missing dependencies \(1\): Project \(type 1\) from ContosoCore \(1\.2\.0\.0\), needed by/);
      assert.match(text(result), /Connection references no settings file gives a connection for: m365pnp_sharedoffice365groups_b1cdb/);
    });
  });

  it('a managed solution already installed would update, upgrade or be staged, by mode, and the version change is given', async () => {
    await withHarness(async (harness) => {
      const cli = await harness.connect(['--allowed-folders', work]);
      const exported = await harness.call(cli, 'pp_export_solution', {
        environment: 'Contoso Dev',
        solution: 'ContosoCore',
        managed: true,
        zipFile: 'core_managed.zip',
        waitSeconds: 60,
      });
      assert.equal(exported.isError, undefined, text(exported));
      const before = solutions(harness, 'Contoso Test');
      for (const [mode, action] of [
        ['install', 'update'],
        ['upgrade', 'upgrade'],
        ['holding', 'stage for upgrade'],
      ] as const) {
        const result = await harness.call(cli, 'pp_import_solution', {
          environment: 'Contoso Test',
          zipFile: 'core_managed.zip',
          mode,
          plan: true,
        });
        assert.equal(result.isError, undefined, text(result));
        const { plan } = structured(result);
        assert.equal(plan.action, action, mode);
        assert.deepEqual(plan.installed, { version: '1.1.0.0', managed: true });
        assert.equal(plan.versionChange, '1.1.0.0 → 1.2.0.0');
      }
      assert.deepEqual(solutions(harness, 'Contoso Test'), before, 'nothing was imported');
    });
  });

  it('a downgrade and a package type clash would be refused, with the service message', async () => {
    await withHarness(async (harness) => {
      const cli = await harness.connect(['--allowed-folders', work]);
      await harness.call(cli, 'pp_export_solution', {
        environment: 'Contoso Dev',
        solution: 'ContosoCore',
        managed: true,
        zipFile: 'core_managed.zip',
        waitSeconds: 60,
      });
      await rezip(join(work, 'core_managed.zip'), join(work, 'core_old.zip'), (name, data) =>
        name === 'solution.xml'
          ? Buffer.from(data.toString('utf8').replace('<Version>1.2.0.0</Version>', '<Version>1.0.5.0</Version>'))
          : data,
      );
      const older = await harness.call(cli, 'pp_import_solution', { environment: 'Contoso Test', zipFile: 'core_old.zip', plan: true });
      assert.equal(structured(older).plan.action, 'refused');
      assert.equal(structured(older).plan.status, 'Failed');
      assert.equal(structured(older).plan.versionChange, '1.1.0.0 → 1.0.5.0 (a downgrade)');
      assert.match(
        text(older),
        /Error: Solution ContosoCore version 1\.0\.5\.0 cannot be imported, because version 1\.1\.0\.0, which is higher, is already installed/,
      );

      const exportedUnmanaged = await harness.call(cli, 'pp_export_solution', {
        environment: 'Contoso Dev',
        solution: 'ContosoCore',
        managed: false,
        zipFile: 'core.zip',
        waitSeconds: 60,
      });
      assert.equal(exportedUnmanaged.isError, undefined, text(exportedUnmanaged));
      const clash = await harness.call(cli, 'pp_import_solution', { environment: 'Contoso Test', zipFile: 'core.zip', plan: true });
      assert.equal(structured(clash).plan.action, 'refused');
      assert.match(text(clash), /Contoso Test has ContosoCore as a managed solution; an unmanaged one cannot be imported over it/);
    });
  });
});

describe("an import plan's text", () => {
  it('names the first 20 of each list and says how many more the result has', () => {
    const many = <T>(count: number, item: (n: number) => T): T[] => Array.from({ length: count }, (_, n) => item(n + 1));
    const plan: ImportPlan = {
      solution: { uniqueName: 'ContosoCore', version: '2.0.0.0', managed: true },
      installed: null,
      action: 'install',
      versionChange: 'new',
      status: 'Failed',
      missingDependencies: many(30, (n) => ({ required: `Table ${n}`, requiredSolution: 'ContosoBase', dependent: `Form ${n}` })),
      withoutValue: {
        connectionReferences: many(25, (n) => ({ logicalName: `contoso_ref${n}`, connectorId: 'shared_sql', inEnvironment: null })),
        environmentVariables: many(3, (n) => ({ schemaName: `contoso_var${n}`, defaultValue: null, inEnvironment: false })),
      },
      notInSolution: many(21, (n) => `contoso_old${n}`),
      validation: many(22, (n) => ({ type: 'Warning', message: `Check ${n}.` })),
      stageSolutionUploadId: null,
    };
    const lines = summaryOf(plan, 'Contoso Test', true).split('\n');
    assert.equal(lines.filter((line) => line.startsWith('Warning: ')).length, 20);
    assert.ok(lines.includes('… and 2 more validation messages in the result.'));
    const line = (start: string) => lines.find((l) => l.startsWith(start)) ?? assert.fail(`no line "${start}"`);
    assert.match(line('Missing dependencies (30): '), /Table 20 from ContosoBase, needed by Form 20; and 10 more \(in the result\)\.$/);
    assert.doesNotMatch(line('Missing dependencies'), /Table 21 /);
    assert.match(line('Connection references'), /contoso_ref20; and 5 more \(in the result\)\.$/);
    assert.match(line('Environment variables'), /contoso_var3 \(no default, new to the environment\)\.$/);
    assert.match(line('In the settings file but not in the solution'), /contoso_old20, and 1 more \(in the result\)\.$/);
  });
});
