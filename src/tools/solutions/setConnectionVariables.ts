import { existsSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { DataverseClient } from '../../platform/dataverse';
import { tablesOf } from '../../platform/dataverseTables';
import { PlatformError } from '../../platform/errors';
import { readDeploymentComponents } from '../../solutions/deploymentComponents';
import { resolveDataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import { resolveLocalPath } from '../localPaths';
import { environmentRef } from '../schemas';
import { IDEMPOTENT_CLOUD, defineTool } from '../types';
import { readDeploymentSettings, type DeploymentSettings } from './deploymentSettings';

const applied = z.object({
  name: z.string(),
  kind: z.enum(['connectionReference', 'environmentVariable']),
  status: z.enum(['set', 'unchanged', 'failed', 'notInEnvironment']),
  detail: z.string(),
});

export const setConnectionVariables = defineTool({
  name: 'pp_set_connection_variables',
  toolset: 'solutions',
  title: 'Set connection references and environment variables',
  description:
    "Writes a deployment settings file from a solution's connection references and environment variables, with the values given; " +
    'with environment, sets them there too.',
  input: z.strictObject({
    solution: z.string().min(1).describe('Solution zip or unpacked folder.'),
    settingsFile: z.string().min(1).describe('Settings JSON to create or update.'),
    connectionReferences: z
      .record(z.string().min(1).max(200), z.string().trim().min(1).max(200))
      .optional()
      .describe('Connection reference logical name → connection id.'),
    environmentVariables: z
      .record(z.string().min(1).max(200), z.string().max(100_000))
      .optional()
      .describe('Environment variable schema name → value.'),
    environment: environmentRef.optional().describe('Also set the values in this environment.'),
  }),
  output: z.object({
    settingsFile: z.string(),
    solution: z.string(),
    connectionReferences: z.array(z.object({ logicalName: z.string(), connectorId: z.string(), connectionId: z.string().nullable() })),
    environmentVariables: z.array(z.object({ schemaName: z.string(), type: z.number(), value: z.string().nullable() })),
    missingValues: z.array(z.string()).describe('Entries still without a value.'),
    removed: z.array(z.string()).describe('Entries of the old file that the solution no longer has.'),
    applied: z.array(applied).nullable(),
  }),
  annotations: IDEMPOTENT_CLOUD,
  ui: {
    environments: { environment: { dataverse: true } },
    paths: {
      solution: { dialog: 'fileOrFolder', filters: { 'Solution zip': ['zip'] } },
      settingsFile: { dialog: 'save', filters: { 'Deployment settings': ['json'] } },
    },
  },
  async handler(args, context) {
    const solutionPath = resolveLocalPath('solution', args.solution, context.settings, 'read-any');
    const settingsPath = resolveLocalPath('settingsFile', args.settingsFile, context.settings, 'write-file');
    const components = await readDeploymentComponents(solutionPath);
    const previous: DeploymentSettings = existsSync(settingsPath)
      ? readDeploymentSettings(settingsPath, args.settingsFile)
      : { EnvironmentVariables: [], ConnectionReferences: [] };

    const unknown = [
      ...Object.keys(args.connectionReferences ?? {})
        .filter((name) => !components.connectionReferences.some((r) => r.logicalName.toLowerCase() === name.toLowerCase()))
        .map((name) => `connectionReferences.${name}`),
      ...Object.keys(args.environmentVariables ?? {})
        .filter((name) => !components.environmentVariables.some((v) => v.schemaName.toLowerCase() === name.toLowerCase()))
        .map((name) => `environmentVariables.${name}`),
    ];
    if (unknown.length) {
      const known = [
        ...components.connectionReferences.map((r) => r.logicalName),
        ...components.environmentVariables.map((v) => v.schemaName),
      ];
      throw new ToolError(
        `${unknown.join(', ')}: not in solution ${components.solution}. Nothing was written.`,
        known.length ? `It has: ${known.join(', ')}.` : 'The solution has no connection references or environment variables.',
      );
    }
    const given = (record: Record<string, string> | undefined, name: string) =>
      Object.entries(record ?? {}).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
    const settings: DeploymentSettings = {
      EnvironmentVariables: components.environmentVariables.map((v) => ({
        SchemaName: v.schemaName,
        Value:
          given(args.environmentVariables, v.schemaName) ??
          previous.EnvironmentVariables.find((p) => p.SchemaName.toLowerCase() === v.schemaName.toLowerCase())?.Value ??
          '',
      })),
      ConnectionReferences: components.connectionReferences.map((r) => ({
        LogicalName: r.logicalName,
        ConnectionId:
          given(args.connectionReferences, r.logicalName) ??
          previous.ConnectionReferences.find((p) => p.LogicalName.toLowerCase() === r.logicalName.toLowerCase())?.ConnectionId ??
          '',
        ConnectorId: r.connectorId,
      })),
    };
    await mkdir(dirname(settingsPath), { recursive: true });
    const partial = `${settingsPath}.partial-${process.pid}`;
    await writeFile(partial, `${JSON.stringify(settings, null, 2)}\n`);
    await rename(partial, settingsPath);

    const removed = [
      ...previous.ConnectionReferences.filter(
        (p) => !settings.ConnectionReferences.some((r) => r.LogicalName.toLowerCase() === p.LogicalName.toLowerCase()),
      ).map((p) => p.LogicalName),
      ...previous.EnvironmentVariables.filter(
        (p) => !settings.EnvironmentVariables.some((v) => v.SchemaName.toLowerCase() === p.SchemaName.toLowerCase()),
      ).map((p) => p.SchemaName),
    ];
    const missingValues = [
      ...settings.ConnectionReferences.filter((r) => !r.ConnectionId).map((r) => r.LogicalName),
      ...settings.EnvironmentVariables.filter((v) => !v.Value).map((v) => v.SchemaName),
    ];
    let appliedItems: Array<z.infer<typeof applied>> | null = null;
    let where = '';
    if (args.environment) {
      const target = await resolveDataverseTarget(args.environment, context);
      where = target.displayName;
      appliedItems = await applyToEnvironment(target.dataverse, settings, context.signal);
    }
    const lines = [
      `Wrote ${settingsPath} for ${components.solution}: ${settings.ConnectionReferences.length} connection reference(s), ${settings.EnvironmentVariables.length} environment variable(s).`,
    ];
    if (missingValues.length) lines.push(`Still without a value: ${missingValues.join(', ')}.`);
    if (removed.length) lines.push(`Dropped (no longer in the solution): ${removed.join(', ')}.`);
    for (const item of appliedItems ?? []) lines.push(`${where}: ${item.name}: ${item.status}${item.detail ? ` (${item.detail})` : ''}`);
    const failed = (appliedItems ?? []).some((item) => item.status === 'failed' || item.status === 'notInEnvironment');
    return {
      result: {
        settingsFile: settingsPath,
        solution: components.solution,
        connectionReferences: settings.ConnectionReferences.map((r) => ({
          logicalName: r.LogicalName,
          connectorId: r.ConnectorId ?? '',
          connectionId: r.ConnectionId || null,
        })),
        environmentVariables: settings.EnvironmentVariables.map((v) => ({
          schemaName: v.SchemaName,
          type: components.environmentVariables.find((d) => d.schemaName === v.SchemaName)!.type,
          value: v.Value || null,
        })),
        missingValues,
        removed,
        applied: appliedItems,
      },
      summary: lines.join('\n'),
      failed,
    };
  },
});

/** Sets each connection reference's connection and each environment variable's value; one failure does not stop the others. */
async function applyToEnvironment(
  dv: DataverseClient,
  settings: DeploymentSettings,
  signal: AbortSignal,
): Promise<Array<z.infer<typeof applied>>> {
  const { connectionReferences, environmentVariables } = tablesOf(dv);
  const results: Array<z.infer<typeof applied>> = [];
  const attempt = async (
    name: string,
    kind: 'connectionReference' | 'environmentVariable',
    work: () => Promise<'set' | 'unchanged' | 'notInEnvironment'>,
  ) => {
    try {
      const status = await work();
      results.push({
        name,
        kind,
        status,
        detail: status === 'notInEnvironment' ? 'not in the environment; import the solution first' : '',
      });
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      results.push({
        name,
        kind,
        status: 'failed',
        detail: error.said(),
      });
    }
  };
  for (const reference of settings.ConnectionReferences.filter((r) => r.ConnectionId)) {
    await attempt(reference.LogicalName, 'connectionReference', async () => {
      const row = await connectionReferences.findByLogicalName(reference.LogicalName, signal);
      if (!row) return 'notInEnvironment';
      if (row.connectionid === reference.ConnectionId) return 'unchanged';
      await connectionReferences.setConnection(row.connectionreferenceid, reference.ConnectionId!, signal);
      return 'set';
    });
  }
  for (const variable of settings.EnvironmentVariables.filter((v) => v.Value)) {
    const value = variable.Value!;
    await attempt(variable.SchemaName, 'environmentVariable', async () => {
      const definitionId = await environmentVariables.definitionId(variable.SchemaName, signal);
      if (!definitionId) return 'notInEnvironment';
      const current = await environmentVariables.currentValue(definitionId, signal);
      if (current?.value === value) return 'unchanged';
      if (current) await environmentVariables.updateValue(current.environmentvariablevalueid, value, signal);
      else await environmentVariables.createValue(definitionId, variable.SchemaName, value, signal);
      return 'set';
    });
  }
  return results;
}
