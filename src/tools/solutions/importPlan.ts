import { z } from 'zod';
import { readDeploymentComponents } from '../../solutions/deploymentComponents';
import { compareVersions, type SolutionSummary } from '../../solutions/solutionManifest';
import { tablesOf } from '../../platform/dataverseTables';
import type { DataverseTarget } from '../dataverseTarget';
import { firstLines, firstOf } from '../listText';
import type { DeploymentSettings } from './deploymentSettings';

export const importPlanOutput = z.object({
  solution: z.object({ uniqueName: z.string(), version: z.string(), managed: z.boolean() }),
  installed: z
    .object({ version: z.string(), managed: z.boolean() })
    .nullable()
    .describe('The solution of that name in the environment now, if any.'),
  action: z.enum(['install', 'update', 'upgrade', 'stage for upgrade', 'refused']).describe('What the import would do with this mode.'),
  versionChange: z.string(),
  status: z.string().describe("StageSolution's verdict: Passed or Failed."),
  missingDependencies: z.array(z.object({ required: z.string(), requiredSolution: z.string().nullable(), dependent: z.string() })),
  withoutValue: z
    .object({
      connectionReferences: z.array(z.object({ logicalName: z.string(), connectorId: z.string(), inEnvironment: z.boolean().nullable() })),
      environmentVariables: z.array(
        z.object({ schemaName: z.string(), defaultValue: z.string().nullable(), inEnvironment: z.boolean().nullable() }),
      ),
    })
    .describe('Connection references and environment variables the settings file gives no value (all of them without a settings file).'),
  notInSolution: z.array(z.string()).describe('Entries of the settings file the solution does not have.'),
  validation: z.array(z.object({ type: z.string(), message: z.string() })),
  stageSolutionUploadId: z.string().nullable(),
});

export type ImportPlan = z.infer<typeof importPlanOutput>;

/**
 * Plans an import without importing: StageSolution uploads the zip to the environment's staging area,
 * where it is validated against what is installed; the deployment settings are checked against the
 * zip's connection references and environment variables locally.
 */
export async function planImport(
  target: DataverseTarget,
  zipFile: string,
  solution: SolutionSummary,
  options: { mode: 'install' | 'holding' | 'upgrade'; settings?: DeploymentSettings },
): Promise<{ plan: ImportPlan; summary: string }> {
  const staged = await tablesOf(target.dataverse).solutionMessages.stage(zipFile);
  const details = staged.SolutionDetails ?? {};
  const managed = solution.managed === true;
  const installed = details.PreviousSolutionVersion
    ? { version: details.PreviousSolutionVersion, managed: Boolean(details.PreviousIsManaged) }
    : null;
  const present = (type: RegExp, name: string) => {
    const found = (staged.SolutionComponentsDetails ?? []).find(
      (c) => type.test(c.ComponentTypeName ?? '') && (c.ComponentName ?? '').toLowerCase() === name.toLowerCase(),
    );
    return found ? found.IsPresentInOrg === 'True' : null;
  };
  const components = await readDeploymentComponents(zipFile);
  const settings = options.settings ?? { ConnectionReferences: [], EnvironmentVariables: [] };
  const connected = new Set(settings.ConnectionReferences.filter((r) => r.ConnectionId).map((r) => r.LogicalName.toLowerCase()));
  const valued = new Set(
    settings.EnvironmentVariables.filter((v) => v.Value !== undefined && v.Value !== null && v.Value !== '').map((v) =>
      v.SchemaName.toLowerCase(),
    ),
  );
  const known = new Set([
    ...components.connectionReferences.map((r) => r.logicalName.toLowerCase()),
    ...components.environmentVariables.map((v) => v.schemaName.toLowerCase()),
  ]);
  const plan: ImportPlan = {
    solution: { uniqueName: solution.uniqueName, version: solution.version, managed },
    installed,
    action: actionOf(managed, solution.version, installed, options.mode),
    versionChange: !installed
      ? `new, ${solution.version}`
      : `${installed.version} → ${solution.version}${versionNote(solution.version, installed.version)}`,
    status: staged.StageSolutionStatus ?? 'unknown',
    missingDependencies: (staged.MissingDependencies ?? []).map((m) => ({
      required: describe(m, 'Required'),
      requiredSolution: (m.RequiredSolutionName as string | null) ?? null,
      dependent: describe(m, 'Dependent'),
    })),
    withoutValue: {
      connectionReferences: components.connectionReferences
        .filter((r) => !connected.has(r.logicalName.toLowerCase()))
        .map((r) => ({
          logicalName: r.logicalName,
          connectorId: r.connectorId,
          inEnvironment: present(/connection reference/i, r.logicalName),
        })),
      environmentVariables: components.environmentVariables
        .filter((v) => !valued.has(v.schemaName.toLowerCase()))
        .map((v) => ({
          schemaName: v.schemaName,
          defaultValue: v.defaultValue,
          inEnvironment: present(/environment variable/i, v.schemaName),
        })),
    },
    notInSolution: [
      ...settings.ConnectionReferences.map((r) => r.LogicalName),
      ...settings.EnvironmentVariables.map((v) => v.SchemaName),
    ].filter((name) => !known.has(name.toLowerCase())),
    validation: (staged.SolutionValidationResults ?? []).map((v) => ({
      type: v.SolutionValidationResultType ?? 'Info',
      message: v.Message ?? '',
    })),
    stageSolutionUploadId: staged.StageSolutionUploadId ?? null,
  };
  return { plan, summary: summaryOf(plan, target.displayName, options.settings !== undefined) };
}

function actionOf(
  managed: boolean,
  version: string,
  installed: ImportPlan['installed'],
  mode: 'install' | 'holding' | 'upgrade',
): ImportPlan['action'] {
  if (!installed) return 'install';
  if (installed.managed !== managed) return 'refused';
  if (!managed) return 'update';
  if (compareVersions(version, installed.version) < 0) return 'refused';
  return mode === 'upgrade' ? 'upgrade' : mode === 'holding' ? 'stage for upgrade' : 'update';
}

function versionNote(version: string, installed: string): string {
  const change = compareVersions(version, installed);
  return change === 0 ? ' (same version)' : change < 0 ? ' (a downgrade)' : '';
}

function describe(dependency: Record<string, string | null | boolean>, side: 'Required' | 'Dependent'): string {
  const name =
    dependency[`${side}ComponentDisplayName`] ||
    dependency[`${side}ComponentSchemaName`] ||
    dependency[`${side}ComponentId`] ||
    'a component';
  return `${name} (type ${dependency[`${side}ComponentType`] ?? '?'})`;
}

/** Items of each list the text names; the result has them all. */
const NAMED = 20;
const named = (items: string[], separator: string) => firstOf(items, NAMED, { separator, more: ' (in the result)' });

export function summaryOf(plan: ImportPlan, environment: string, withSettings: boolean): string {
  const s = plan.solution;
  const what = {
    install: 'install it',
    update: 'update it in place',
    upgrade: 'upgrade it (components the new version lacks are removed)',
    'stage for upgrade': `stage it as ${s.uniqueName}_Upgrade for pp_apply_solution_upgrade`,
    refused: 'be refused',
  }[plan.action];
  const lines = [
    `Plan only, nothing was imported: importing ${s.uniqueName} ${s.version} (${s.managed ? 'managed' : 'unmanaged'}) into ${environment} would ${what}. Version: ${plan.versionChange}. StageSolution: ${plan.status}.`,
  ];
  if (plan.installed && plan.installed.managed !== s.managed)
    lines.push(
      `${environment} has ${s.uniqueName} as ${plan.installed.managed ? 'a managed' : 'an unmanaged'} solution; ${s.managed ? 'a managed' : 'an unmanaged'} one cannot be imported over it.`,
    );
  lines.push(
    ...firstLines(
      plan.validation.map((v) => `${v.type}: ${v.message}`),
      NAMED,
      (left) => `… and ${left} more validation messages in the result.`,
    ),
  );
  if (plan.missingDependencies.length) {
    lines.push(
      `Missing dependencies (${plan.missingDependencies.length}): ${named(
        plan.missingDependencies.map(
          (m) => `${m.required}${m.requiredSolution ? ` from ${m.requiredSolution}` : ''}, needed by ${m.dependent}`,
        ),
        '; ',
      )}.`,
    );
  }
  const source = withSettings ? 'the settings file gives no' : 'no settings file gives a';
  const { connectionReferences, environmentVariables } = plan.withoutValue;
  const where = (inEnvironment: boolean | null) =>
    inEnvironment ? ', already in the environment' : inEnvironment === false ? ', new to the environment' : '';
  if (connectionReferences.length)
    lines.push(
      `Connection references ${source} connection for: ${named(
        connectionReferences.map((r) => `${r.logicalName}${where(r.inEnvironment)}`),
        '; ',
      )}.`,
    );
  if (environmentVariables.length) {
    lines.push(
      `Environment variables ${source} value for: ${named(
        environmentVariables.map(
          (v) =>
            `${v.schemaName} (${v.defaultValue === null ? 'no default' : `default ${JSON.stringify(v.defaultValue)}`}${where(v.inEnvironment)})`,
        ),
        '; ',
      )}.`,
    );
  }
  if (plan.notInSolution.length) lines.push(`In the settings file but not in the solution: ${named(plan.notInSolution, ', ')}.`);
  return lines.join('\n');
}
