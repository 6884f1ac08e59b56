import { isIP } from 'node:net';
import { isLoopbackHost, type Endpoints } from './endpoints';

/**
 * Which hosts may get our requests and our tokens: the configured cloud's services (sign-in, BAP, the
 * Power Platform API, the checker, each with its regional hosts), its Dataverse domains and its Azure
 * Storage (SAS links). Over https only, except for a loopback host configured by name and port (the
 * sandbox). Every function answers why a URL is refused, or undefined when it is not.
 */

/** Why `resource` is not a token audience of this cloud's services. */
export function audienceRefusal(resource: string, endpoints: Endpoints): string | undefined {
  const wanted = normalize(resource);
  if ([endpoints.bapResource, endpoints.powerPlatformResource, endpoints.checkerResource].some((known) => normalize(known) === wanted))
    return undefined;
  const url = parse(resource);
  if (!url) return `${describe(resource)} is not a URL`;
  // An org is the root of its host; only the sandbox serves several, each under its own path.
  const pathAllowed = endpoints.dataverseDomains.includes(url.host);
  if (
    !onDomains(url, endpoints.dataverseDomains) ||
    (url.pathname.replace(/\/+$/, '') && !pathAllowed) ||
    url.search ||
    url.hash ||
    url.username ||
    url.password
  ) {
    return `${url.host} is not a Dataverse org of the ${endpoints.cloud} cloud (${exampleHosts(endpoints)})`;
  }
  return undefined;
}

/** Why `url` may not be sent the token of `resource`. */
export function tokenRefusal(url: string, resource: string, endpoints: Endpoints): string | undefined {
  const target = parse(url);
  if (!target) return `${describe(url)} is not an http(s) URL`;
  if (target.username || target.password) return 'the URL carries a user name or password';
  const audience = normalize(resource);
  if (audience === normalize(endpoints.bapResource))
    return underService(target, endpoints.bapUrl) ? undefined : `${target.host} is not a host of the admin API (BAP)`;
  if (audience === normalize(endpoints.powerPlatformResource)) {
    return underService(target, endpoints.powerPlatformUrl) ? undefined : `${target.host} is not a host of the Power Platform API`;
  }
  if (audience === normalize(endpoints.checkerResource))
    return onChecker(target, endpoints) ? undefined : `${target.host} is not a host of the solution checker`;
  const refused = audienceRefusal(resource, endpoints);
  if (refused) return refused;
  const org = new URL(resource);
  const orgPath = org.pathname.replace(/\/+$/, '');
  const insideOrg = target.origin === org.origin && (target.pathname === orgPath || target.pathname.startsWith(`${orgPath}/`));
  return insideOrg ? undefined : `${target.host} is not the Dataverse org the token is for`;
}

/** Why `url` may not get a request from this server at all (with or without a token). */
export function requestRefusal(url: string, endpoints: Endpoints): string | undefined {
  const target = parse(url);
  if (!target) return `${describe(url)} is not an http(s) URL`;
  if (target.username || target.password) return 'the URL carries a user name or password';
  const services = [endpoints.authorityHost, endpoints.bapUrl, endpoints.powerPlatformUrl, endpoints.checkerUrl];
  if (services.some((base) => underService(target, base)) || onChecker(target, endpoints)) return undefined;
  if (onDomains(target, endpoints.dataverseDomains) || onDomains(target, endpoints.storageDomains)) return undefined;
  return `${target.host} is not a host of the ${endpoints.cloud} cloud's services`;
}

/** Whether `url` is an https URL on one of the cloud's Dataverse domains (or the sandbox's own host). */
export function isDataverseUrl(url: string, endpoints: Endpoints): boolean {
  const target = parse(url);
  return Boolean(target && !target.username && !target.password && onDomains(target, endpoints.dataverseDomains));
}

/**
 * The org root of a Dataverse URL someone gave (a browser address or the Web API URL): the origin,
 * plus, on the sandbox only, the org's path (/orgs/<domain>).
 */
export function dataverseOrgRoot(url: string, endpoints: Endpoints): string {
  const target = new URL(url);
  if (!endpoints.dataverseDomains.includes(target.host)) return target.origin;
  return `${target.origin}${target.pathname.replace(/\/api\/.*$/i, '').replace(/\/+$/, '')}`;
}

/** Whether `url` is on one of the checker's hosts (a geography such as europe.api.advisor.powerapps.com). */
export function isCheckerHost(url: string, endpoints: Endpoints): boolean {
  const target = parse(url);
  return Boolean(target && !target.username && !target.password && onChecker(target, endpoints));
}

/** A few hosts of the cloud's Dataverse domains, for messages. */
export function exampleHosts(endpoints: Endpoints): string {
  const [first, second] = endpoints.dataverseDomains.map((domain) => (domain.includes(':') ? `${domain}/orgs/…` : `org.${domain}`));
  return `such as ${first}${second ? ` or ${second}` : ''}`;
}

function parse(url: string): URL | undefined {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * On a domain: https on the default port, the domain or a subdomain of it. An entry with a port is a
 * loopback host (the configuration refuses any other) and matches exactly, over http or https.
 */
function onDomains(url: URL, domains: readonly string[]): boolean {
  return domains.some((domain) => {
    if (domain.includes(':')) return url.host === domain;
    return url.protocol === 'https:' && !url.port && (url.hostname === domain || url.hostname.endsWith(`.${domain}`));
  });
}

/** The service's own host, or one of its regional hosts (europe.api.bap.microsoft.com under api.bap.microsoft.com). */
function underService(url: URL, base: string): boolean {
  const service = new URL(base);
  if (url.host === service.host)
    return url.protocol === 'https:' || (url.protocol === service.protocol && isLoopbackHost(service.hostname));
  const named = !isIP(service.hostname.replace(/^\[|\]$/g, '')) && !isLoopbackHost(service.hostname);
  return (
    named &&
    url.protocol === 'https:' &&
    service.protocol === 'https:' &&
    !url.port &&
    !service.port &&
    url.hostname.endsWith(`.${service.hostname}`)
  );
}

/** The cloud's checker geographies share a host suffix; an overridden checker (the sandbox) is its one host. */
function onChecker(url: URL, endpoints: Endpoints): boolean {
  const suffix = endpoints.checkerHostSuffix;
  if (!suffix.startsWith('.')) return underService(url, endpoints.checkerUrl);
  return url.protocol === 'https:' && !url.port && url.hostname.endsWith(suffix);
}

function normalize(resource: string): string {
  return resource.trim().replace(/\/+$/, '').toLowerCase();
}

/** A value for a message: at most 80 characters, without what could be a password. */
function describe(value: string): string {
  const cut = value.replace(/\/\/[^/@\s]*@/, '//[redacted]@');
  return `"${cut.length > 80 ? `${cut.slice(0, 80)}…` : cut}"`;
}
