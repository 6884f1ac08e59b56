import type { BapEnvironment } from '../platform/bap';
import { PlatformError } from '../platform/errors';
import { GUID } from '../platform/odata';
import { assertAllowed } from './allowList';
import { ToolError } from './errors';
import { hostWords } from './hostWords';
import type { ToolContext } from './types';

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

/**
 * Finds one environment by id (GUID), Dataverse URL, display name, domain name or unique name, and
 * refuses it when it is outside the allow-list. Names must match exactly (ignoring case); several
 * matches are an error that lists them.
 */
export async function resolveEnvironment(ref: string, context: ToolContext): Promise<BapEnvironment> {
  const env = await findEnvironment(ref, context);
  assertAllowed(env, context.settings);
  return env;
}

async function findEnvironment(ref: string, context: ToolContext): Promise<BapEnvironment> {
  const value = ref.trim();
  if (GUID.test(value)) {
    try {
      return await context.bap.getEnvironment(value, context.signal);
    } catch (error) {
      if (error instanceof PlatformError && error.status === 404) {
        throw new ToolError(`No environment with id ${value} exists in this tenant.`, 'Check the id with pp_list_environments.');
      }
      throw error;
    }
  }
  const all = await context.bap.listEnvironments(context.signal);
  const matches = isEnvironmentUrl(value) ? all.filter((env) => sameUrl(env, value)) : all.filter((env) => nameMatches(env, value));
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1) {
    const list = matches.map((env) => `${env.properties?.displayName ?? env.name} (${env.name})`).join(', ');
    throw new ToolError(`"${value}" matches ${matches.length} environments: ${list}.`, 'Pass the environment id instead.');
  }
  const known = all.slice(0, 10).map((env) => env.properties?.displayName ?? env.name);
  if (isEnvironmentUrl(value)) {
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

/** A URL for a message: without a user name or password, and cut to a readable length. */
export function shownUrl(url: string): string {
  const shown = url.trim().replace(/\/\/[^/@\s]*@/, '//');
  return shown.length > 200 ? `${shown.slice(0, 200)}…` : shown;
}

export function normalizeUrl(url: string): string {
  try {
    const u = new URL(url.trim());
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '').replace(/\/api\/data\/v[\d.]+$/i, '')}`.toLowerCase();
  } catch {
    return url.trim().toLowerCase();
  }
}
