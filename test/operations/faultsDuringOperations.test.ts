import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { isTerminal, type OperationRecord } from '../../src/operations/record';
import { dataTables } from '../../src/sandbox/dataTables';
import type { FaultKind } from '../../src/sandbox/faults';
import type { Sandbox } from '../../src/sandbox/server';
import { writeZip } from '../../src/solutions/zipWriter';
import { allTools } from '../../src/tools';
import { invokeTool } from '../../src/tools/invoke';
import { invokeOptions, sandboxServices, text, withSandbox } from '../helpers';
import { environmentByName } from '../lifecycle/harness';

/** Each of four fault kinds on its own share, so that one request in five meets one. */
const KINDS: FaultKind[] = ['throttle', 'unavailable', 'reset', 'lost'];
const RATE_EACH = 1 - 0.8 ** (1 / KINDS.length);

const structured = (result: CallToolResult) => (result.structuredContent ?? {}) as Record<string, any>;

/**
 * The request that starts a record's work in the service, by kind: the only one that must never be
 * accepted twice for one record.
 */
function startPath(record: OperationRecord): RegExp {
  const env = record.environment.id ?? '[^/]+';
  const org = String(record.details?.instanceUrl ?? '').replace(/^.*\/orgs\//, '');
  const table: Record<OperationRecord['kind'], string> = {
    create_environment: '/providers/Microsoft\\.BusinessAppPlatform/environments',
    delete_environment: `/providers/Microsoft\\.BusinessAppPlatform/scopes/admin/environments/${env}`,
    backup_environment: `/environmentmanagement/environments/${env}/backups`,
    restore_environment: `/environmentmanagement/environments/${env}/restore`,
    copy_environment: `/environmentmanagement/environments/${env}/copy`,
    reset_environment: `/environmentmanagement/environments/${env}/reset`,
    set_governance: `/providers/Microsoft\\.BusinessAppPlatform/environments/${env}/governanceConfiguration`,
    install_application: `/appmanagement/environments/${env}/applicationPackages/[^/]+/install`,
    export_solution: `/orgs/${org}/api/data/v9\\.2/${record.details?.message}`,
    import_solution: `/orgs/${org}/api/data/v9\\.2/${record.details?.message}`,
    delete_solution: `/orgs/${org}/api/data/v9\\.2/${record.details?.message}`,
    apply_solution_upgrade: `/orgs/${org}/api/data/v9\\.2/${record.details?.message}`,
    solution_checker: '/advisor/api/analyze',
    catalog_install: `/orgs/${org}/api/data/v9\\.2/mspcat_InstallCatalogItemByCID`,
    catalog_submit: `/orgs/${org}/api/data/v9\\.2/mspcat_SubmitCatalogApprovalRequest`,
  };
  return new RegExp(`^${table[record.kind]}$`, 'i');
}

/** Starts the service took in (answered 2xx, or handled before the answer was lost) on paths like this. */
function acceptedStarts(sandbox: Sandbox, path: RegExp): number {
  return sandbox.requests.filter(
    (r) =>
      r.method !== 'GET' &&
      path.test(r.path) &&
      ((r.status >= 200 && r.status < 300) || (r.handled !== undefined && r.handled >= 200 && r.handled < 300)),
  ).length;
}

/** Whether a record says its start never reached the service (then the test, as a person would, starts it again). */
const notStarted = (record: OperationRecord) => record.state === 'failed' && record.error?.code === 'NotStarted';

async function dataZip(folder: string): Promise<string> {
  const file = join(folder, 'accounts.zip');
  const schema =
    '<entities><entity name="account" primaryidfield="accountid" primarynamefield="name"><fields><field name="accountid" type="guid" primaryKey="true" /><field name="name" type="string" /></fields></entity></entities>';
  const ids = Array.from({ length: 12 }, (_, i) => `f0000${String(i + 10).padStart(3, '0')}-0000-4000-8000-000000000000`);
  const records = `<entities><entity name="account"><records>${ids.map((id, i) => `<record id="${id}"><field name="name" value="Fault Customer ${i}" /></record>`).join('')}</records></entity></entities>`;
  await writeZip(file, [
    { name: 'data_schema.xml', data: Buffer.from(schema) },
    { name: 'data.xml', data: Buffer.from(records) },
  ]);
  return file;
}

describe('faults on every sandbox route while each long-running tool runs', () => {
  it(
    '20 % of requests meet a 429, a 503, a reset or a lost answer: every operation ends right, and no start is taken twice',
    { timeout: 240_000 },
    async (t) => {
      const folder = mkdtempSync(join(tmpdir(), 'power-agent-faults-'));
      try {
        await withSandbox({ timeScale: 0.003 }, async (sandbox) => {
          const services = sandboxServices(sandbox);
          const options = invokeOptions(services, { allowedFolders: [folder] }, { defaultPollIntervalMs: 50, maxUnknownIntervalMs: 500 });
          const results: Array<{ tool: string; result: CallToolResult }> = [];
          const began = Date.now();
          const call = async (tool: string, args: Record<string, unknown>) => {
            const definition = allTools.find((c) => c.name === tool)!;
            const wait = 'waitSeconds' in (definition.input as unknown as { shape: object }).shape ? { waitSeconds: 120 } : {};
            const result = await invokeTool(definition, { ...wait, ...args }, { signal: AbortSignal.timeout(150_000) }, options);
            results.push({ tool, result });
            return result;
          };
          /** Calls until the step is done, as a person would after a refusal or a start that never arrived (at most 5 times). */
          const step = async (
            tool: string,
            args: Record<string, unknown>,
            done = (r: CallToolResult) => structured(r).state === 'succeeded',
          ) => {
            for (let attempt = 1; ; attempt++) {
              const result = await call(tool, args);
              if (done(result)) return result;
              const record = structured(result);
              const retryable = result.isError && (!record.state || (record.state === 'failed' && record.error?.code !== undefined));
              if (!retryable || attempt === 5) assert.fail(`${tool} did not get done: ${text(result)}`);
            }
          };
          const zip = join(folder, 'core_managed.zip');
          const packageZip = join(folder, 'package.zip');
          const submission = join(folder, 'submission.json');
          writeFileSync(
            submission,
            JSON.stringify({
              publisherDetails: { publisherId: 'FaultPublisher' },
              catalogItemDefinition: {
                id: 'FaultItem',
                displayName: 'Fault item',
                packageFile: { name: 'f.zip', filesaslink: 'https://contoso.blob.core.windows.net/packages/f.zip?sig=x' },
              },
            }),
          );
          const accounts = await dataZip(folder);

          for (const kind of KINDS) sandbox.faults.add({ kind, rate: RATE_EACH, ...(kind === 'throttle' ? { retryAfterSeconds: 0 } : {}) });
          // Every lane runs to its end before anything is checked (or cleaned up).
          const lanes = await Promise.allSettled([
            (async () => {
              await step('pp_backup_environment', { environment: 'Contoso Test', label: 'before-faults' });
              await step('pp_copy_environment', { source: 'Contoso Dev', environment: 'Contoso Test', confirm: 'Contoso Test' });
              await step('pp_restore_environment', { environment: 'Contoso Test', backup: 'before-faults', confirm: 'Contoso Test' });
              await step('pp_reset_environment', { environment: 'Contoso Test', confirm: 'Contoso Test' });
            })(),
            (async () => {
              await step('pp_create_environment', { displayName: 'Fault Lab' });
              await step('pp_set_governance_config', { environment: 'Fault Lab', settings: { solutionCheckerMode: 'warn' } });
              await step('pp_install_application', { environment: 'Fault Lab', application: 'ContosoFieldInspections' });
            })(),
            (async () => {
              await step('pp_export_solution', {
                environment: 'Contoso Dev',
                solution: 'ContosoCore',
                managed: true,
                zipFile: zip,
                overwrite: true,
              });
              await step('pp_solution_checker', { zipFile: zip, environment: 'Contoso Dev' });
              await step('pp_import_solution', { environment: 'Contoso Production', zipFile: zip, mode: 'holding' });
              await step('pp_apply_solution_upgrade', {
                environment: 'Contoso Production',
                solution: 'ContosoCore',
                confirm: 'ContosoCore',
              });
              const importConfig =
                '<configdatastorage><solutions><configsolutionfile solutionpackagefilename="core.zip" /></solutions><cmtdatafiles><cmtdatafile filename="data.zip" lcid="1033" usermapfilename="" /></cmtdatafiles></configdatastorage>';
              await writeZip(packageZip, [
                { name: 'Pkg/ImportConfig.xml', data: Buffer.from(importConfig) },
                { name: 'Pkg/core.zip', data: readFileSync(zip) },
                { name: 'Pkg/data.zip', data: readFileSync(accounts) },
              ]);
              await step(
                'pp_deploy_package',
                { environment: 'Contoso (default)', packageFile: packageZip },
                (r) => structured(r).done === true,
              );
            })(),
            (async () => {
              await step('pp_delete_solution', { environment: 'Contoso Dev', solution: 'ContosoPortal', confirm: 'ContosoPortal' });
              await step(
                'pp_install_catalog',
                { catalog: 'Contoso (default)', item: 'ContosoExpenseTemplate', targetEnvironment: 'Contoso Dev' },
                (r) => ['succeeded', 'unknown'].includes(structured(r).state),
              );
              await step('pp_submit_catalog', { catalog: 'Contoso (default)', submissionFile: submission }, (r) =>
                ['succeeded', 'unknown'].includes(structured(r).state),
              );
              await step('pp_import_data', { environment: 'Contoso Dev', dataFile: accounts }, (r) => !r.isError);
            })(),
          ]);
          for (const lane of lanes) if (lane.status === 'rejected') throw lane.reason;
          const seconds = Math.round((Date.now() - began) / 100) / 10;
          const applied = Object.fromEntries(KINDS.map((kind) => [kind, sandbox.faults.applied.filter((f) => f.kind === kind).length]));
          t.diagnostic(
            `${results.length} tool calls, ${sandbox.requests.length} requests, faults ${JSON.stringify(applied)}, ${seconds} s`,
          );

          // Every answer reads as an answer: no internal error, no object printed as text.
          for (const { tool, result } of results) assert.doesNotMatch(text(result), /bug in Power Agent MCP|\[object Object\]/, tool);

          // Every operation ended; only a catalog start whose answer was lost or cut may stay unknown (the catalog has no way to find it).
          const records = options.operations.list();
          for (const record of records) {
            const lostCatalogStart =
              record.kind.startsWith('catalog_') &&
              record.state === 'unknown' &&
              sandbox.faults.applied.some((f) => (f.kind === 'lost' || f.kind === 'reset') && startPath(record).test(f.path));
            assert.ok(isTerminal(record.state) || lostCatalogStart, `${record.title}: ${record.state} ${JSON.stringify(record.error)}`);
          }

          // The only failures are the faults' doing, each said as such: a start that never arrived, a check or an export whose answer was lost.
          for (const record of records.filter((r) => r.state === 'failed')) {
            assert.ok(
              ['NotStarted', 'AnswerLost', 'ExportFileUnavailable'].includes(record.error?.code ?? ''),
              `${record.title}: ${JSON.stringify(record.error)}`,
            );
          }

          // No start was taken twice, and every record that says "not started" is right: per start request,
          // the service took in as many as there are records that say they started.
          // A record left unknown may or may not have been taken in, and so may a check whose start's answer was
          // lost (AnswerLost: a reset can cut the request before or after the checker took it in).
          const groups = new Map<string, { path: RegExp; started: number; unknown: number; titles: string[] }>();
          for (const record of records) {
            const path = startPath(record);
            const group = groups.get(path.source) ?? { path, started: 0, unknown: 0, titles: [] };
            if (record.state === 'unknown' || record.error?.code === 'AnswerLost') group.unknown++;
            else if (!notStarted(record)) group.started++;
            group.titles.push(`${record.title} (${record.state}${record.error?.code ? ` ${record.error.code}` : ''})`);
            groups.set(path.source, group);
          }
          for (const group of groups.values()) {
            const accepted = acceptedStarts(sandbox, group.path);
            const label = `${group.path.source}: ${accepted} taken in; ${group.titles.join('; ')}`;
            assert.ok(accepted >= group.started && accepted <= group.started + group.unknown, label);
          }

          // And the service shows what the operations report.
          const environments = [...sandbox.tenant.environments.values()];
          const lab = environments.filter((e) => e.record.properties?.displayName === 'Fault Lab');
          assert.equal(lab.length, 1, 'one Fault Lab');
          assert.equal((lab[0]!.record.properties?.governanceConfiguration as { protectionLevel?: string }).protectionLevel, 'Standard');
          assert.equal(lab[0]!.applicationStates.ContosoFieldInspections, 'Installed');
          const production = environmentByName(sandbox, 'Contoso Production')!.org!.solutions.map((s) => `${s.uniquename} ${s.version}`);
          assert.ok(
            production.includes('ContosoCore 1.2.0.0') && !production.some((s) => s.startsWith('ContosoCore_Upgrade')),
            production.join(', '),
          );
          assert.ok(!environmentByName(sandbox, 'Contoso Dev')!.org!.solutions.some((s) => s.uniquename === 'ContosoPortal'));
          assert.ok(environmentByName(sandbox, 'Contoso (default)')!.org!.solutions.some((s) => s.uniquename === 'ContosoCore'));
          const customers = (name: string) =>
            [...dataTables(environmentByName(sandbox, name)!.org!).get('account')!.rows.values()].filter((row) =>
              String(row.name).startsWith('Fault Customer'),
            ).length;
          assert.equal(customers('Contoso Dev'), 12);
          assert.equal(customers('Contoso (default)'), 12);
          options.operations.close();
          await services.close();
        });
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
  );
});
