import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sandboxServices, withSandbox } from '../helpers';

describe('sandbox solution jobs', () => {
  it('an export job is completed only once its file is ready: 20 concurrent exports all succeed', async () => {
    await withSandbox({ timeScale: 0.01 }, async (sandbox) => {
      const services = sandboxServices(sandbox);
      const dataverse = services.dataverse(`${sandbox.url}/orgs/contoso-dev`);
      const started = await Promise.all(
        Array.from({ length: 20 }, () =>
          dataverse.action<{ AsyncOperationId: string; ExportJobId: string }>(
            'ExportSolutionAsync',
            { SolutionName: 'ContosoCore', Managed: false },
            { idempotent: true },
          ),
        ),
      );
      const ended = await Promise.all(
        started.map(async ({ body }) => {
          for (;;) {
            const row = await dataverse.get<{ statecode: number; statuscode: number; message: string | null }>(
              `asyncoperations(${body.AsyncOperationId})?$select=statecode,statuscode,message`,
            );
            if (row.statecode === 3) return { ...row, id: body.ExportJobId };
          }
        }),
      );
      assert.deepEqual(
        ended.map((row) => [row.statuscode, row.message]),
        ended.map(() => [30, null]),
      );
      for (const row of ended) {
        const file = await dataverse.action<{ ExportSolutionFile: string }>(
          'DownloadSolutionExportData',
          { ExportJobId: row.id },
          { idempotent: true },
        );
        assert.ok(file.body.ExportSolutionFile.length > 100, 'the file of a succeeded export can be downloaded');
      }
      await services.close();
    });
  });
});
