import { rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { isTerminal, type OperationRecord } from '../../operations/record';
import { compareVersions } from '../../solutions/solutionManifest';
import { resolveDataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import { waitSecondsArgument } from '../lifecycle/operationReport';
import { resolveLocalPath } from '../localPaths';
import { environmentRef } from '../schemas';
import { startImport } from '../solutions/importSolution';
import { importRecords } from '../../data/importRecords';
import type { DataverseClient } from '../../platform/dataverse';
import { openDataFile } from '../../data/dataPackage';
import { DESTRUCTIVE_CLOUD, defineTool, type ToolContext } from '../types';
import { extractMember, readPackage, type PackageSolution } from './packageContents';

type Action = 'install' | 'upgrade' | 'skip';

const step = z.object({
  solution: z.string(),
  version: z.string(),
  action: z
    .enum(['install', 'upgrade', 'skip'])
    .describe(
      'install: not there (or unmanaged, updated); upgrade: a higher managed version; skip: this version or a higher one is there.',
    ),
  state: z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped']),
  operationId: z.string().nullable(),
  detail: z.string().nullable(),
});

export const deployPackage = defineTool({
  name: 'pp_deploy_package',
  toolset: 'apps',
  title: 'Deploy package',
  description:
    'Deploys a Package Deployer package: its solutions in ImportConfig order (install, upgrade or skip each), then its data. ' +
    'Refuses custom code unless skipCustomCode. Safe to call again.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    packageFile: z.string().min(1).describe('Package zip.'),
    skipCustomCode: z.boolean().default(false).describe("Deploy without the package's code, if it adds nothing needed."),
    waitSeconds: waitSecondsArgument.describe('Seconds to wait in all; call again to go on.'),
  }),
  output: z.object({
    package: z.string(),
    environmentName: z.string(),
    done: z.boolean(),
    steps: z.array(step),
    data: z
      .object({
        file: z.string(),
        imported: z.number(),
        failed: z.number(),
        failures: z.array(z.object({ table: z.string(), id: z.string(), message: z.string() })),
        associated: z.number(),
      })
      .nullable()
      .describe('The configuration data imported after the solutions, if the package has any.'),
  }),
  annotations: DESTRUCTIVE_CLOUD,
  ui: {
    environments: { environment: { dataverse: true } },
    paths: { packageFile: { dialog: 'open', filters: { 'Package Deployer package': ['zip'] } } },
  },
  async handler(args, context) {
    const packageFile = resolveLocalPath('packageFile', args.packageFile, context.settings, 'read-file');
    const contents = await readPackage(packageFile, args.packageFile);
    if (contents.assemblies.length && !args.skipCustomCode) {
      throw new ToolError(
        `${args.packageFile} has custom code (${contents.assemblies.join(', ')}), which only Package Deployer (.NET) can run; it was not deployed, and nothing was changed.`,
        'Deploy it with pac package deploy, or, if its code adds nothing the solutions need, call again with skipCustomCode: true.',
      );
    }
    if (contents.importFiles.length) {
      throw new ToolError(
        `${args.packageFile} imports files through import maps (${contents.importFiles.join(', ')}), which this tool cannot do; nothing was changed.`,
        'Deploy it with pac package deploy, or move that data into a Configuration Migration data file.',
      );
    }
    if (!contents.solutions.length) throw new ToolError(`${args.packageFile}: ImportConfig.xml lists no solutions. Nothing was changed.`);

    const target = await resolveDataverseTarget(args.environment, context);
    // The plan is made on the solutions as they are now, not as last kept.
    const rows = await context.solutionLists.refresh(target.dataverse, target.environmentId, context.signal);
    const installed = new Map(rows.filter((s) => s.isvisible).map((s) => [s.uniquename.toLowerCase(), s]));
    const plan = contents.solutions.map((item) => ({
      item,
      action: decide(item, installed.get(item.solution.uniqueName.toLowerCase()), target.displayName),
    }));
    const steps: Array<z.infer<typeof step>> = plan.map(({ item, action }) => ({
      solution: item.solution.uniqueName,
      version: item.solution.version,
      action,
      state: action === 'skip' ? 'skipped' : 'pending',
      operationId: null,
      detail: null,
    }));

    const deadline = Date.now() + args.waitSeconds * 1000;
    let last = -1;
    // MCP progress must rise with every notification; a heartbeat without news moves it by a hundredth.
    const report = (value: number, message: string) => {
      last = Math.max(value, Math.round((last + 0.01) * 100) / 100);
      return context.progress({ progress: last, total: plan.length * 100, message });
    };
    for (const [index, { item, action }] of plan.entries()) {
      if (action === 'skip') continue;
      const current = steps[index]!;
      const record = ongoingImport(context, item, target.environmentId) ?? (await start(context, target, packageFile, item, action));
      current.operationId = record.id;
      const { record: latest } = await context.operations.wait(record.id, {
        waitMs: Math.max(0, deadline - Date.now()),
        signal: context.signal,
        onProgress: (r) => report(index * 100 + (r.percent ?? 0), `${item.solution.uniqueName}: ${r.stage ?? r.state}`),
      });
      // An unknown import is still being looked for (its answer was lost): it is followed, like a running one.
      current.state = latest.state === 'succeeded' ? 'succeeded' : isTerminal(latest.state) ? 'failed' : 'running';
      current.detail = latest.error ? `${latest.error.message}${latest.error.hint ? ` ${latest.error.hint}` : ''}` : null;
      if (current.state !== 'succeeded') break;
    }
    const solutionsDone = steps.every((s) => s.state === 'succeeded' || s.state === 'skipped');
    // Configuration data goes in once every solution is there, as Package Deployer does it.
    const data =
      solutionsDone && contents.dataFile ? await importPackageData(context, target.dataverse, packageFile, contents.dataFile) : null;
    const done = solutionsDone && (!data || data.failed === 0);
    const failed = steps.some((s) => s.state === 'failed') || Boolean(data?.failed);
    const lines = steps.map(
      (s) =>
        `- ${s.solution} ${s.version}: ${s.action}, ${s.state}${s.operationId ? ` (operation ${s.operationId})` : ''}${s.detail ? `: ${s.detail}` : ''}`,
    );
    if (data)
      lines.push(
        `- data ${data.file}: ${data.imported} record(s) imported, ${data.failed} refused${
          data.failures.length
            ? `: ${data.failures
                .slice(0, 5)
                .map((f) => `${f.table} ${f.id}: ${f.message}`)
                .join('; ')}`
            : ''
        }${data.associated ? `; ${data.associated} N:N association(s)` : ''}`,
      );
    const head = done
      ? `Deployed ${contents.name} to ${target.displayName}.`
      : failed
        ? `Deploying ${contents.name} to ${target.displayName} stopped at a failed import; later solutions were not imported.`
        : `Deploying ${contents.name} to ${target.displayName} goes on; call pp_deploy_package again with the same package to continue.`;
    return {
      result: { package: contents.name, environmentName: target.displayName, done, steps, data },
      summary: `${head}\n${lines.join('\n')}`,
      failed,
    };
  },
});

/** Imports the package's Configuration Migration data file into the target. */
async function importPackageData(
  context: ToolContext,
  dv: DataverseClient,
  packageFile: string,
  dataFile: { name: string; member: string },
) {
  const file = await extractMember(packageFile, dataFile.member);
  try {
    const source = await openDataFile(file, dataFile.name);
    const summary = await importRecords(dv, source, {
      batchSize: 500,
      signal: context.signal,
      progress: context.progress,
    }).finally(() => source.close());
    const imported = summary.entities.reduce((sum, e) => sum + e.imported, 0);
    const { associations } = summary;
    // An import that stopped early counts as a failure too, with the reason it gave.
    const failures = [
      ...summary.failures.map(({ table, id, message }) => ({ table, id, message })),
      ...(summary.done ? [] : [{ table: dataFile.name, id: '', message: summary.notes[0] ?? 'the import did not finish' }]),
    ];
    return {
      file: dataFile.name,
      imported,
      failed: summary.failureCount + (summary.done ? 0 : 1),
      failures: failures.slice(0, 100),
      associated: associations.created + associations.existing,
    };
  } finally {
    await rm(dirname(file), { recursive: true, force: true });
  }
}

/** Package Deployer's "system determined import action" (docs/service-notes.md#application-packages-and-package-deployer). */
function decide(item: PackageSolution, installed: { version: string; ismanaged: boolean } | undefined, where: string): Action {
  if (!installed) return 'install';
  const managed = item.solution.managed === true;
  if (installed.ismanaged !== managed) {
    throw new ToolError(
      `${item.solution.uniqueName} is ${installed.ismanaged ? 'managed' : 'unmanaged'} in ${where} and ${managed ? 'managed' : 'unmanaged'} in the package; one cannot replace the other. Nothing was changed.`,
    );
  }
  if (!managed) return 'install';
  return compareVersions(item.solution.version, installed.version) > 0 ? 'upgrade' : 'skip';
}

/** An import of this solution already running here (an earlier call's, or one whose answer was lost and is being looked for), to follow instead of starting a second. */
function ongoingImport(context: ToolContext, item: PackageSolution, environmentId: string | null): OperationRecord | undefined {
  return context.operations
    .list()
    .find(
      (r) =>
        r.kind === 'import_solution' &&
        !isTerminal(r.state) &&
        r.details?.solutionName === item.solution.uniqueName &&
        r.details?.version === item.solution.version &&
        (r.environment.id ?? null) === environmentId,
    );
}

async function start(
  context: ToolContext,
  target: Parameters<typeof startImport>[1],
  packageFile: string,
  item: PackageSolution,
  action: Action,
): Promise<OperationRecord> {
  const file = await extractMember(packageFile, item.member);
  return startImport(context, target, file, item.solution, {
    mode: action === 'upgrade' ? 'upgrade' : 'install',
    overwriteUnmanagedCustomizations: item.overwriteUnmanagedCustomizations,
    publishWorkflows: item.publishWorkflows,
    skipProductUpdateDependencies: false,
    parameters: [],
    cleanUp: () => rm(dirname(file), { recursive: true, force: true }),
  });
}
