import type { BapEnvironment } from '../platform/bap';
import type { DataverseClient } from '../platform/dataverse';
import { toEnvironmentSummary } from '../platform/environment';
import { urlIsAllowed } from './allowList';
import { ToolError } from './errors';
import { environmentArgument, isEnvironmentUrl, resolveEnvironment } from './resolveEnvironment';
import type { ToolContext } from './types';

/** The Dataverse org a tool works on, and the environment record when it was looked up. */
export interface DataverseTarget {
  dataverse: DataverseClient;
  url: string;
  /** Null when the environment was given by an allowed URL and not looked up. */
  environment: BapEnvironment | null;
  environmentId: string | null;
  displayName: string;
}

/**
 * Resolves the `environment` argument to its Dataverse org. A URL on the allow-list needs no admin
 * lookup, so people with only Dataverse access can use the Dataverse tools; anything else is looked up.
 */
export async function resolveDataverseTarget(ref: string | undefined, context: ToolContext): Promise<DataverseTarget> {
  const value = environmentArgument(ref, context);
  if (isEnvironmentUrl(value) && urlIsAllowed(value, context.settings)) {
    const dataverse = context.dataverse(value);
    return { dataverse, url: dataverse.resource, environment: null, environmentId: null, displayName: dataverse.resource };
  }
  const environment = await resolveEnvironment(value, context);
  const summary = toEnvironmentSummary(environment);
  if (!summary.url) throw new ToolError(`The environment ${summary.displayName} has no Dataverse database, so it has no solutions or users to work with.`, 'Pick an environment with Dataverse (pp_list_environments shows hasDataverse).');
  const dataverse = context.dataverse(summary.url);
  return { dataverse, url: dataverse.resource, environment, environmentId: summary.id, displayName: summary.displayName };
}
