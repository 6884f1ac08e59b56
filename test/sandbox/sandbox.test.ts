import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Agent, fetch } from 'undici';
import { withSandbox } from '../helpers';

describe('sandbox behaves like the services it stands in for', () => {
  it('refuses requests without a valid token for the right audience, as BAP and Dataverse do', async () => {
    await withSandbox({}, async (sandbox) => {
      const dispatcher = new Agent({ connect: { ca: sandbox.certificatePem } });
      const get = (path: string, token?: string) =>
        fetch(`${sandbox.url}${path}`, { dispatcher, headers: token ? { authorization: `Bearer ${token}` } : {} });
      const token = async (scope: string, secret = sandbox.clientSecret) => {
        const res = await fetch(`${sandbox.url}/${sandbox.tenantId}/oauth2/v2.0/token`, {
          dispatcher,
          method: 'POST',
          body: new URLSearchParams({ grant_type: 'client_credentials', client_id: sandbox.clientId, client_secret: secret, scope }),
        });
        return { status: res.status, body: (await res.json()) as Record<string, string> };
      };
      const list = '/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2023-06-01';
      assert.equal((await get(list)).status, 401);
      const dataverseToken = (await token(`${sandbox.url}/orgs/contoso-dev/.default`)).body.access_token!;
      assert.equal((await get(list, dataverseToken)).status, 401, 'a Dataverse token is not a BAP token');
      const bapToken = (await token('https://service.powerapps.com//.default')).body.access_token!;
      assert.equal((await get(list, bapToken)).status, 200);
      assert.equal((await get(list.replace('2023-06-01', '1999-01-01'), bapToken)).status, 400);
      assert.equal((await get('/orgs/contoso-test/api/data/v9.2/WhoAmI', dataverseToken)).status, 401, 'tokens are per org');

      const refused = await token('https://service.powerapps.com/.default', 'wrong');
      assert.equal(refused.status, 401);
      assert.match(refused.body.error_description!, /^AADSTS7000215/);

      sandbox.tenant.apps[0]!.managementApp = false;
      const forbidden = await get(list, bapToken);
      assert.equal(forbidden.status, 403);
      assert.match(((await forbidden.json()) as any).error.message, /does not have permission to access the path/);
      await dispatcher.close();
    });
  });
});
