import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryResumeStore } from '../../src/data/resumeStore';
import { silentLogger } from '../../src/log';
import { MemoryOperationStore } from '../../src/operations/store';
import { OperationTracker } from '../../src/operations/tracker';
import { startSandbox, type Sandbox } from '../../src/sandbox/server';
import type { Services } from '../../src/services';
import { writeZip } from '../../src/solutions/zipWriter';
import { allTools } from '../../src/tools';
import { invokeTool, type InvokeOptions } from '../../src/tools/invoke';
import type { ToolSettings } from '../../src/tools/types';
import { sandboxServices, text } from '../helpers';

/** A sandbox, signed-in services, a work folder (the only allowed folder) and tools called in-process. */
export interface ToolHost {
  sandbox: Sandbox;
  services: Services;
  work: string;
  /** What invokeTool needs, with the work folder allowed and these settings. */
  options(settings?: ToolSettings): InvokeOptions;
  call(name: string, args: Record<string, unknown>, settings?: ToolSettings, timeoutMs?: number): Promise<CallToolResult>;
  close(): Promise<void>;
}

const TOOLS = new Map<string, (typeof allTools)[number]>(allTools.map((tool) => [tool.name, tool]));

export async function startToolHost(): Promise<ToolHost> {
  const sandbox = await startSandbox({ timeScale: 0.002 });
  const services = sandboxServices(sandbox);
  const work = mkdtempSync(join(tmpdir(), 'power-agent-security-'));
  const operations = new OperationTracker({
    store: new MemoryOperationStore(),
    services: async () => services,
    logger: silentLogger,
    defaultPollIntervalMs: 20,
  });
  const resumes = new MemoryResumeStore();
  const options = (settings: ToolSettings = {}): InvokeOptions => ({
    settings: { allowedFolders: [work], ...settings },
    services: async () => services,
    operations,
    logger: silentLogger,
    resumes,
  });
  return {
    sandbox,
    services,
    work,
    options,
    async call(name, args, settings = {}, timeoutMs = 30_000) {
      const tool = TOOLS.get(name);
      if (!tool) throw new Error(`no tool ${name}`);
      return invokeTool(tool, args, { signal: AbortSignal.timeout(timeoutMs), hostConfirmed: true }, options(settings));
    },
    async close() {
      operations.close();
      await services.close();
      await sandbox.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/**
 * Files every tool needs to get as far as its environment (a solution zip and its managed twin, a
 * package, a data zip, a site folder, a catalog submission), made through the tools themselves, and
 * for each tool arguments that would work against the sandbox. Paths are relative to the work folder.
 */
export async function prepareInputs(host: ToolHost): Promise<Record<string, Record<string, unknown>>> {
  const must = async (name: string, args: Record<string, unknown>) => {
    const result = await host.call(name, args, {}, 120_000);
    if (result.isError) throw new Error(`${name} failed while preparing inputs: ${text(result)}`);
  };
  await must('pp_export_solution', { environment: 'Contoso Dev', solution: 'ContosoCore', zipFile: 'core.zip', waitSeconds: 60 });
  await must('pp_export_solution', {
    environment: 'Contoso Dev',
    solution: 'ContosoCore',
    managed: true,
    zipFile: 'ContosoCore_managed.zip',
    waitSeconds: 60,
  });
  await writeZip(join(host.work, 'package.zip'), [
    {
      name: 'PkgFolder/ImportConfig.xml',
      data: Buffer.from(
        '<?xml version="1.0" encoding="utf-8"?><configdatastorage><solutions>' +
          '<configsolutionfile solutionpackagefilename="ContosoCore_managed.zip" overwriteunmanagedcustomizations="false" publishworkflowsandactivateplugins="true" />' +
          '</solutions></configdatastorage>',
      ),
    },
    { name: 'PkgFolder/ContosoCore_managed.zip', data: readFileSync(join(host.work, 'ContosoCore_managed.zip')) },
  ]);
  const schema =
    '<entities><entity name="account" primaryidfield="accountid" primarynamefield="name"><fields><field name="accountid" type="guid" primaryKey="true" /><field name="name" type="string" /></fields></entity></entities>';
  const records =
    '<entities><entity name="account"><records><record id="d0000001-0000-4000-8000-000000000000"><field name="name" value="Fuzz Customer" /></record></records></entity></entities>';
  await writeZip(join(host.work, 'data.zip'), [
    { name: 'data_schema.xml', data: Buffer.from(schema) },
    { name: 'data.xml', data: Buffer.from(records) },
  ]);
  writeFileSync(join(host.work, 'data_schema.xml'), schema);
  await must('pp_download_portal', { environment: 'Contoso Dev', site: 'Contoso Portal', folder: 'portal' });
  await must('pp_unpack_solution', { zipFile: 'core.zip', folder: 'unpacked' });
  writeFileSync(
    join(host.work, 'submission.json'),
    JSON.stringify({
      publisherDetails: { publisherId: 'ContosoPublisher', publisherDisplayName: 'Contoso' },
      catalogItemDefinition: {
        id: 'ContosoForms',
        displayName: 'Contoso forms',
        offer: { type: 'Component_Collection', deploymentType: 'Normal' },
        packageFile: {
          name: 'ContosoForms.zip',
          filesaslink: 'https://contoso.blob.core.windows.net/packages/ContosoForms.zip?sv=2022-11-02&sig=x',
        },
      },
    }),
  );
  const dev = 'Contoso Dev';
  const test = 'Contoso Test';
  const catalogEnvironment = 'Contoso (default)';
  const group = '00000000-0000-4000-8000-0000000000aa';
  return {
    pp_whoami: { environment: dev },
    pp_doctor: { environment: dev },
    pp_list_environments: {},
    pp_get_environment: { environment: dev },
    pp_create_environment: { displayName: 'Fuzz Environment', type: 'Sandbox', region: 'unitedstates', waitSeconds: 0 },
    pp_delete_environment: { environment: test, waitSeconds: 0 },
    pp_backup_environment: { environment: dev, label: 'before fuzz', waitSeconds: 0 },
    pp_list_backups: { environment: dev },
    pp_restore_environment: { environment: test, source: dev, pointInTime: new Date(Date.now() - 3_600_000).toISOString(), waitSeconds: 0 },
    pp_copy_environment: { source: dev, environment: test, waitSeconds: 0 },
    pp_reset_environment: { environment: test, waitSeconds: 0 },
    pp_get_operation: { id: '00000000-0000-4000-8000-000000000001', waitSeconds: 0 },
    pp_list_operations: {},
    pp_list_solutions: { environment: dev },
    pp_export_solution: { environment: dev, solution: 'ContosoCore', zipFile: 'export.zip', overwrite: true, waitSeconds: 0 },
    pp_import_solution: { environment: test, zipFile: 'core.zip', waitSeconds: 0 },
    pp_unpack_solution: { zipFile: 'core.zip', folder: 'unpacked', overwrite: true },
    pp_pack_solution: { folder: 'unpacked', zipFile: 'packed.zip' },
    pp_set_solution_version: { environment: dev, solution: 'ContosoCore', version: '1.0.0.1' },
    pp_add_solution_component: { environment: dev, solution: 'ContosoCore', componentType: 'table', component: 'account' },
    pp_apply_solution_upgrade: { environment: test, solution: 'ContosoCore', waitSeconds: 0 },
    pp_delete_solution: { environment: test, solution: 'ContosoCore', waitSeconds: 0 },
    pp_publish_customizations: { environment: dev },
    pp_set_connection_variables: { solution: 'core.zip', settingsFile: 'settings.json', environment: dev },
    pp_solution_checker: { zipFile: 'core.zip', environment: dev, sarifFile: 'checker.sarif', waitSeconds: 0 },
    pp_set_governance_config: { environment: dev, managed: true, waitSeconds: 0 },
    pp_update_org_settings: { environment: dev, settings: { isauditenabled: true } },
    pp_assign_user: { environment: dev, user: 'megan@contoso.sandbox', role: 'Basic User' },
    pp_assign_group: { environment: dev, group, role: 'Basic User' },
    pp_install_application: { environment: dev, application: 'ContosoFieldInspections', waitSeconds: 0 },
    pp_deploy_package: { environment: test, packageFile: 'package.zip', waitSeconds: 0 },
    pp_export_data: { environment: dev, tables: [{ table: 'account' }], dataFile: 'exported-data.zip', overwrite: true },
    pp_import_data: { environment: test, dataFile: 'data.zip' },
    pp_download_portal: { environment: dev, site: 'Contoso Portal', folder: 'portal-copy', overwrite: true },
    pp_upload_portal: { environment: dev, folder: 'portal' },
    pp_submit_catalog: { catalog: catalogEnvironment, submissionFile: 'submission.json', waitSeconds: 0 },
    pp_install_catalog: { catalog: catalogEnvironment, item: 'ContosoExpenseTemplate', targetEnvironment: test, waitSeconds: 0 },
    pp_catalog_status: { catalog: catalogEnvironment },
  };
}

export { TOOLS };

/** The fields of a tool that name an environment (the shared environment reference: at most 500 characters). */
export function environmentFields(inputSchema: { [key: string]: unknown }): string[] {
  const properties = (inputSchema.properties ?? {}) as Record<string, { maxLength?: number }>;
  return Object.entries(properties)
    .filter(([, schema]) => schema.maxLength === 500)
    .map(([name]) => name);
}
