import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { allTools } from '../../src/tools';
import { invokeTool } from '../../src/tools/invoke';
import type { Sandbox } from '../../src/sandbox/server';
import { invokeOptions, sandboxServices, text, withSandbox } from '../helpers';

/** Calls a tool in-process against the sandbox, with local files in `folder`. */
function caller(sandbox: Sandbox, folder: string) {
  const services = sandboxServices(sandbox);
  const options = invokeOptions(services, { allowedFolders: [folder] }, { defaultPollIntervalMs: 20 });
  const call = (name: string, args: Record<string, unknown>) =>
    invokeTool(
      allTools.find((t) => t.name === name)!,
      args,
      { signal: AbortSignal.timeout(60_000) },
      options,
    );
  return { call, close: () => (options.operations.close(), services.close()) };
}

const structured = (result: CallToolResult) => result.structuredContent as Record<string, any>;

describe('what the services say reaches the person', () => {
  let folder: string;
  before(() => (folder = mkdtempSync(join(tmpdir(), 'power-agent-fidelity-'))));
  after(() => rmSync(folder, { recursive: true, force: true }));

  it("a plug-in's refusal shows its trace text, help link and sub-code", async () => {
    await withSandbox({ timeScale: 0.01 }, async (sandbox) => {
      const { call, close } = caller(sandbox, folder);
      const result = await call('pp_update_org_settings', {
        environment: 'Contoso Production',
        settings: { maxuploadfilesize: 64 * 1024 * 1024 },
      });
      assert.equal(result.isError, true);
      const shown = text(result);
      assert.match(shown, /Dataverse error \(HTTP 400, 0x80040265\): Contoso policy: attachments over 32 MB are not allowed/);
      assert.match(
        shown,
        /Plug-in trace: \[Contoso\.Plugins: Contoso\.Plugins\.UploadSizePolicy\][\s\S]*Requested maxuploadfilesize 67108864/,
      );
      assert.match(shown, /Help: http:\/\/go\.microsoft\.com\/fwlink\/\?LinkID=398563&error=Microsoft\.Crm\.CrmException%3a80040265/);
      assert.match(shown, /Sub-code: 0x80131500/);
      await close();
    });
  });

  it("a failed job shows the service's detailed message and its code in hex", async () => {
    await withSandbox({ timeScale: 0.01 }, async (sandbox) => {
      const { call, close } = caller(sandbox, folder);
      const result = await call('pp_delete_solution', {
        environment: 'Contoso Dev',
        solution: 'ContosoCore',
        confirm: 'ContosoCore',
        waitSeconds: 60,
      });
      assert.equal(structured(result).state, 'failed', text(result));
      assert.equal(structured(result).error.code, '0x80048105');
      assert.match(structured(result).error.message, /other solutions depend on its components: ContosoPortal \(1\.0\.0\.3\)/);
      await close();
    });
  });

  it('a truncated export zip is not reported as a successful export, and no file is left', async () => {
    await withSandbox({ timeScale: 0.01 }, async (sandbox) => {
      const org = [...sandbox.tenant.environments.values()].find((e) => e.org?.url.endsWith('/contoso-dev'))!.org!;
      const exports = sandbox.solutions.jobs(org).exports;
      const set = exports.set.bind(exports);
      exports.set = (id, bytes) => set(id, bytes.subarray(0, bytes.length - 30)); // the service hands out a cut file
      const { call, close } = caller(sandbox, folder);
      const result = await call('pp_export_solution', {
        environment: 'Contoso Dev',
        solution: 'ContosoCore',
        zipFile: join(folder, 'core.zip'),
        waitSeconds: 60,
      });
      assert.equal(structured(result).state, 'failed', text(result));
      assert.equal(structured(result).error.code, 'ExportFileDamaged');
      assert.match(structured(result).error.message, /not a complete solution zip/);
      assert.equal(existsSync(join(folder, 'core.zip')), false);
      await close();
    });
  });

  it('the checker run ends when its report cannot be downloaded, saying so', async () => {
    await withSandbox({ timeScale: 0.01 }, async (sandbox) => {
      const { call, close } = caller(sandbox, folder);
      const services = sandboxServices(sandbox);
      const dataverse = services.dataverse(`${sandbox.url}/orgs/contoso-dev`);
      const started = await dataverse.action<{ AsyncOperationId: string; ExportJobId: string }>(
        'ExportSolutionAsync',
        { SolutionName: 'ContosoCore', Managed: false },
        { idempotent: true },
      );
      const zip = join(folder, 'check.zip');
      for (;;) {
        const row = await dataverse.get<{ statecode: number }>(`asyncoperations(${started.body.AsyncOperationId})?$select=statecode`);
        if (row.statecode === 3) break;
      }
      await dataverse.downloadSolutionExport(started.body.ExportJobId, zip);
      await services.close();
      sandbox.faults.add({ kind: 'unavailable', path: '/advisor/results/' });
      const result = await call('pp_solution_checker', { zipFile: zip, environment: 'Contoso Dev', waitSeconds: 60 });
      assert.equal(structured(result).state, 'succeeded', text(result));
      assert.equal(structured(result).result.file, null);
      assert.match(text(result), /report could not be downloaded/);
      await close();
    });
  });
});
