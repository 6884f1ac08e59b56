import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ZipReader } from '../../src/solutions/zipReader';
import { writeZip } from '../../src/solutions/zipWriter';
import { text } from '../helpers';
import { corpus, needsCorpus } from '../corpus';
import { environmentByName, structured, withHarness } from '../lifecycle/harness';

const BOT = corpus('fixtures', 'solutions', 'zips', 'pnp', 'SharePointSiteCreationBot_2_0_0_0.zip');
const SHAREPOINT = 'm365pnp_sharedsharepointonline_ffdb8';

function definition(schema: string, type: number, defaultValue: string): Buffer {
  return Buffer.from(
    `<environmentvariabledefinition schemaname="${schema}">\n  <defaultvalue>${defaultValue}</defaultvalue>\n  <displayname default="${schema}" />\n  <type>${type}</type>\n</environmentvariabledefinition>`,
  );
}

describe('pp_set_connection_variables through an MCP client', needsCorpus, () => {
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'power-agent-connvars-'));
    // The bot solution with two environment variables added, as a solution with both kinds would carry them.
    const zip = await ZipReader.open(BOT);
    const members = [];
    for (const name of zip.names().filter((n) => n !== '[Content_Types].xml')) members.push({ name, data: await zip.read(name) });
    zip.close();
    members.push({
      name: 'environmentvariabledefinitions/m365pnp_SiteUrl/environmentvariabledefinition.xml',
      data: definition('m365pnp_SiteUrl', 100000000, 'https://example.invalid'),
    });
    members.push({
      name: 'environmentvariabledefinitions/m365pnp_MaxSites/environmentvariabledefinition.xml',
      data: definition('m365pnp_MaxSites', 100000001, '5'),
    });
    await writeZip(join(work, 'bot-vars.zip'), members);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('writes the settings file, keeps values on update, imports with it, and applies the rest to the environment', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect(['--allowed-folders', work]);
      const org = environmentByName(h.sandbox, 'Contoso Test')!.org!;
      const sharepoint = org.connections.find((c) => c.connectorid.endsWith('shared_sharepointonline'))!.connectionid;
      const created = await h.call(cli, 'pp_set_connection_variables', {
        solution: 'bot-vars.zip',
        settingsFile: 'settings/test.json',
        connectionReferences: { [SHAREPOINT]: sharepoint },
      });
      assert.equal(created.isError, undefined, text(created));
      const file = () => JSON.parse(readFileSync(join(work, 'settings', 'test.json'), 'utf8'));
      assert.deepEqual(
        file().ConnectionReferences.map((r: any) => [r.LogicalName, r.ConnectionId]),
        [
          ['m365pnp_sharedoffice365groups_b1cdb', ''],
          ['m365pnp_sharedoffice365users_c6163', ''],
          [SHAREPOINT, sharepoint],
        ],
      );
      assert.deepEqual(file().EnvironmentVariables, [
        { SchemaName: 'm365pnp_SiteUrl', Value: '' },
        { SchemaName: 'm365pnp_MaxSites', Value: '' },
      ]);
      assert.equal(structured(created).missingValues.length, 4);

      const updated = await h.call(cli, 'pp_set_connection_variables', {
        solution: 'bot-vars.zip',
        settingsFile: 'settings/test.json',
        environmentVariables: { m365pnp_SiteUrl: 'https://contoso.sharepoint.com/sites/requests' },
      });
      assert.equal(updated.isError, undefined, text(updated));
      assert.equal(file().ConnectionReferences[2].ConnectionId, sharepoint, 'values already in the file are kept');
      assert.equal(file().EnvironmentVariables[0].Value, 'https://contoso.sharepoint.com/sites/requests');

      const imported = await h.call(cli, 'pp_import_solution', {
        environment: 'Contoso Test',
        zipFile: 'bot-vars.zip',
        settingsFile: 'settings/test.json',
        waitSeconds: 60,
      });
      assert.equal(imported.isError, undefined, text(imported));
      assert.equal(org.connectionReferences.find((r) => r.connectionreferencelogicalname === SHAREPOINT)!.connectionid, sharepoint);
      assert.equal(
        org.environmentVariableValues.find((v) => v.schemaname === 'm365pnp_SiteUrl')!.value,
        'https://contoso.sharepoint.com/sites/requests',
      );

      const groups = org.connections.find((c) => c.connectorid.endsWith('shared_office365groups'))!.connectionid;
      const applied = await h.call(cli, 'pp_set_connection_variables', {
        solution: 'bot-vars.zip',
        settingsFile: 'settings/test.json',
        connectionReferences: { m365pnp_sharedoffice365groups_b1cdb: groups },
        environmentVariables: { m365pnp_MaxSites: '12' },
        environment: 'Contoso Test',
      });
      assert.equal(applied.isError, undefined, text(applied));
      const statuses = Object.fromEntries(structured(applied).applied.map((a: any) => [a.name, a.status]));
      assert.deepEqual(statuses, {
        m365pnp_sharedoffice365groups_b1cdb: 'set',
        [SHAREPOINT]: 'unchanged',
        m365pnp_SiteUrl: 'unchanged',
        m365pnp_MaxSites: 'set',
      });
      assert.equal(
        org.connectionReferences.find((r) => r.connectionreferencelogicalname === 'm365pnp_sharedoffice365groups_b1cdb')!.connectionid,
        groups,
      );
      assert.equal(org.environmentVariableValues.find((v) => v.schemaname === 'm365pnp_MaxSites')!.value, '12');
    });
  });

  it('names what the solution does not have, reports values the service refuses, and environments without the solution', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect(['--allowed-folders', work]);
      const unknown = await h.call(cli, 'pp_set_connection_variables', {
        solution: 'bot-vars.zip',
        settingsFile: 'settings/other.json',
        environmentVariables: { m365pnp_Nope: 'x' },
      });
      assert.match(
        text(unknown),
        /^environmentVariables\.m365pnp_Nope: not in solution SharePointSiteCreationBot\. Nothing was written\.\nWhat to do: It has: m365pnp_sharedoffice365groups_b1cdb, /,
      );

      const nowhere = await h.call(cli, 'pp_set_connection_variables', {
        solution: 'bot-vars.zip',
        settingsFile: 'settings/prod.json',
        environmentVariables: { m365pnp_MaxSites: '3' },
        environment: 'Contoso Production',
      });
      assert.equal(nowhere.isError, true);
      assert.match(
        text(nowhere),
        /Contoso Production: m365pnp_MaxSites: notInEnvironment \(not in the environment; import the solution first\)/,
      );

      await h.call(cli, 'pp_import_solution', { environment: 'Contoso Dev', zipFile: 'bot-vars.zip', waitSeconds: 60 });
      const wrongType = await h.call(cli, 'pp_set_connection_variables', {
        solution: 'bot-vars.zip',
        settingsFile: 'settings/dev.json',
        environmentVariables: { m365pnp_MaxSites: 'many', m365pnp_SiteUrl: 'https://contoso.sharepoint.com' },
        environment: 'Contoso Dev',
      });
      assert.equal(wrongType.isError, true);
      assert.match(
        text(wrongType),
        /m365pnp_MaxSites: failed \(The value 'many' is not valid for environment variable 'm365pnp_MaxSites'[^)]*correlation id/,
      );
      assert.match(text(wrongType), /m365pnp_SiteUrl: set/, 'one refusal does not stop the others');
    });
  });
});
