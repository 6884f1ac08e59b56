import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Sandbox } from '../../src/sandbox/server';
import { allTools } from '../../src/tools';
import { invokeTool } from '../../src/tools/invoke';
import type { TrackerOptions } from '../../src/operations/tracker';
import type { RetryPolicy } from '../../src/platform/http';
import { invokeOptions, sandboxServices, text, withSandbox } from '../helpers';

/** Calls tools in-process against the sandbox, with fast polls and short windows. */
function caller(sandbox: Sandbox, folder: string, tracker: Partial<TrackerOptions> = {}, retry: Partial<RetryPolicy> = {}) {
  const services = sandboxServices(sandbox, {}, { retry: { baseDelayMs: 10, maxDelayMs: 50, ...retry } });
  const options = invokeOptions(services, { allowedFolders: [folder] }, { defaultPollIntervalMs: 20, ...tracker });
  const call = (name: string, args: Record<string, unknown>) =>
    invokeTool(
      allTools.find((t) => t.name === name)!,
      args,
      { signal: AbortSignal.timeout(60_000) },
      options,
    );
  return { call, operations: options.operations, close: () => (options.operations.close(), services.close()) };
}

const structured = (result: CallToolResult) => result.structuredContent as Record<string, any>;
const orgOf = (sandbox: Sandbox, domain: string) =>
  [...sandbox.tenant.environments.values()].find((e) => e.org?.url.endsWith(`/orgs/${domain}`))!.org!;
const started = (sandbox: Sandbox, path: string) => sandbox.requests.filter((r) => r.method === 'POST' && r.path.endsWith(path)).length;

describe('a start whose answer was lost is found in the service, never sent again', () => {
  let folder: string;
  before(() => (folder = mkdtempSync(join(tmpdir(), 'power-agent-lost-'))));
  after(() => rmSync(folder, { recursive: true, force: true }));

  it('an import is found through its async job and import job, and followed to its end', async () => {
    await withSandbox({ timeScale: 0.01 }, async (sandbox) => {
      const { call, close } = caller(sandbox, folder);
      try {
        const zip = join(folder, 'core.zip');
        const exported = await call('pp_export_solution', {
          environment: 'Contoso Dev',
          solution: 'ContosoCore',
          zipFile: zip,
          waitSeconds: 60,
        });
        assert.equal(structured(exported).state, 'succeeded', text(exported));
        sandbox.faults.add({ kind: 'lost', path: '/ImportSolutionAsync', times: 1 });
        const imported = await call('pp_import_solution', { environment: 'Contoso (default)', zipFile: zip, waitSeconds: 60 });
        assert.equal(structured(imported).state, 'succeeded', text(imported));
        assert.equal(structured(imported).result.solution.uniqueName, 'ContosoCore');
        assert.equal(started(sandbox, '/ImportSolutionAsync'), 1, 'sent once');
        assert.equal(sandbox.solutions.jobs(orgOf(sandbox, 'contoso')).importJobs.size, 1);
      } finally {
        await close();
      }
    });
  });

  it('an export is found through its async job; without the file name it ends failed, saying to export again', async () => {
    await withSandbox({ timeScale: 0.01 }, async (sandbox) => {
      const { call, close } = caller(sandbox, folder);
      try {
        sandbox.faults.add({ kind: 'lost', path: '/ExportSolutionAsync', times: 1 });
        const result = await call('pp_export_solution', {
          environment: 'Contoso Dev',
          solution: 'ContosoCore',
          zipFile: join(folder, 'lost.zip'),
          waitSeconds: 60,
        });
        assert.equal(structured(result).state, 'failed', text(result));
        assert.equal(structured(result).error.code, 'ExportFileUnavailable');
        assert.ok(structured(result).serviceOperationId, 'the job it followed is named');
        assert.equal(started(sandbox, '/ExportSolutionAsync'), 1);
      } finally {
        await close();
      }
    });
  });

  it('a create is found by its name and followed until the environment is ready', async () => {
    await withSandbox({ timeScale: 0.01 }, async (sandbox) => {
      const { call, close } = caller(sandbox, folder);
      try {
        sandbox.faults.add({ kind: 'lost', method: 'POST', path: '/scopes/admin/environments', times: 1 });
        const result = await call('pp_create_environment', { displayName: 'Contoso Lost Answer', waitSeconds: 60 });
        assert.equal(structured(result).state, 'succeeded', text(result));
        assert.ok(structured(result).result.environment.url);
        assert.equal(
          [...sandbox.tenant.environments.values()].filter((e) => e.record.properties?.displayName === 'Contoso Lost Answer').length,
          1,
        );
      } finally {
        await close();
      }
    });
  });

  it('a reset that never reached the service ends failed NotStarted, and is not sent again', async () => {
    await withSandbox({ timeScale: 0.01 }, async (sandbox) => {
      const { call, close } = caller(sandbox, folder, { lostStartWindowMs: 300 });
      try {
        sandbox.faults.add({ kind: 'reset', method: 'POST', path: '/reset', times: 1 });
        const result = await call('pp_reset_environment', { environment: 'Contoso Test', confirm: 'Contoso Test', waitSeconds: 60 });
        assert.equal(structured(result).state, 'failed', text(result));
        assert.equal(structured(result).error.code, 'NotStarted');
        assert.match(text(result), /shows no sign of the operation[\s\S]*Start it again if it is still wanted/);
        assert.equal([...sandbox.lifecycle.operations.values()].filter((op) => op.type === 'Reset').length, 0);
        assert.equal(started(sandbox, '/reset'), 1);
      } finally {
        await close();
      }
    });
  });

  it('a catalog install whose answer was lost stays unknown with what to check, and the wait ends at once', async () => {
    await withSandbox({ timeScale: 0.01 }, async (sandbox) => {
      const { call, close } = caller(sandbox, folder);
      try {
        sandbox.faults.add({ kind: 'lost', path: '/mspcat_InstallCatalogItemByCID', times: 1 });
        const begun = Date.now();
        const result = await call('pp_install_catalog', {
          catalog: 'Contoso (default)',
          item: 'ContosoExpenseTemplate',
          targetEnvironment: 'Contoso Dev',
          waitSeconds: 60,
        });
        assert.ok(Date.now() - begun < 30_000, 'did not wait the whole minute for an end it cannot see');
        assert.equal(structured(result).state, 'unknown', text(result));
        assert.match(structured(result).error.hint, /install history/);
        assert.equal(started(sandbox, '/mspcat_InstallCatalogItemByCID'), 1);
      } finally {
        await close();
      }
    });
  });
});

describe('a record in state unknown is read again', () => {
  it('by the tracker on its own schedule, until it ends', async () => {
    await withSandbox({ timeScale: 0.01 }, async (sandbox) => {
      const { call, operations, close } = caller(sandbox, tmpdir(), { maxPollFailures: 2, maxUnknownIntervalMs: 100 }, { maxAttempts: 1 });
      try {
        sandbox.faults.add({ kind: 'unavailable', path: '/environmentmanagement/operations/', times: 4 });
        const states: string[] = [];
        operations.onDidChange((r) => void states.push(r.state));
        const result = await call('pp_reset_environment', { environment: 'Contoso Test', confirm: 'Contoso Test', waitSeconds: 60 });
        assert.ok(states.includes('unknown'), `it was unknown for a while: ${states.join(' ')}`);
        assert.equal(structured(result).state, 'succeeded', text(result));
      } finally {
        await close();
      }
    });
  });

  it('by pp_get_operation at once, without waiting for the next scheduled try', async () => {
    await withSandbox({ timeScale: 0.01 }, async (sandbox) => {
      // Polls every 10 s when the service names no pace, so the next scheduled try after turning unknown is a minute or more away.
      const { call, operations, close } = caller(
        sandbox,
        tmpdir(),
        { defaultPollIntervalMs: 10_000, maxPollFailures: 1, maxUnknownIntervalMs: 10 * 60_000 },
        { maxAttempts: 1 },
      );
      try {
        sandbox.faults.add({ kind: 'unavailable', path: '/environmentmanagement/operations/', times: 1 });
        const first = await call('pp_reset_environment', { environment: 'Contoso Test', confirm: 'Contoso Test', waitSeconds: 0 });
        const id = structured(first).id;
        const deadline = Date.now() + 10_000;
        while (operations.get(id)?.state !== 'unknown' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        assert.equal(operations.get(id)?.state, 'unknown');
        // The reset ends in the service; the next scheduled try is ten minutes away, so only a read at once sees it.
        const reset = [...sandbox.lifecycle.operations.values()].find((op) => op.type === 'Reset')!;
        sandbox.lifecycle.endNow(reset);
        const started = Date.now();
        const again = await call('pp_get_operation', { id, waitSeconds: 30 });
        assert.ok(Date.now() - started < 5_000, 'answered by a read at once, not a scheduled try');
        assert.equal(structured(again).state, 'succeeded', text(again));
      } finally {
        await close();
      }
    });
  });
});
