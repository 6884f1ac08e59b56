import { z } from 'zod';
import { SolutionFileError } from '../../solutions/errors';
import { zipSolutionManifest, type SolutionSummary } from '../../solutions/solutionManifest';
import { ZipReader } from '../../solutions/zipReader';
import { tablesOf } from '../../platform/dataverseTables';
import { resolveDataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import { operationOutput, waitAndReport, waitSecondsArgument } from '../lifecycle/operationReport';
import { resolveLocalPath } from '../localPaths';
import { environmentRef } from '../schemas';
import { DESTRUCTIVE_CLOUD, defineTool, type ToolContext } from '../types';
import type { OperationRecord } from '../../operations/record';
import type { DataverseTarget } from '../dataverseTarget';
import { componentParameters, readDeploymentSettings } from './deploymentSettings';
import { importPlanOutput, planImport } from './importPlan';
import { beginSolutionJob } from './solutionJob';

const MODES = {
  install: 'ImportSolutionAsync',
  holding: 'ImportSolutionAsync',
  upgrade: 'StageAndUpgradeAsync',
} as const;

export const importSolution = defineTool({
  name: 'pp_import_solution',
  toolset: 'solutions',
  title: 'Import solution',
  description:
    'Imports a solution zip: install (or update), holding (stage an upgrade for pp_apply_solution_upgrade) or upgrade; ' +
    'applies a settings file. plan: true only reports. Returns the operation.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    zipFile: z.string().min(1).describe('Solution zip.'),
    settingsFile: z.string().min(1).optional().describe('Deployment settings JSON (pac format).'),
    mode: z
      .enum(['install', 'holding', 'upgrade'])
      .default('install')
      .describe('holding: stage as <name>_Upgrade; upgrade: stage and apply.'),
    overwriteUnmanagedCustomizations: z.boolean().default(false).describe('Overwrite unmanaged customizations.'),
    publishWorkflows: z.boolean().default(true).describe('Turn on its flows and processes.'),
    skipProductUpdateDependencies: z.boolean().default(false).describe('Skip product update dependency checks.'),
    waitSeconds: waitSecondsArgument,
    plan: z.boolean().default(false).describe('Only report what would happen.'),
  }),
  // A plan has no operation: only `plan` is set then.
  output: operationOutput.partial().extend({ plan: importPlanOutput.optional() }),
  // Destructive: an import can overwrite unmanaged customizations and replace a solution's components.
  annotations: DESTRUCTIVE_CLOUD,
  ui: {
    environments: { environment: { dataverse: true } },
    paths: {
      zipFile: { dialog: 'open', filters: { 'Solution zip': ['zip'] } },
      settingsFile: { dialog: 'open', filters: { 'Deployment settings': ['json'] } },
    },
    ask: ['settingsFile'],
    retries: 'import_solution',
  },
  async handler(args, context) {
    const zipFile = resolveLocalPath('zipFile', args.zipFile, context.settings, 'read-file');
    const settingsFile = args.settingsFile ? resolveLocalPath('settingsFile', args.settingsFile, context.settings, 'read-file') : undefined;
    const settings = settingsFile ? readDeploymentSettings(settingsFile, args.settingsFile!) : undefined;
    const parameters = settings ? componentParameters(settings) : [];
    const solution = await readZipManifest(zipFile, args.zipFile);
    if (args.mode !== 'install' && !solution.managed) {
      throw new ToolError(
        `${solution.uniqueName} in ${args.zipFile} is unmanaged; mode "${args.mode}" upgrades managed solutions only. Nothing was imported.`,
        'Use mode "install" for an unmanaged solution.',
      );
    }
    const target = await resolveDataverseTarget(args.environment, context);
    if (args.plan) {
      const { plan, summary } = await planImport(target, zipFile, solution, { mode: args.mode, settings });
      return { result: { plan }, summary };
    }
    const record = await startImport(context, target, zipFile, solution, { ...args, parameters });
    return waitAndReport(context, record, args.waitSeconds);
  },
});

export interface ImportOptions {
  mode: keyof typeof MODES;
  overwriteUnmanagedCustomizations: boolean;
  publishWorkflows: boolean;
  skipProductUpdateDependencies: boolean;
  parameters: Array<Record<string, string>>;
  /** Deletes the file once it is sent (a solution taken out of a package). */
  cleanUp?: () => Promise<void>;
}

/** Starts one import as an operation (also used by pp_deploy_package). */
export function startImport(
  context: ToolContext,
  target: DataverseTarget,
  zipFile: string,
  solution: SolutionSummary,
  options: ImportOptions,
): Promise<OperationRecord> {
  const body: Record<string, unknown> = {
    OverwriteUnmanagedCustomizations: options.overwriteUnmanagedCustomizations,
    PublishWorkflows: options.publishWorkflows,
    SkipProductUpdateDependencies: options.skipProductUpdateDependencies,
    ...(options.mode === 'holding' ? { HoldingSolution: true } : {}),
    ...(options.parameters.length ? { ComponentParameters: options.parameters } : {}),
  };
  const kind = solution.managed ? 'managed' : 'unmanaged';
  return beginSolutionJob(context, {
    kind: 'import_solution',
    title: `Import ${solution.uniqueName} ${solution.version} (${kind}${options.mode === 'install' ? '' : `, ${options.mode}`}) into ${target.displayName}`,
    target,
    details: {
      solutionName: solution.uniqueName,
      version: solution.version,
      managed: solution.managed === true,
      holding: options.mode === 'holding',
    },
    notes:
      options.mode === 'holding'
        ? [`The new version waits as ${solution.uniqueName}_Upgrade until pp_apply_solution_upgrade applies it.`]
        : undefined,
    // Not the tool call's signal: once the upload starts, stopping halfway would leave the outcome unknown.
    message: MODES[options.mode],
    send: () =>
      tablesOf(target.dataverse)
        .solutionMessages.importAsync(MODES[options.mode], body, zipFile)
        .finally(() => options.cleanUp?.()),
  });
}

/** The solution a zip holds, read locally before anything is sent. */
async function readZipManifest(zipFile: string, shownAs: string) {
  const zip = await ZipReader.open(zipFile).catch((error) => {
    if (!(error instanceof SolutionFileError)) throw error;
    throw new ToolError(
      `zipFile: ${error.message.replace(/\s*(Nothing was unpacked|it was not unpacked)\.$/, '')} Nothing was imported.`,
      error.hint,
    );
  });
  try {
    const manifest = await zipSolutionManifest(zip, shownAs);
    if (!manifest)
      throw new ToolError(
        `zipFile: ${shownAs} is not a solution zip: it has no solution.xml at its root. Nothing was imported.`,
        'Pack the folder with pp_pack_solution, or export the solution from Dataverse.',
      );
    return manifest;
  } finally {
    zip.close();
  }
}
