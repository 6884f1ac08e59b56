import type { BapEnvironment } from '../platform/bap';
import { ToolError } from './errors';
import { hostWords } from './hostWords';
import { normalizeUrl, shownUrl } from './environmentUrls';
import type { ToolSettings } from './types';

/** True when no allow-list is set, or the environment matches one of its entries (id, names or URL). */
export function isAllowed(env: BapEnvironment, settings: ToolSettings): boolean {
  const list = settings.allowedEnvironments;
  if (!list?.length) return true;
  const org = env.properties?.linkedEnvironmentMetadata;
  const names = [env.name, env.properties?.displayName, org?.domainName, org?.uniqueName].filter(Boolean).map((n) => n!.toLowerCase());
  const urls = [org?.instanceUrl, org?.instanceApiUrl].filter(Boolean).map((u) => normalizeUrl(u!));
  return list.some((entry) => {
    const e = entry.trim();
    return /^https?:\/\//i.test(e) ? urls.includes(normalizeUrl(e)) : names.includes(e.toLowerCase());
  });
}

/** Throws the refusal for an environment outside the allow-list. */
export function assertAllowed(env: BapEnvironment, settings: ToolSettings): void {
  if (isAllowed(env, settings)) return;
  throw notAllowed(`${env.properties?.displayName ?? env.name} (${env.name})`, settings);
}

/** For a new environment: its display name or domain name must be on the list. */
export function assertNewEnvironmentAllowed(displayName: string, domainName: string | undefined, settings: ToolSettings): void {
  const list = settings.allowedEnvironments;
  if (!list?.length) return;
  const wanted = [displayName, domainName].filter(Boolean).map((n) => n!.toLowerCase());
  if (list.some((entry) => wanted.includes(entry.trim().toLowerCase()))) return;
  throw notAllowed(`a new environment named ${displayName}`, settings);
}

/** An allow-list entry given as a URL matches the Dataverse URL the caller passed, without any lookup. */
export function urlIsAllowed(url: string, settings: ToolSettings): boolean {
  const list = settings.allowedEnvironments;
  if (!list?.length) return true;
  return list.some((entry) => /^https?:\/\//i.test(entry.trim()) && normalizeUrl(entry) === normalizeUrl(url));
}

/** Throws the refusal for an org URL outside the allowed environments (when the list is set). */
export function assertUrlAllowed(url: string, settings: ToolSettings): void {
  if (!urlIsAllowed(url, settings)) throw notAllowed(shownUrl(url), settings);
}

function notAllowed(what: string, settings: ToolSettings): ToolError {
  const words = hostWords(settings);
  return new ToolError(
    `This server is limited to the environments in ${words.allowedEnvironments}, and ${what} is not one of them. Nothing was done.`,
    `Use one of the allowed environments (pp_list_environments shows them), or ${words.allowEnvironment}.`,
  );
}
