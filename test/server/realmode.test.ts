import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectCli, text, withSandbox } from '../helpers';

describe('standalone server against the configured cloud (no --sandbox)', () => {
  it('still lists its tools without credentials, and says exactly what is missing when called', async () => {
    const { client, close } = await connectCli([]);
    try {
      assert.ok((await client.listTools()).tools.length >= 3);
      const result = await client.callTool({ name: 'pp_whoami', arguments: { environment: 'https://contoso.crm.dynamics.com' } });
      assert.equal(result.isError, true);
      assert.match(
        text(result),
        /No Power Platform credentials are configured\. Set POWERPLATFORM_TENANT_ID, POWERPLATFORM_APPLICATION_ID and POWERPLATFORM_CLIENT_SECRET/,
      );
      assert.match(text(result), /--sandbox/);
    } finally {
      await close();
    }
  });

  it('signs in with a client secret through MSAL, trusting a private CA given to Node (NODE_EXTRA_CA_CERTS), without logging secrets', async () => {
    await withSandbox({}, async (sandbox) => {
      const env = sandbox.env();
      const { client, close, stderr } = await connectCli(['--log-level', 'debug'], env);
      try {
        const result = await client.callTool({ name: 'pp_whoami', arguments: { environment: 'Contoso Test' } });
        assert.equal(result.isError, undefined, text(result));
        assert.equal((result.structuredContent as { environmentName: string }).environmentName, 'Contoso Test');
        assert.match(stderr(), /GET https:\/\/127\.0\.0\.1:\d+\/orgs\/contoso-test\/api\/data\/v9\.2\/WhoAmI -> 200/);
        assert.ok(!stderr().includes(env.POWERPLATFORM_CLIENT_SECRET!), 'the client secret reached the log');
        assert.doesNotMatch(stderr(), /eyJ[A-Za-z0-9_-]{10,}\./, 'a token reached the log');
      } finally {
        await close();
      }
    });
  });

  it('rides out throttling, unavailability and a connection reset, and the tool still answers', async () => {
    await withSandbox(
      {
        faults: [
          { kind: 'throttle', path: '/scopes/admin/environments', times: 2, retryAfterSeconds: 1 },
          { kind: 'unavailable', path: '/WhoAmI', times: 1 },
          { kind: 'reset', path: '/RetrieveVersion', times: 1 },
        ],
      },
      async (sandbox) => {
        const { client, close } = await connectCli([], sandbox.env());
        try {
          const started = Date.now();
          const result = await client.callTool({ name: 'pp_whoami', arguments: { environment: 'Contoso Dev' } });
          assert.equal(result.isError, undefined, text(result));
          assert.ok(Date.now() - started >= 2000, 'Retry-After: 1 was honoured twice');
          const statuses = sandbox.requests
            .filter((r) => !r.path.includes('oauth2') && !r.path.includes('well-known'))
            .map((r) => `${r.status} ${r.path.split('/').pop()}`);
          assert.deepEqual(statuses.slice(0, 4), ['429 environments', '429 environments', '200 environments', '503 WhoAmI']);
          assert.ok(statuses.includes('0 RetrieveVersion()') && statuses.includes('200 RetrieveVersion()'));
        } finally {
          await close();
        }
      },
    );
  });

  it('reports a service refusal with its code, correlation id and what to do', async () => {
    await withSandbox({}, async (sandbox) => {
      const org = sandbox.tenant.environments.get('000000e0-0000-4000-8000-000000000003')!.org!;
      org.users = org.users.filter((u) => !u.applicationid); // the app is no longer an application user there
      const { client, close } = await connectCli([], sandbox.env());
      try {
        const result = await client.callTool({ name: 'pp_whoami', arguments: { environment: 'Contoso Test' } });
        assert.equal(result.isError, true);
        assert.match(
          text(result),
          /^Dataverse error \(HTTP 403, 0x80072560\): The user is not a member of the organization\.\nHelp: http:\/\/go\.microsoft\.com\/fwlink\/\S+\nCorrelation id: [0-9a-f-]{36}\nWhat to do: .*application user/,
        );
      } finally {
        await close();
      }
    });
  });

  it('follows next links when the environment list is paged', async () => {
    await withSandbox({ bapPageSize: 2 }, async (sandbox) => {
      const { client, close } = await connectCli([], sandbox.env());
      try {
        const result = await client.callTool({ name: 'pp_list_environments', arguments: {} });
        assert.equal((result.structuredContent as { matched: number }).matched, 5);
        assert.equal(sandbox.requests.filter((r) => r.path.endsWith('/environments')).length, 3);
      } finally {
        await close();
      }
    });
  });
});
