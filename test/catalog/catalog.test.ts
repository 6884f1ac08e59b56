import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { text } from '../helpers';
import { environmentByName, structured, withHarness } from '../lifecycle/harness';

const CATALOG = 'Contoso (default)';

describe('catalog tools through an MCP client', () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'power-agent-catalog-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('lists items, installs one into an environment as an operation, reports a failed install, and refuses unknown items and versions', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect(['--allowed-folders', work]);
      const listed = await h.call(cli, 'pp_catalog_status', { catalog: CATALOG });
      assert.deepEqual(
        structured(listed).items.map((i: any) => [i.tpsid, i.version]),
        [
          ['ContosoConferencesCustomConnector', '2.0.0.0'],
          ['ContosoExpenseTemplate', '1.3.0.0'],
          ['ContosoPortalExtensions', '1.0.0.0'],
        ],
      );

      const installed = await h.call(cli, 'pp_install_catalog', {
        catalog: CATALOG,
        item: 'Expense app template',
        targetEnvironment: 'Contoso Test',
        settings: { region: 'emea' },
        waitSeconds: 60,
      });
      assert.equal(installed.isError, undefined, text(installed));
      assert.equal(structured(installed).state, 'succeeded');
      assert.ok(
        environmentByName(h.sandbox, 'Contoso Test')!.org!.solutions.some(
          (s) => s.uniquename === 'ContosoExpenses' && s.version === '1.3.0.0',
        ),
      );

      const failed = await h.call(cli, 'pp_install_catalog', {
        catalog: CATALOG,
        item: 'ContosoPortalExtensions',
        targetEnvironment: 'Contoso Test',
        waitSeconds: 60,
      });
      assert.equal(failed.isError, true);
      assert.equal(structured(failed).state, 'failed');
      assert.match(
        text(failed),
        /Error \(InstallFailed\): Deployment of ContosoPortalExtensions failed: solution ContosoPortal is required in the target environment/,
      );

      const pinned = await h.call(cli, 'pp_install_catalog', {
        catalog: CATALOG,
        item: 'ContosoExpenseTemplate',
        version: '9.9.0.0',
        targetEnvironment: 'Contoso Test',
      });
      assert.match(text(pinned), /Version 9\.9\.0\.0 of ContosoExpenseTemplate is not in the catalog; the catalog has 1\.3\.0\.0/);
      const unknown = await h.call(cli, 'pp_install_catalog', { catalog: CATALOG, item: 'Nope', targetEnvironment: 'Contoso Test' });
      assert.match(
        text(unknown),
        /^item: no catalog item "Nope" is in the catalog of Contoso \(default\)\. Nothing was installed\.\nWhat to do: Items: ContosoConferencesCustomConnector/,
      );
      const noCatalog = await h.call(cli, 'pp_catalog_status', { catalog: 'Contoso Dev' });
      assert.match(text(noCatalog), /The catalog is not installed in this environment/);
    });
  });

  it('submits an item and follows the request to completion, and refuses an incomplete submission', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect(['--allowed-folders', work]);
      const submission = {
        modelVersion: '1.0.0.0',
        operation: 'CreateOrUpdate',
        sourcePortal: 526430005,
        businessJustification: 'Shared forms',
        publisherDetails: { publisherId: 'ContosoPublisher', publisherDisplayName: 'Contoso' },
        catalogItemDefinition: {
          id: 'ContosoForms',
          displayName: 'Contoso forms',
          description: 'Forms',
          offer: { type: 'Component_Collection', deploymentType: 'Normal' },
          packageFile: { name: 'ContosoForms.zip', filesaslink: 'https://contoso.blob.core.windows.net/packages/ContosoForms.zip?sig=x' },
        },
      };
      writeFileSync(join(work, 'submission.json'), JSON.stringify(submission));
      const submitted = await h.call(cli, 'pp_submit_catalog', { catalog: CATALOG, submissionFile: 'submission.json', waitSeconds: 60 });
      assert.equal(submitted.isError, undefined, text(submitted));
      assert.equal(structured(submitted).state, 'succeeded');
      assert.ok(structured(submitted).result.applicationId);
      const listed = await h.call(cli, 'pp_catalog_status', { catalog: CATALOG, nameContains: 'forms' });
      assert.deepEqual(
        structured(listed).items.map((i: any) => i.tpsid),
        ['ContosoForms'],
      );

      writeFileSync(
        join(work, 'incomplete.json'),
        JSON.stringify({ ...submission, catalogItemDefinition: { ...submission.catalogItemDefinition, packageFile: { name: 'x.zip' } } }),
      );
      const incomplete = await h.call(cli, 'pp_submit_catalog', { catalog: CATALOG, submissionFile: 'incomplete.json' });
      assert.match(
        text(incomplete),
        /^submissionFile: incomplete\.json lacks catalogItemDefinition\.packageFile\.filesaslink\. Nothing was submitted\./,
      );
    });
  });
});
