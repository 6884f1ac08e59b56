import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { text } from '../helpers';
import { environmentByName, structured, withHarness } from '../lifecycle/harness';

describe('pp_install_application through an MCP client', () => {
  it('lists packages, installs one by display name as an operation, and does not install it twice', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect();
      const listed = await h.call(cli, 'pp_install_application', { environment: 'Contoso Dev' });
      assert.equal(listed.isError, undefined, text(listed));
      assert.deepEqual(
        structured(listed).packages.map((p: { uniqueName: string; state: string }) => [p.uniqueName, p.state]),
        [
          ['ContosoFieldInspections', 'None'],
          ['contoso_ExpensePortalAnchor', 'None'],
        ],
      );

      const progress: number[] = [];
      const installed = await h.call(
        cli,
        'pp_install_application',
        { environment: 'Contoso Dev', application: 'Contoso Field Inspections', waitSeconds: 60 },
        { onprogress: (p) => void progress.push(p.progress) },
      );
      assert.equal(installed.isError, undefined, text(installed));
      assert.equal(structured(installed).state, 'succeeded');
      assert.equal(structured(installed).result.application, 'ContosoFieldInspections');
      assert.equal(environmentByName(h.sandbox, 'Contoso Dev')!.applicationStates.ContosoFieldInspections, 'Installed');
      assert.ok(progress.length > 0);

      const again = await h.call(cli, 'pp_install_application', { environment: 'Contoso Dev', application: 'contosofieldinspections' });
      assert.match(text(again), /is already installed in Contoso Dev; nothing was done/);
      assert.equal(h.sandbox.requests.filter((r) => r.path.endsWith('/install')).length, 1);
    });
  });

  it('reports a failed install with the service message, an unknown package, and an environment without Dataverse', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect();
      h.sandbox.lifecycle.failNext('InstallApplication', {
        code: 'InstallFailed',
        message: 'Package contoso_ExpensePortalAnchor needs Contoso Expenses installed first.',
      });
      const failed = await h.call(cli, 'pp_install_application', {
        environment: 'Contoso Test',
        application: 'contoso_ExpensePortalAnchor',
        waitSeconds: 60,
      });
      assert.equal(failed.isError, true);
      assert.equal(structured(failed).state, 'failed');
      assert.match(text(failed), /Error \(InstallFailed\): Package contoso_ExpensePortalAnchor needs Contoso Expenses installed first\./);
      assert.equal(environmentByName(h.sandbox, 'Contoso Test')!.applicationStates.contoso_ExpensePortalAnchor, 'InstallFailed');

      const unknown = await h.call(cli, 'pp_install_application', { environment: 'Contoso Test', application: 'Field Service' });
      assert.match(
        text(unknown),
        /^application: no package "Field Service" is available for Contoso Test\. Nothing was installed\.\nWhat to do: Available: ContosoFieldInspections \(Contoso Field Inspections\), contoso_ExpensePortalAnchor \(Contoso Expense Portal Anchor\)\./,
      );
      const noDataverse = await h.call(cli, 'pp_install_application', {
        environment: 'Field Trial',
        application: 'ContosoFieldInspections',
      });
      assert.match(text(noDataverse), /Field Trial has no Dataverse database/);
    });
  });
});
