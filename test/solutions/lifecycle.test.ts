import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { readSolutionPackage } from '../../src/sandbox/solutions/package';
import { ZipReader } from '../../src/solutions/zipReader';
import { writeZip } from '../../src/solutions/zipWriter';
import { text } from '../helpers';
import { corpus, needsCorpus } from '../corpus';
import { environmentByName, structured, withHarness, type Harness, type Session } from '../lifecycle/harness';

const ZIPS = corpus('fixtures', 'solutions', 'zips', 'pnp');
const BOT = join(ZIPS, 'SharePointSiteCreationBot_2_0_0_0.zip');

/** Copies a zip, changing members on the way (a crafted solution). */
async function rezip(source: string, target: string, edit: (name: string, data: Buffer) => Buffer): Promise<void> {
  const zip = await ZipReader.open(source);
  const members = [];
  for (const name of zip.names().filter((n) => n !== '[Content_Types].xml')) members.push({ name, data: edit(name, await zip.read(name)) });
  zip.close();
  await writeZip(target, members);
}

function org(harness: Harness, name: string) {
  return environmentByName(harness.sandbox, name)!.org!;
}

function installed(harness: Harness, environment: string): Record<string, string> {
  return Object.fromEntries(
    org(harness, environment)
      .solutions.filter((s) => s.isvisible)
      .map((s) => [s.uniquename, `${s.version}${s.ismanaged ? ' managed' : ''}`]),
  );
}

describe('solution lifecycle tools through an MCP client, against the sandbox', needsCorpus, () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'power-agent-solution-lifecycle-'));
    copyFileSync(BOT, join(work, 'bot.zip'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  async function session(harness: Harness, extra: string[] = []): Promise<Session> {
    return harness.connect(['--allowed-folders', work, ...extra]);
  }

  function settingsFor(harness: Harness, environment: string, file: string, override: Record<string, string> = {}): void {
    const connections = org(harness, environment).connections;
    const byConnector = (api: string) => connections.find((c) => c.connectorid.endsWith(api))!;
    const references = [
      ['m365pnp_sharedoffice365groups_b1cdb', 'shared_office365groups'],
      ['m365pnp_sharedoffice365users_c6163', 'shared_office365users'],
      ['m365pnp_sharedsharepointonline_ffdb8', 'shared_sharepointonline'],
    ].map(([logicalName, api]) => ({
      LogicalName: logicalName,
      ConnectionId: override[logicalName!] ?? byConnector(api!).connectionid,
      ConnectorId: `/providers/Microsoft.PowerApps/apis/${api}`,
    }));
    writeFileSync(join(work, file), JSON.stringify({ EnvironmentVariables: [], ConnectionReferences: references }, null, 2));
  }

  it('lists solutions, leaving hidden system solutions out unless asked', async () => {
    await withHarness(async (harness) => {
      const cli = await session(harness);
      const listed = await harness.call(cli, 'pp_list_solutions', { environment: 'Contoso Dev' });
      assert.equal(listed.isError, undefined, text(listed));
      const names = structured(listed)
        .solutions.map((s: { uniqueName: string }) => s.uniqueName)
        .sort();
      assert.deepEqual(names, ['ContosoCore', 'ContosoPortal', 'Default']);
      assert.equal(
        structured(listed).solutions.find((s: { uniqueName: string }) => s.uniqueName === 'ContosoCore').publisher,
        'DefaultPublisher',
      );
      const hidden = await harness.call(cli, 'pp_list_solutions', { environment: 'Contoso Dev', includeHidden: true, nameContains: 'act' });
      assert.deepEqual(
        structured(hidden).solutions.map((s: { uniqueName: string }) => s.uniqueName),
        ['Active'],
      );
      // At most `limit`, newest first, saying how many more there are.
      const first = await harness.call(cli, 'pp_list_solutions', { environment: 'Contoso Dev', limit: 2 });
      assert.deepEqual([structured(first).solutions.length, structured(first).matched, structured(first).truncated], [2, 3, true]);
      assert.match(
        text(first),
        /^3 solution\(s\) in Contoso Dev:\n- .*\n- .*\n… and 1 more \(raise `limit`, or narrow with `nameContains`\)\.$/,
      );
      assert.equal(structured(listed).truncated, false);
      const managed = await harness.call(cli, 'pp_list_solutions', { environment: 'Contoso Test', managed: true });
      assert.match(text(managed), /ContosoCore 1\.1\.0\.0 \(managed, DefaultPublisher\)/);
    });
  });

  it('imports with a deployment settings file, exports, unpacks, edits, packs and imports the edit elsewhere', async () => {
    await withHarness(async (harness) => {
      const cli = await session(harness);
      settingsFor(harness, 'Contoso Dev', 'dev.settings.json');
      const imported = await harness.call(cli, 'pp_import_solution', {
        environment: 'Contoso Dev',
        zipFile: 'bot.zip',
        settingsFile: 'dev.settings.json',
        waitSeconds: 60,
      });
      assert.equal(imported.isError, undefined, text(imported));
      assert.equal(structured(imported).state, 'succeeded');
      assert.equal(structured(imported).result.solution.uniqueName, 'SharePointSiteCreationBot');
      assert.equal(installed(harness, 'Contoso Dev').SharePointSiteCreationBot, '2.0.0.0');

      const exported = await harness.call(cli, 'pp_export_solution', {
        environment: 'Contoso Dev',
        solution: 'SharePointSiteCreationBot',
        zipFile: 'out/bot-export.zip',
        waitSeconds: 60,
      });
      assert.equal(exported.isError, undefined, text(exported));
      const link = exported.content.find((c) => c.type === 'resource_link') as { uri: string; name: string } | undefined;
      assert.ok(link, 'the result links to the zip instead of carrying it');
      assert.equal(fileURLToPath(link.uri), join(work, 'out', 'bot-export.zip'));
      assert.equal(structured(exported).result.bytes, readFileSync(join(work, 'out', 'bot-export.zip')).length);

      const unpacked = await harness.call(cli, 'pp_unpack_solution', { zipFile: 'out/bot-export.zip', folder: 'bot-src' });
      assert.equal(unpacked.isError, undefined, text(unpacked));
      const workflows = join(work, 'bot-src', 'Workflows');
      const flowXml = readdirSync(workflows).find((f) => f.endsWith('.xml'))!;
      const edited = readFileSync(join(workflows, flowXml), 'utf8').replace(
        'Call this flow from Power Virtual Agents.',
        'Edited in source control.',
      );
      writeFileSync(join(workflows, flowXml), edited);
      const manifest = join(work, 'bot-src', 'Other', 'Solution.xml');
      writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('<Version>2.0.0.0</Version>', '<Version>2.1.0.0</Version>'));
      const packed = await harness.call(cli, 'pp_pack_solution', { folder: 'bot-src', zipFile: 'out/bot-2.1.zip' });
      assert.equal(packed.isError, undefined, text(packed));

      settingsFor(harness, 'Contoso Test', 'test.settings.json');
      const again = await harness.call(cli, 'pp_import_solution', {
        environment: 'Contoso Test',
        zipFile: 'out/bot-2.1.zip',
        settingsFile: 'test.settings.json',
        waitSeconds: 60,
      });
      assert.equal(again.isError, undefined, text(again));
      assert.equal(installed(harness, 'Contoso Test').SharePointSiteCreationBot, '2.1.0.0');
      const stored = org(harness, 'Contoso Test').solutions.find((s) => s.uniquename === 'SharePointSiteCreationBot')!;
      const pkg = await readSolutionPackage(Buffer.from(stored.package!));
      assert.match(pkg.members.get('customizations.xml')!.toString('utf8'), /Edited in source control\./);
    });
  });

  it('reports each failed component of a failed import, and changes nothing', async () => {
    await withHarness(async (harness) => {
      const cli = await session(harness);
      settingsFor(harness, 'Contoso Dev', 'wrong.settings.json', {
        m365pnp_sharedsharepointonline_ffdb8: 'ffffffffffffffffffffffffffffffff',
      });
      const before = installed(harness, 'Contoso Dev');
      const result = await harness.call(cli, 'pp_import_solution', {
        environment: 'Contoso Dev',
        zipFile: 'bot.zip',
        settingsFile: 'wrong.settings.json',
        waitSeconds: 60,
      });
      assert.equal(result.isError, true);
      assert.equal(structured(result).state, 'failed');
      assert.match(
        text(result),
        /The import of SharePointSiteCreationBot failed; nothing was imported\. Failed components:\n- connectionreference SharePoint SharePointSiteCreationBot-ffdb8: Connection 'ffff+' for connection reference 'm365pnp_sharedsharepointonline_ffdb8' was not found/,
      );
      assert.match(text(result), /What to do: Check the ConnectionReferences in the deployment settings file/);
      assert.deepEqual(
        structured(result).result.componentFailures.map((f: { component: string }) => f.component),
        ['connectionreference'],
      );
      assert.equal(structured(result).result.componentFailureCount, 1);
      assert.deepEqual(installed(harness, 'Contoso Dev'), before);
    });
  });

  it('refuses a settings file that is not one, and an unsafe zip, before sending anything', async () => {
    await withHarness(async (harness) => {
      const cli = await session(harness);
      writeFileSync(join(work, 'broken.settings.json'), JSON.stringify({ ConnectionReferences: [{ ConnectionId: 'x' }] }));
      const settings = await harness.call(cli, 'pp_import_solution', {
        environment: 'Contoso Dev',
        zipFile: 'bot.zip',
        settingsFile: 'broken.settings.json',
      });
      assert.match(
        text(settings),
        /^settingsFile: broken\.settings\.json is not a deployment settings file: ConnectionReferences\.0\.LogicalName: /,
      );
      // yazl will not write "../" itself: write a same-length name and patch it in the bytes.
      await writeZip(join(work, 'evil.zip'), [
        { name: 'xx/evil.xml', data: Buffer.from('<x/>') },
        { name: 'solution.xml', data: Buffer.from('<x/>') },
      ]);
      writeFileSync(
        join(work, 'evil.zip'),
        Buffer.from(readFileSync(join(work, 'evil.zip')).toString('latin1').split('xx/evil.xml').join('../evil.xml'), 'latin1'),
      );
      const unsafe = await harness.call(cli, 'pp_import_solution', { environment: 'Contoso Dev', zipFile: 'evil.zip' });
      assert.match(
        text(unsafe),
        /^zipFile: .*evil\.zip could not be read safely: invalid relative path: \.\.\/evil\.xml\. Nothing was imported\./,
      );
      assert.ok(!harness.sandbox.requests.some((r) => r.path.endsWith('ImportSolutionAsync')), 'nothing was sent');
    });
  });

  it('fails an import whose dependencies are missing, with the service message and what to do', async () => {
    await withHarness(async (harness) => {
      const cli = await session(harness);
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
      const result = await harness.call(cli, 'pp_import_solution', {
        environment: 'Contoso (default)',
        zipFile: 'needs-core.zip',
        waitSeconds: 60,
      });
      assert.equal(result.isError, true);
      assert.match(
        text(result),
        /Some dependencies are missing\. The missing dependencies are: Project \(type 1\) from solution ContosoCore/,
      );
      assert.match(text(result), /What to do: Install the solutions it depends on first/);
      assert.equal(installed(harness, 'Contoso (default)').SharePointSiteCreationBot, undefined);
    });
  });

  it('stages a managed upgrade as a holding solution, then applies it after confirmation', async () => {
    await withHarness(async (harness) => {
      const cli = await session(harness);
      const exported = await harness.call(cli, 'pp_export_solution', {
        environment: 'Contoso Dev',
        solution: 'ContosoCore',
        managed: true,
        zipFile: 'core_managed.zip',
        waitSeconds: 60,
      });
      assert.equal(exported.isError, undefined, text(exported));
      const staged = await harness.call(cli, 'pp_import_solution', {
        environment: 'Contoso Test',
        zipFile: 'core_managed.zip',
        mode: 'holding',
        waitSeconds: 60,
      });
      assert.equal(staged.isError, undefined, text(staged));
      assert.deepEqual(installed(harness, 'Contoso Test'), {
        ContosoCore: '1.1.0.0 managed',
        ContosoCore_Upgrade: '1.2.0.0 managed',
        Default: '1.0',
      });

      const unconfirmed = await harness.call(cli, 'pp_apply_solution_upgrade', { environment: 'Contoso Test', solution: 'ContosoCore' });
      assert.match(
        text(unconfirmed),
        /Apply the upgrade of solution ContosoCore in Contoso Test \(Sandbox, .*\) needs the user's confirmation[\s\S]*confirm set to the solution's unique name, "ContosoCore"/,
      );
      const applied = await harness.call(cli, 'pp_apply_solution_upgrade', {
        environment: 'Contoso Test',
        solution: 'ContosoCore',
        confirm: 'ContosoCore',
        waitSeconds: 60,
      });
      assert.equal(applied.isError, undefined, text(applied));
      assert.deepEqual(installed(harness, 'Contoso Test'), { ContosoCore: '1.2.0.0 managed', Default: '1.0' });
      const nothing = await harness.call(cli, 'pp_apply_solution_upgrade', {
        environment: 'Contoso Test',
        solution: 'ContosoCore',
        confirm: 'ContosoCore',
      });
      assert.match(text(nothing), /There is no staged upgrade of ContosoCore in Contoso Test/);

      const downgrade = await harness.call(cli, 'pp_import_solution', {
        environment: 'Contoso Production',
        zipFile: 'core_managed.zip',
        waitSeconds: 60,
      });
      assert.equal(downgrade.isError, undefined, 'a higher managed version updates in place');
      await rezip(join(work, 'core_managed.zip'), join(work, 'core_old.zip'), (name, data) =>
        name === 'solution.xml'
          ? Buffer.from(data.toString('utf8').replace('<Version>1.2.0.0</Version>', '<Version>1.0.5.0</Version>'))
          : data,
      );
      const older = await harness.call(cli, 'pp_import_solution', {
        environment: 'Contoso Production',
        zipFile: 'core_old.zip',
        waitSeconds: 60,
      });
      assert.match(text(older), /version 1\.0\.5\.0 cannot be imported, because version 1\.2\.0\.0, which is higher, is already installed/);
    });
  });

  it('sets versions of unmanaged solutions only, and checks the version field', async () => {
    await withHarness(async (harness) => {
      const cli = await session(harness);
      const set = await harness.call(cli, 'pp_set_solution_version', {
        environment: 'Contoso Dev',
        solution: 'ContosoCore',
        version: '1.3.0.0',
      });
      assert.equal(set.isError, undefined, text(set));
      assert.equal(text(set), `ContosoCore in Contoso Dev: version 1.2.0.0 → 1.3.0.0.`);
      assert.equal(installed(harness, 'Contoso Dev').ContosoCore, '1.3.0.0');
      const managed = await harness.call(cli, 'pp_set_solution_version', {
        environment: 'Contoso Test',
        solution: 'ContosoCore',
        version: '2.0.0.0',
      });
      assert.match(text(managed), /ContosoCore is managed in Contoso Test/);
      const invalid = await harness.call(cli, 'pp_set_solution_version', {
        environment: 'Contoso Dev',
        solution: 'ContosoCore',
        version: 'v2',
      });
      assert.match(text(invalid), /^Invalid arguments for pp_set_solution_version:\n- version: use major\.minor/);
      const missing = await harness.call(cli, 'pp_set_solution_version', {
        environment: 'Contoso Dev',
        solution: 'ContosoCroe',
        version: '2.0',
      });
      assert.match(
        text(missing),
        /No solution with unique name "ContosoCroe" is installed in Contoso Dev[\s\S]*Installed solutions include: /,
      );
    });
  });

  it('adds a table by logical name and a component by type number, and names what it cannot find', async () => {
    await withHarness(async (harness) => {
      const cli = await session(harness);
      const added = await harness.call(cli, 'pp_add_solution_component', {
        environment: 'Contoso Dev',
        solution: 'ContosoCore',
        componentType: 'table',
        component: 'account',
      });
      assert.equal(added.isError, undefined, text(added));
      const account = org(harness, 'Contoso Dev').entities.find((e) => e.logicalname === 'account')!;
      const core = () => org(harness, 'Contoso Dev').solutions.find((s) => s.uniquename === 'ContosoCore')!;
      assert.deepEqual(
        core().components.map((c) => [c.componenttype, c.objectid]),
        [[1, account.metadataid]],
      );
      const again = await harness.call(cli, 'pp_add_solution_component', {
        environment: 'Contoso Dev',
        solution: 'ContosoCore',
        componentType: 1,
        component: account.metadataid,
      });
      assert.equal(again.isError, undefined, text(again));
      assert.equal(core().components.length, 1, 'adding it twice changes nothing');
      const unknownType = await harness.call(cli, 'pp_add_solution_component', {
        environment: 'Contoso Dev',
        solution: 'ContosoCore',
        componentType: 'gadget',
        component: 'account',
      });
      assert.match(text(unknownType), /^componentType: "gadget" is not a component type/);
      const unknownTable = await harness.call(cli, 'pp_add_solution_component', {
        environment: 'Contoso Dev',
        solution: 'ContosoCore',
        componentType: 'table',
        component: 'contoso_nothing',
      });
      assert.match(text(unknownTable), /no table named "contoso_nothing" exists/);
      const unknownForm = await harness.call(cli, 'pp_add_solution_component', {
        environment: 'Contoso Dev',
        solution: 'ContosoCore',
        componentType: 'form',
        component: '11111111-2222-3333-4444-555555555555',
      });
      assert.match(text(unknownForm), /No component of type 60 with id 11111111-2222-3333-4444-555555555555 exists/);
      assert.match(text(unknownForm), /Correlation id: /);
    });
  });

  it('deletes only after confirmation, and reports the dependency refusal of the service', async () => {
    await withHarness(async (harness) => {
      const cli = await session(harness);
      const blocked = await harness.call(cli, 'pp_delete_solution', {
        environment: 'Contoso Dev',
        solution: 'ContosoCore',
        confirm: 'ContosoCore',
        waitSeconds: 60,
      });
      assert.equal(structured(blocked).state, 'failed');
      assert.match(
        text(blocked),
        /ContosoCore cannot be deleted because other solutions depend on its components: ContosoPortal \(1\.0\.0\.3\)/,
      );
      assert.match(text(blocked), /What to do: Install the solutions it depends on first \(or delete the ones that depend on it\)/);
      const wrong = await harness.call(cli, 'pp_delete_solution', {
        environment: 'Contoso Dev',
        solution: 'ContosoPortal',
        confirm: 'Contoso Dev',
      });
      assert.match(text(wrong), /confirm \("Contoso Dev"\) does not match the solution's name "ContosoPortal"\. Nothing was changed\./);
      const system = await harness.call(cli, 'pp_delete_solution', { environment: 'Contoso Dev', solution: 'Default', confirm: 'Default' });
      assert.match(text(system), /Default is a system solution and cannot be deleted/);
      const deleted = await harness.call(cli, 'pp_delete_solution', {
        environment: 'Contoso Dev',
        solution: 'ContosoPortal',
        confirm: 'ContosoPortal',
        waitSeconds: 60,
      });
      assert.equal(deleted.isError, undefined, text(deleted));
      assert.deepEqual(Object.keys(installed(harness, 'Contoso Dev')).sort(), ['ContosoCore', 'Default']);
    });
  });

  it('publishes all, or only the components given', async () => {
    await withHarness(async (harness) => {
      const cli = await session(harness);
      const all = await harness.call(cli, 'pp_publish_customizations', { environment: 'Contoso Dev' });
      assert.equal(text(all), 'Published all customizations in Contoso Dev.');
      const some = await harness.call(cli, 'pp_publish_customizations', {
        environment: 'Contoso Dev',
        tables: ['account', 'contact'],
        ribbons: true,
      });
      assert.equal(some.isError, undefined, text(some));
      assert.deepEqual(
        org(harness, 'Contoso Dev').publishes.map((p) => p.parameterXml),
        [
          null,
          '<importexportxml><entities><entity>account</entity><entity>contact</entity></entities><ribbons><ribbon /></ribbons></importexportxml>',
        ],
      );
      const unknown = await harness.call(cli, 'pp_publish_customizations', { environment: 'Contoso Dev', tables: ['nope'] });
      assert.match(text(unknown), /Could not find an entity with LogicalName = 'nope'/);
    });
  });

  it('never sends an import start twice: after a lost answer its job is found in the org and followed to its end', async () => {
    await withHarness(
      async (harness) => {
        const cli = await session(harness);
        const result = await harness.call(cli, 'pp_import_solution', { environment: 'Contoso Dev', zipFile: 'bot.zip', waitSeconds: 60 });
        assert.equal(structured(result).state, 'succeeded', text(result));
        assert.equal(installed(harness, 'Contoso Dev').SharePointSiteCreationBot, '2.0.0.0');
        assert.equal(harness.sandbox.requests.filter((r) => r.path.endsWith('/ImportSolutionAsync')).length, 1);
      },
      { faults: [{ kind: 'lost', path: 'ImportSolutionAsync', times: 1 }] },
    );
  });

  it("a long import shows the import job's progress, and a restarted server finishes following it", async () => {
    await withHarness(
      async (harness) => {
        const first = await session(harness);
        const progress: number[] = [];
        const started = await harness.call(
          first,
          'pp_import_solution',
          { environment: 'Contoso Dev', zipFile: 'bot.zip', waitSeconds: 2 },
          { onprogress: (p) => void progress.push(p.progress) },
        );
        assert.equal(structured(started).state, 'running', text(started));
        assert.ok(
          progress.some((p) => p >= 1 && p < 100),
          `percent from the import job: ${progress.join(',')}`,
        );
        assert.match(text(started), /Still going; it goes on in the service\. Operation id: /);
        await first.close();

        const second = await session(harness);
        const done = await harness.call(second, 'pp_get_operation', { id: structured(started).id, waitSeconds: 60 });
        assert.equal(structured(done).state, 'succeeded', text(done));
        assert.equal(structured(done).result.solution.uniqueName, 'SharePointSiteCreationBot');
        assert.equal(installed(harness, 'Contoso Dev').SharePointSiteCreationBot, '2.0.0.0');
      },
      { timeScale: 0.1 },
    );
  });

  it("a second import while one runs fails with the service's message and says to wait", async () => {
    await withHarness(
      async (harness) => {
        const cli = await session(harness);
        settingsFor(harness, 'Contoso Dev', 'dev.settings.json');
        const first = harness.call(cli, 'pp_import_solution', {
          environment: 'Contoso Dev',
          zipFile: 'bot.zip',
          settingsFile: 'dev.settings.json',
          waitSeconds: 60,
        });
        const second = await harness.call(cli, 'pp_import_solution', {
          environment: 'Contoso Dev',
          zipFile: 'bot.zip',
          settingsFile: 'dev.settings.json',
          waitSeconds: 60,
        });
        const results = [await first, second];
        const failed = results.filter((r) => r.isError);
        assert.equal(failed.length, 1, results.map(text).join('\n---\n'));
        assert.match(text(failed[0]), /Cannot start another \[Import\] because there is a previous \[Import\] running at this moment/);
        assert.match(text(failed[0]), /What to do: Another solution install or removal was running/);
        assert.ok(existsSync(join(work, 'bot.zip')));
      },
      // The first import must still run when the second arrives, even on a busy machine.
      { timeScale: 0.03 },
    );
  });
});
