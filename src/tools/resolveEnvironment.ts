import type { BapEnvironment } from '../platform/bap';
import { PlatformError } from '../platform/errors';
import { GUID } from '../platform/odata';
import { assertAllowed } from './allowList';
import { cacheLifetimeMs } from '../cacheLifetime';
import { ToolError } from './errors';
import { normalizeUrl, shownUrl } from './environmentUrls';
import { hostWords } from './hostWords';
import type { ToolContext } from './types';

export { normalizeUrl, shownUrl };

export function isEnvironmentUrl(ref: string): boolean {
  return /^https?:\/\//i.test(ref.trim());
}

/** The `environment` argument, or the configured default, or a clear error. */
export function environmentArgument(ref: string | undefined, context: ToolContext): string {
  const value = ref?.trim() || context.settings.defaultEnvironment;
  if (!value) {
    throw new ToolError(
      'No environment was given and no default environment is set.',
      `Pass \`environment\` (an id, name or URL; pp_list_environments lists them), or ${hostWords(context.settings).setDefaultEnvironment}.`,
    );
  }
  return value;
}

export interface ResolveOptions {
  /**
   * Read the record again by id when the environment was found in the kept list by name or URL: for calls
   * that decide on its present state (its type before a confirmation, its settings before merging them,
   * what pp_get_environment reports).
   */
  current?: boolean;
}

/**
 * Finds one environment by id (GUID), Dataverse URL, display name, domain name or unique name, and
 * refuses it when it is outside the allow-list. Names must match exactly (ignoring case); several
 * matches are an error that lists them. Names and URLs are looked up in the tenant's environments as
 * last listed (kept for `environmentCacheSeconds`), and in a fresh list when the kept one has no match:
 * a URL is used only when it is the org of an environment of this tenant.
 */
export async function resolveEnvironment(ref: string, context: ToolContext, options: ResolveOptions = {}): Promise<BapEnvironment> {
  const env = await findEnvironment(ref.trim(), context, options.current ?? false);
  assertAllowed(env, context.settings);
  return env;
}

async function findEnvironment(value: string, context: ToolContext, current: boolean, retried = false): Promise<BapEnvironment> {
  if (GUID.test(value)) return readById(value, context);
  const byUrl = isEnvironmentUrl(value);
  const matching = (env: BapEnvironment) => (byUrl ? sameUrl(env, value) : nameMatches(env, value));
  const { matches, environments } = await context.environments.find(
    matching,
    cacheLifetimeMs(context.settings.environmentCacheSeconds),
    context.signal,
  );
  if (matches.length === 1) {
    if (!current) return matches[0]!;
    try {
      return await readById(matches[0]!.name, context);
    } catch (error) {
      // Deleted since it was listed: the directory forgot it, so looking again reads the tenant anew.
      if (retried || !(error instanceof ToolError)) throw error;
      return findEnvironment(value, context, current, true);
    }
  }
  if (matches.length > 1) {
    const list = matches.map((env) => `${env.properties?.displayName ?? env.name} (${env.name})`).join(', ');
    throw new ToolError(`"${value}" matches ${matches.length} environments: ${list}.`, 'Pass the environment id instead.');
  }
  const known = environments.slice(0, 10).map((env) => env.properties?.displayName ?? env.name);
  if (byUrl) {
    throw new ToolError(
      `No environment of this tenant has the Dataverse URL ${shownUrl(value)}. Nothing was sent to it.`,
      `Use the URL, name or id of an environment from pp_list_environments${known.length ? ` (for example: ${known.join(', ')})` : ''}.`,
    );
  }
  throw new ToolError(
    `No environment matches "${value}".`,
    `Use an id, display name, domain name or Dataverse URL from pp_list_environments${known.length ? ` (for example: ${known.join(', ')})` : ''}.`,
  );
}

/** The environment as the service has it now; the directory keeps the record, or forgets an environment that is gone. */
async function readById(id: string, context: ToolContext): Promise<BapEnvironment> {
  try {
    const env = await context.bap.getEnvironment(id, context.signal);
    context.environments.put(env);
    return env;
  } catch (error) {
    if (error instanceof PlatformError && error.status === 404) {
      context.environments.remove(id);
      throw new ToolError(`No environment with id ${id} exists in this tenant.`, 'Check the id with pp_list_environments.');
    }
    throw error;
  }
}

function nameMatches(env: BapEnvironment, name: string): boolean {
  const n = name.toLowerCase();
  const org = env.properties?.linkedEnvironmentMetadata;
  return [env.properties?.displayName, org?.domainName, org?.uniqueName].some((candidate) => candidate?.toLowerCase() === n);
}

/** The environment whose Dataverse URL (or API URL) is `url`. */
export function findByUrl(environments: BapEnvironment[], url: string): BapEnvironment | undefined {
  return environments.find((env) => sameUrl(env, url));
}

function sameUrl(env: BapEnvironment, url: string): boolean {
  const org = env.properties?.linkedEnvironmentMetadata;
  const target = normalizeUrl(url);
  return [org?.instanceUrl, org?.instanceApiUrl].some((candidate) => candidate && normalizeUrl(candidate) === target);
}
