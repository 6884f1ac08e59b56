import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { applyOperation } from '../../src/operations/cacheUpdates';
import type { OperationKind, OperationRecord } from '../../src/operations/record';
import { solution } from '../../src/sandbox/state';
import { text } from '../helpers';
import { DEV, TEST, sandboxEnvironment, startCacheHost, type CacheHost } from './cacheHost';

function ok(result: Awaited<ReturnType<CacheHost['call']>>): Record<string, any> {
  assert.equal(result.isError, undefined, text(result));
  return result.structuredContent as Record<string, any>;
}

/** Exports a solution of Contoso Dev and returns the version the export reports. */
async function exportedVersion(host: CacheHost, name: string): Promise<string> {
  const exported = ok(
    await host.call('pp_export_solution', {
      environment: 'Contoso Dev',
      solution: name,
      zipFile: `${name}-${Date.now()}.zip`,
      waitSeconds: 60,
    }),
  );
  assert.equal(exported.state, 'succeeded', JSON.stringify(exported));
  return exported.result.version;
}

function devSolutions(host: CacheHost) {
  return sandboxEnvironment(host.sandbox, 'Contoso Dev').org!.solutions;
}

describe("each org's solutions are kept for lookups by unique name", () => {
  let host: CacheHost;
  beforeEach(async () => {
    host = await startCacheHost();
    ok(await host.call('pp_list_solutions', { environment: 'Contoso Dev' }));
  });
  afterEach(() => host.close());

  it('a solution named after a list is found without reading the solutions again', async () => {
    host.mark();
    assert.equal(await exportedVersion(host, 'ContosoCore'), '1.2.0.0');
    assert.equal(host.solutionLists(), 0);
  });

  it('pp_list_solutions reads anew every time', async () => {
    devSolutions(host).push(solution('MadeElsewhere', '1.0.0.0', false));
    host.mark();
    const listed = ok(await host.call('pp_list_solutions', { environment: 'Contoso Dev' }));
    assert.ok(listed.solutions.some((s: { uniqueName: string }) => s.uniqueName === 'MadeElsewhere'));
    assert.equal(host.solutionLists(), 1);
  });

  it('a name the kept list does not have is looked for once in a fresh list', async () => {
    devSolutions(host).push(solution('MadeElsewhere', '1.0.0.0', false));
    host.mark();
    assert.equal(await exportedVersion(host, 'MadeElsewhere'), '1.0.0.0');
    assert.equal(host.solutionLists(), 1);
    host.mark();
    const missing = await host.call('pp_export_solution', { environment: 'Contoso Dev', solution: 'NotThere', zipFile: 'none.zip' });
    assert.match(text(missing), /No solution with unique name "NotThere" is installed in Contoso Dev/);
    assert.equal(host.solutionLists(), 1, 'one fresh list, not more');
  });

  it("someone else's version change shows once the lifetime has passed", async () => {
    devSolutions(host).find((s) => s.uniquename === 'ContosoCore')!.version = '7.0.0.0';
    host.advance(60);
    assert.equal(await exportedVersion(host, 'ContosoCore'), '1.2.0.0', 'within its lifetime the kept list answers');
    host.advance(61);
    assert.equal(await exportedVersion(host, 'ContosoCore'), '7.0.0.0');
  });

  it('our own version change shows at once', async () => {
    ok(await host.call('pp_set_solution_version', { environment: 'Contoso Dev', solution: 'ContosoCore', version: '1.3.0.0' }));
    assert.equal(await exportedVersion(host, 'ContosoCore'), '1.3.0.0');
  });

  it('a solution we deleted is not found any more', async () => {
    const deleted = ok(
      await host.call('pp_delete_solution', {
        environment: 'Contoso Dev',
        solution: 'ContosoPortal',
        confirm: 'ContosoPortal',
        waitSeconds: 60,
      }),
    );
    assert.equal(deleted.state, 'succeeded', JSON.stringify(deleted));
    const again = await host.call('pp_export_solution', { environment: 'Contoso Dev', solution: 'ContosoPortal', zipFile: 'portal.zip' });
    assert.match(text(again), /No solution with unique name "ContosoPortal" is installed in Contoso Dev/);
  });

  it('our own import shows at once', async () => {
    ok(await host.call('pp_list_solutions', { environment: 'Contoso Test' }));
    const exported = ok(
      await host.call('pp_export_solution', {
        environment: 'Contoso Dev',
        solution: 'ContosoCore',
        zipFile: 'core.zip',
        managed: true,
        waitSeconds: 60,
      }),
    );
    assert.equal(exported.state, 'succeeded', JSON.stringify(exported));
    const imported = ok(await host.call('pp_import_solution', { environment: 'Contoso Test', zipFile: 'core.zip', waitSeconds: 60 }));
    assert.equal(imported.state, 'succeeded', JSON.stringify(imported));
    const { row } = await host.services.solutionLists.find(
      host.services.dataverse(`${host.sandbox.url}/orgs/contoso-test`),
      TEST,
      'ContosoCore',
      60_000,
    );
    assert.equal(row?.version, '1.2.0.0');
  });
});

describe('operations that change solutions drop the kept list of their org when they end', () => {
  let host: CacheHost;
  beforeEach(async () => {
    host = await startCacheHost();
  });
  afterEach(() => host.close());

  const record = (kind: OperationKind, state: OperationRecord['state'], environmentId?: string, instanceUrl?: string): OperationRecord => ({
    id: `${kind}-${state}`,
    kind,
    title: kind,
    environment: { id: environmentId, displayName: 'Contoso Dev' },
    state,
    details: instanceUrl ? { instanceUrl } : undefined,
    createdAt: new Date().toISOString(),
    updatedAt: new Date().toISOString(),
  });

  /** Whether the kept list of Contoso Dev survives the record. */
  async function keptAfter(change: OperationRecord): Promise<boolean> {
    const dataverse = host.services.dataverse(`${host.sandbox.url}/orgs/contoso-dev`);
    await host.services.solutionLists.refresh(dataverse, DEV);
    applyOperation(change, host.services);
    host.mark();
    await host.services.solutionLists.find(dataverse, DEV, 'ContosoCore', 60_000);
    return host.solutionLists() === 0;
  }

  it('imports, upgrades, deletes, application and catalog installs, restores, copies and resets, by environment id', async () => {
    const kinds: OperationKind[] = [
      'import_solution',
      'apply_solution_upgrade',
      'delete_solution',
      'install_application',
      'catalog_install',
      'restore_environment',
      'copy_environment',
      'reset_environment',
    ];
    for (const kind of kinds) assert.equal(await keptAfter(record(kind, 'succeeded', DEV)), false, kind);
  });

  it('a solution job on an org given by URL, by that URL', async () => {
    assert.equal(await keptAfter(record('import_solution', 'failed', undefined, `${host.sandbox.url}/orgs/contoso-dev`)), false);
  });

  it('not while they run, nor for exports, nor for another environment', async () => {
    assert.equal(await keptAfter(record('import_solution', 'running', DEV)), true);
    assert.equal(await keptAfter(record('export_solution', 'succeeded', DEV)), true);
    assert.equal(await keptAfter(record('import_solution', 'succeeded', TEST, `${host.sandbox.url}/orgs/contoso-test`)), true);
  });
});
