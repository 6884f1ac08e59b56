import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sandboxServices, withSandbox } from '../helpers';

describe('a big sandbox tenant', () => {
  it('adds environments without Dataverse after the seeded ones, paged like the rest', async () => {
    await withSandbox({ extraEnvironments: 250, bapPageSize: 100 }, async (sandbox) => {
      const services = sandboxServices(sandbox);
      try {
        const from = sandbox.requests.length;
        const environments = await services.bap.listEnvironments();
        const pages = sandbox.requests.slice(from).filter((r) => r.path.endsWith('/scopes/admin/environments'));
        assert.equal(environments.length, 255);
        assert.equal(pages.length, 3);
        assert.equal(new Set(environments.map((e) => e.name)).size, 255, 'every id is different');
        const bulk = environments.filter((e) => e.properties?.displayName?.startsWith('Bulk '));
        assert.equal(bulk.length, 250);
        assert.ok(bulk.every((e) => e.properties?.databaseType === 'None' && !e.properties.linkedEnvironmentMetadata));
        assert.equal(bulk.at(-1)!.properties?.displayName, 'Bulk 00250');
        assert.equal((await services.bap.getEnvironment(bulk.at(-1)!.name)).properties?.displayName, 'Bulk 00250');
      } finally {
        await services.close();
      }
    });
  });
});
