import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { text } from '../helpers';
import { environmentByName, structured, withHarness } from '../lifecycle/harness';

describe('governance tools through an MCP client', () => {
  it('makes an environment managed with settings sent as strings, updates one setting keeping the rest, and turns it off', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect();
      const governance = () => environmentByName(h.sandbox, 'Contoso Dev')!.record.properties.governanceConfiguration;
      const enabled = await h.call(cli, 'pp_set_governance_config', {
        environment: 'Contoso Dev',
        settings: {
          solutionCheckerMode: 'block',
          solutionCheckerRuleOverrides: ['meta-remove-dup-reg', 'meta-avoid-reg-no-attribute'],
          isGroupSharingDisabled: true,
          maxLimitUserSharing: 10,
        },
        waitSeconds: 60,
      });
      assert.equal(enabled.isError, undefined, text(enabled));
      assert.match(text(enabled), /Set managed environment on Contoso Dev: succeeded[\s\S]*protection level Standard/);
      assert.equal(governance().protectionLevel, 'Standard');
      assert.equal(governance().settings.extendedSettings.maxLimitUserSharing, '10');
      assert.equal(governance().settings.extendedSettings.solutionCheckerRuleOverrides, 'meta-remove-dup-reg,meta-avoid-reg-no-attribute');
      assert.ok(Object.values(governance().settings.extendedSettings).every((v) => typeof v === 'string'));

      const updated = await h.call(cli, 'pp_set_governance_config', {
        environment: 'Contoso Dev',
        settings: { solutionCheckerMode: 'warn' },
        waitSeconds: 60,
      });
      assert.equal(updated.isError, undefined, text(updated));
      assert.equal(governance().settings.extendedSettings.solutionCheckerMode, 'warn');
      assert.equal(governance().settings.extendedSettings.maxLimitUserSharing, '10', 'settings not given keep their values');

      const off = await h.call(cli, 'pp_set_governance_config', { environment: 'Contoso Dev', managed: false, waitSeconds: 60 });
      assert.equal(off.isError, undefined, text(off));
      assert.equal(governance().protectionLevel, 'Basic');
    });
  });

  it('reports a change the service fails, with its error', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect();
      h.sandbox.lifecycle.failNext('EnableGovernanceConfiguration', {
        code: 'ManagedEnvironmentLicenseRequired',
        message: 'Managed Environments need Premium licences for the environment users.',
      });
      const failed = await h.call(cli, 'pp_set_governance_config', { environment: 'Contoso Test', waitSeconds: 60 });
      assert.equal(failed.isError, true);
      assert.equal(structured(failed).state, 'failed');
      assert.match(text(failed), /Error \(ManagedEnvironmentLicenseRequired\): Managed Environments need Premium licences/);
      assert.equal(
        environmentByName(h.sandbox, 'Contoso Test')!.record.properties.governanceConfiguration.protectionLevel,
        'Basic',
        'nothing changed',
      );
    });
  });

  it('refuses a sharing limit while group sharing is on, naming the field, and an environment without Dataverse', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect();
      const limit = await h.call(cli, 'pp_set_governance_config', { environment: 'Contoso Test', settings: { maxLimitUserSharing: 5 } });
      assert.match(text(limit), /^settings\.maxLimitUserSharing: a sharing limit needs isGroupSharingDisabled true/);
      const typo = await h.call(cli, 'pp_set_governance_config', {
        environment: 'Contoso Test',
        settings: { solutionCheckerMode: 'strict' },
      });
      assert.match(text(typo), /settings\.solutionCheckerMode: "strict" is not allowed\. Allowed values: "none", "warn", "block"\./);
      const noDataverse = await h.call(cli, 'pp_set_governance_config', { environment: 'Field Trial' });
      assert.match(text(noDataverse), /Field Trial has no Dataverse database\. Nothing was changed\./);
      assert.ok(!h.sandbox.requests.some((r) => r.path.endsWith('/governanceConfiguration')), 'nothing was sent');
    });
  });

  it('updates organization columns and setting definitions, checked by name and type first', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect();
      const org = environmentByName(h.sandbox, 'Contoso Dev')!.org!;
      const updated = await h.call(cli, 'pp_update_org_settings', {
        environment: 'Contoso Dev',
        settings: {
          isauditenabled: true,
          maxuploadfilesize: 10485760,
          blockedattachments: 'exe;js',
          contoso_EnableInspectionReminders: false,
        },
      });
      assert.equal(updated.isError, undefined, text(updated));
      assert.match(
        text(updated),
        /- isauditenabled: false → true\n- maxuploadfilesize: 5242880 → 10485760\n- blockedattachments: "bat;cmd;exe;js;vbs" → "exe;js"\n- contoso_EnableInspectionReminders: "true" → "false"/,
      );
      assert.equal(org.organizationSettings.isauditenabled, true);
      assert.equal(org.settingValues.contoso_EnableInspectionReminders, 'false');

      const before = { ...org.organizationSettings };
      const wrong = await h.call(cli, 'pp_update_org_settings', {
        environment: 'Contoso Dev',
        settings: {
          isauditenabled: 'yes',
          maxuploadfilesize: 1.5,
          isaudittenabled: true,
          organizationid: '00000000-0000-0000-0000-000000000000',
        },
      });
      assert.equal(wrong.isError, true);
      assert.match(text(wrong), /settings\.isauditenabled: must be true or false/);
      assert.match(text(wrong), /settings\.maxuploadfilesize: must be a whole number/);
      assert.match(
        text(wrong),
        /settings\.isaudittenabled: not a column of the organization table nor a setting of this environment \(similar: [^)]*isauditenabled/,
      );
      assert.match(text(wrong), /settings\.organizationid: this column cannot be changed/);
      assert.match(text(wrong), /Nothing was changed\./);
      assert.deepEqual(org.organizationSettings, before);
      assert.equal(structured(updated).changes.length, 4);
    });
  });
});
