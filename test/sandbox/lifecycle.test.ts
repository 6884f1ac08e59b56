import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PlatformError } from '../../src/platform/errors';
import type { HttpRequest } from '../../src/platform/http';
import { eventually, sandboxServices, withSandbox } from '../helpers';

const BAP = '/providers/Microsoft.BusinessAppPlatform';

const TEST_ENV = '000000e0-0000-4000-8000-000000000003';

/** The emulator's contract, straight over HTTP: the documented behaviours our tools rely on. */
describe('sandbox lifecycle emulation', () => {
  it('creates without Dataverse when databaseType is missing, even with linkedEnvironmentMetadata', async () => {
    await withSandbox({ timeScale: 0.001 }, async (sandbox) => {
      const services = sandboxServices(sandbox);
      const bap = (request: Omit<HttpRequest, 'service' | 'resource'>) =>
        services.http.send({ service: 'bap', resource: services.endpoints.bapResource, ...request });
      const accepted = await bap({
        method: 'POST',
        url: `${sandbox.url}${BAP}/environments?api-version=2023-06-01`,
        body: {
          location: 'europe',
          properties: { displayName: 'No DB', environmentSku: 'Sandbox', linkedEnvironmentMetadata: { domainName: 'no-db' } },
        },
      });
      assert.equal(accepted.status, 202);
      assert.match(accepted.headers.get('location')!, /\/lifecycleOperations\/[0-9a-f-]{36}\?api-version=2023-06-01$/);
      assert.ok(accepted.headers.get('retry-after'));
      const status = await eventually(
        () => bap({ method: 'GET', url: accepted.headers.get('location')! }),
        // Queued (NotStarted) first, then Running: wait for the end.
        (answer) => !['NotStarted', 'Running'].includes((answer.body as any).state.id),
      );
      assert.equal((status.body as any).state.id, 'Succeeded');
      const env = [...sandbox.tenant.environments.values()].find((e) => e.record.properties?.displayName === 'No DB')!;
      assert.equal(env.record.properties?.databaseType, 'None');
      assert.equal(env.record.properties?.linkedEnvironmentMetadata, undefined);
      await services.close();
    });
  });

  it('delete needs its reason body, answers 409 while busy, and its operation is 404 once the environment is gone', async () => {
    // 0.05: the delete runs about 4 s, long enough for the second request to find it busy on a loaded machine.
    await withSandbox({ timeScale: 0.05 }, async (sandbox) => {
      const services = sandboxServices(sandbox);
      const url = `${sandbox.url}${BAP}/scopes/admin/environments/${TEST_ENV}?api-version=2023-06-01`;
      const send = (request: Omit<HttpRequest, 'service' | 'resource'>) =>
        services.http.send({ service: 'bap', resource: services.endpoints.bapResource, ...request });
      await assert.rejects(
        send({ method: 'DELETE', url }),
        (e: PlatformError) => e.status === 400 && e.code === 'InvalidOrMissingDeleteCode',
      );
      const accepted = await send({ method: 'DELETE', url, body: { code: '7', message: 'test' } });
      assert.equal(accepted.status, 202);
      await assert.rejects(
        send({ method: 'DELETE', url, body: { code: '7', message: 'again' } }),
        (e: PlatformError) => e.status === 409 && e.code === 'OperationNotStartable',
      );
      const gone = await eventually(
        () => send({ method: 'GET', url: accepted.headers.get('location')! }).catch((e: unknown) => e),
        (answer) => answer instanceof PlatformError,
      );
      assert.ok(gone instanceof PlatformError && gone.status === 404, `the operation is 404 once the environment is gone: ${String(gone)}`);
      assert.equal(sandbox.tenant.environments.has(TEST_ENV), false);
      await services.close();
    });
  });

  it('copy refuses the legacy MinimalCopy value with a suggested value, and production targets', async () => {
    await withSandbox({}, async (sandbox) => {
      const services = sandboxServices(sandbox);
      const legacy = await services.powerPlatform
        .copy(TEST_ENV, { sourceEnvironmentId: '000000e0-0000-4000-8000-000000000002', copyType: 'MinimalCopy' as never })
        .catch((e) => e);
      assert.ok(legacy instanceof PlatformError);
      assert.equal(legacy.status, 400);
      assert.match(legacy.message, /copyType: 'MinimalCopy' is not a copy type\. Use Minimal or Full\. \(suggested value: Minimal\)/);
      const production = await services.powerPlatform
        .copy('000000e0-0000-4000-8000-000000000004', { sourceEnvironmentId: TEST_ENV, copyType: 'Full' })
        .catch((e) => e);
      assert.match(production.message, /targetEnvironmentId: The target environment must be a Sandbox environment/);
      await services.close();
    });
  });
});
