import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { text } from '../helpers';
import { environmentByName, structured, withHarness } from '../lifecycle/harness';

describe('security tools through an MCP client', () => {
  it('adds a person with a role from their business unit, once, and finds them by sign-in name afterwards', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect();
      const org = environmentByName(h.sandbox, 'Contoso Dev')!.org!;
      const megan = h.sandbox.tenant.users.find((u) => u.userPrincipalName === 'megan@contoso.sandbox')!;
      assert.ok(!org.users.some((u) => u.azureactivedirectoryobjectid === megan.objectId), 'not a user yet');
      const added = await h.call(cli, 'pp_assign_user', { environment: 'Contoso Dev', user: megan.objectId, role: 'System Customizer' });
      assert.equal(added.isError, undefined, text(added));
      assert.equal(text(added), 'megan@contoso.sandbox is a user of Contoso Dev with the role System Customizer.');
      const row = org.users.find((u) => u.azureactivedirectoryobjectid === megan.objectId)!;
      const customizer = org.roles.find((r) => r.roleid === row.roles[0])!;
      assert.deepEqual([customizer.name, customizer.businessunitid], ['System Customizer', row.businessunitid]);

      const again = await h.call(cli, 'pp_assign_user', {
        environment: 'Contoso Dev',
        user: 'megan@contoso.sandbox',
        role: 'System Customizer',
      });
      assert.equal(structured(again).alreadyAssigned, true, text(again));
      assert.equal(row.roles.length, 1);

      // A role id from another business unit is mapped to the copy in the user's unit: roles exist once per business unit.
      const salesCopy = org.roles.find((r) => r.name === 'Basic User' && r.businessunitid !== row.businessunitid)!;
      const mapped = await h.call(cli, 'pp_assign_user', { environment: 'Contoso Dev', user: megan.objectId, role: salesCopy.roleid });
      assert.equal(mapped.isError, undefined, text(mapped));
      assert.equal(org.roles.find((r) => r.roleid === row.roles[1])!.businessunitid, row.businessunitid);
    });
  });

  it('says what to do for an unknown role, an unlicensed person and a sign-in name Dataverse does not know', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect();
      const adele = h.sandbox.tenant.users.find((u) => u.userPrincipalName === 'adele@contoso.sandbox')!;
      const role = await h.call(cli, 'pp_assign_user', { environment: 'Contoso Dev', user: adele.objectId, role: 'Superhero' });
      assert.match(
        text(role),
        /^role: there is no security role "Superhero" in the business unit\. Nothing was changed\.\nWhat to do: Roles there: Basic User, Environment Maker, Sales Manager, System Administrator, System Customizer\./,
      );
      const unlicensed = h.sandbox.tenant.users.find((u) => u.licensed === false)!;
      const licence = await h.call(cli, 'pp_assign_user', { environment: 'Contoso Dev', user: unlicensed.objectId, role: 'Basic User' });
      assert.match(text(licence), /does not have a valid license[\s\S]*What to do: Assign the user a Power Apps or Dynamics 365 licence/);
      const name = await h.call(cli, 'pp_assign_user', { environment: 'Contoso Dev', user: 'nobody@contoso.sandbox', role: 'Basic User' });
      assert.match(text(name), /^user: nobody@contoso\.sandbox is not a user of Contoso Dev yet[\s\S]*Entra object id/);
      assert.ok(
        !environmentByName(h.sandbox, 'Contoso Dev')!.org!.users.some((u) => u.azureactivedirectoryobjectid === unlicensed.objectId),
      );
    });
  });

  it('gives a group a role through a group team, made once, in the business unit asked for', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect();
      const org = environmentByName(h.sandbox, 'Contoso Dev')!.org!;
      const makers = h.sandbox.tenant.groups[0]!;
      const first = await h.call(cli, 'pp_assign_group', {
        environment: 'Contoso Dev',
        group: makers.objectId,
        role: 'Environment Maker',
        businessUnit: 'Sales',
      });
      assert.equal(first.isError, undefined, text(first));
      assert.equal(text(first), 'Made the group team Contoso Makers in Contoso Dev has the role Environment Maker.');
      const team = org.teams[0]!;
      const sales = org.businessUnits.find((b) => b.name === 'Sales')!;
      assert.deepEqual([team.teamtype, team.membershiptype, team.businessunitid], [2, 0, sales.businessunitid]);
      assert.equal(org.roles.find((r) => r.roleid === team.roles[0])!.businessunitid, sales.businessunitid, 'the Sales copy of the role');
      const again = await h.call(cli, 'pp_assign_group', { environment: 'Contoso Dev', group: makers.objectId, role: 'Environment Maker' });
      assert.deepEqual([structured(again).teamCreated, structured(again).alreadyAssigned], [false, true]);
      assert.equal(org.teams.length, 1);
      const owners = await h.call(cli, 'pp_assign_group', {
        environment: 'Contoso Dev',
        group: makers.objectId,
        role: 'Basic User',
        membershipType: 'owners',
        teamName: 'Makers (owners)',
      });
      assert.equal(structured(owners).teamName, 'Makers (owners)');
      assert.equal(org.teams.length, 2);
      const unknown = await h.call(cli, 'pp_assign_group', {
        environment: 'Contoso Dev',
        group: '99999999-9999-4999-8999-999999999999',
        role: 'Basic User',
      });
      assert.match(
        text(unknown),
        /No Microsoft Entra group with object id '99999999-9999-4999-8999-999999999999' was found[\s\S]*Correlation id: /,
      );
      const invalid = await h.call(cli, 'pp_assign_group', { environment: 'Contoso Dev', group: 'Contoso Makers', role: 'Basic User' });
      assert.match(text(invalid), /- group: the Entra group object id \(a GUID\)/);
    });
  });

  it('finds a role whose name holds a quote and an ampersand, which the query must carry whole', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect();
      const org = environmentByName(h.sandbox, 'Contoso Dev')!.org!;
      const name = "Partner's R&D Lead";
      const root = randomUUID();
      for (const [index, unit] of org.businessUnits.entries())
        org.roles.push({ roleid: index === 0 ? root : randomUUID(), name, businessunitid: unit.businessunitid, parentrootroleid: root });
      const megan = h.sandbox.tenant.users.find((u) => u.userPrincipalName === 'megan@contoso.sandbox')!;
      const added = await h.call(cli, 'pp_assign_user', { environment: 'Contoso Dev', user: megan.objectId, role: name });
      assert.equal(added.isError, undefined, text(added));
      const row = org.users.find((u) => u.azureactivedirectoryobjectid === megan.objectId)!;
      assert.equal(org.roles.find((r) => r.roleid === row.roles[0])!.name, name);
    });
  });
});
