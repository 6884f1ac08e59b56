import type { BapEnvironment } from '../platform/bap';
import type { DataverseClient } from '../platform/dataverse';
import { toEnvironmentSummary } from '../platform/environment';
import { PlatformError } from '../platform/errors';
import { dataverseOrgRoot, exampleHosts, isDataverseUrl } from '../platform/serviceHosts';
import { assertUrlAllowed } from './allowList';
import { ToolError } from './errors';
import { environmentArgument, isEnvironmentUrl, resolveEnvironment, shownUrl, type ResolveOptions } from './resolveEnvironment';
import type { ToolContext } from './types';

/** The Dataverse org a tool works on, and the environment record when it was looked up. */
export interface DataverseTarget {
  dataverse: DataverseClient;
  url: string;
  /** Null when the environment was given by URL and could not be looked up (no admin rights). */
  environment: BapEnvironment | null;
  environmentId: string | null;
  displayName: string;
}

/**
 * Resolves the `environment` argument to its Dataverse org. A URL is used only when it is the org of
 * an environment of this tenant, or, for people who may not list environments (no admin rights), when
 * it is on the cloud's Dataverse domains: a token never goes to a host someone merely named.
 */
export async function resolveDataverseTarget(
  ref: string | undefined,
  context: ToolContext,
  options: ResolveOptions = {},
): Promise<DataverseTarget> {
  const value = environmentArgument(ref, context);
  let environment: BapEnvironment;
  try {
    environment = await resolveEnvironment(value, context, options);
  } catch (error) {
    if (!isEnvironmentUrl(value) || !cannotListEnvironments(error)) throw error;
    return unlistedOrg(value, context);
  }
  const summary = toEnvironmentSummary(environment);
  if (!summary.url)
    throw new ToolError(
      `The environment ${summary.displayName} has no Dataverse database, so it has no solutions or users to work with.`,
      'Pick an environment with Dataverse (pp_list_environments shows hasDataverse).',
    );
  const dataverse = context.dataverse(summary.url);
  return { dataverse, url: dataverse.resource, environment, environmentId: summary.id, displayName: summary.displayName };
}

/** The admin API refused the lookup itself: the caller is not a Power Platform administrator. */
function cannotListEnvironments(error: unknown): boolean {
  return error instanceof PlatformError && error.service === 'bap' && (error.status === 401 || error.status === 403);
}

/** An org given by URL that could not be looked up: only on the cloud's Dataverse domains, and on the allow-list when there is one. */
function unlistedOrg(value: string, context: ToolContext): DataverseTarget {
  if (!isDataverseUrl(value, context.endpoints)) {
    throw new ToolError(
      `${shownUrl(value)} is not a Dataverse URL of the ${context.endpoints.cloud} cloud, and this account may not list environments to look it up. Nothing was sent to it.`,
      `Give the URL of one of your environments (https, ${exampleHosts(context.endpoints)}), or its name or id.`,
    );
  }
  assertUrlAllowed(value, context.settings);
  const dataverse = context.dataverse(dataverseOrgRoot(value, context.endpoints));
  return { dataverse, url: dataverse.resource, environment: null, environmentId: null, displayName: dataverse.resource };
}
