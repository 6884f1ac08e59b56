import { SolutionFileError } from '../../solutions/errors';
import { readRegularFile } from '../../solutions/regularFile';
import { z } from 'zod';
import { ToolError } from '../errors';

/**
 * The deployment settings file `pac solution create-settings` writes
 * (docs/service-notes.md#connection-references-and-environment-variables).
 */
const settingsFile = z.object({
  EnvironmentVariables: z.array(z.object({ SchemaName: z.string().min(1), Value: z.string().nullable().optional() })).default([]),
  ConnectionReferences: z
    .array(
      z.object({
        LogicalName: z.string().min(1),
        ConnectionId: z.string().nullable().optional(),
        ConnectorId: z.string().nullable().optional(),
      }),
    )
    .default([]),
});

export type DeploymentSettings = z.infer<typeof settingsFile>;

/** Reads and checks a deployment settings file; the error names the file and the field. */
export function readDeploymentSettings(file: string, shownAs: string): DeploymentSettings {
  let parsed: unknown;
  try {
    parsed = JSON.parse(
      readRegularFile(file, shownAs)
        .toString('utf8')
        .replace(/^\uFEFF/, ''),
    );
  } catch (error) {
    if (error instanceof SolutionFileError) throw new ToolError(`settingsFile: ${error.message}`, error.hint);
    const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : `it is not JSON (${(error as Error).message})`;
    throw new ToolError(`settingsFile: ${shownAs} cannot be used: ${why}. Nothing was imported.`);
  }
  const checked = settingsFile.safeParse(parsed);
  if (!checked.success) {
    const problems = checked.error.issues.map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`).join('; ');
    throw new ToolError(
      `settingsFile: ${shownAs} is not a deployment settings file: ${problems}. Nothing was imported.`,
      'Use the format pac solution create-settings writes: { "EnvironmentVariables": [{ "SchemaName", "Value" }], "ConnectionReferences": [{ "LogicalName", "ConnectionId", "ConnectorId" }] }.',
    );
  }
  return checked.data;
}

/**
 * The ImportSolution ComponentParameters for a settings file (docs/service-notes.md#connection-references-and-environment-variables): one
 * connectionreference per reference with a connection, one environmentvariablevalue per variable with a value. Empty values
 * are left out, since an empty value would replace the variable's default.
 */
export function componentParameters(settings: DeploymentSettings): Array<Record<string, string>> {
  const references = settings.ConnectionReferences.filter((r) => r.ConnectionId).map((r) => ({
    '@odata.type': 'Microsoft.Dynamics.CRM.connectionreference',
    connectionreferencelogicalname: r.LogicalName,
    connectionreferencedisplayname: '',
    description: '',
    connectorid: r.ConnectorId ?? '',
    connectionid: r.ConnectionId!,
  }));
  const variables = settings.EnvironmentVariables.filter((v) => v.Value !== undefined && v.Value !== null && v.Value !== '').map((v) => ({
    '@odata.type': 'Microsoft.Dynamics.CRM.environmentvariablevalue',
    schemaname: v.SchemaName,
    value: v.Value!,
  }));
  return [...references, ...variables];
}
