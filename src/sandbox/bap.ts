import { json, type Reply, type SandboxRequest } from './http';
import { bapErrorBody, environmentNotFound } from './seed/bapErrors';
import type { SandboxTenant } from './state';

const ADMIN_ENVIRONMENTS = /^\/providers\/Microsoft\.BusinessAppPlatform\/(?:scopes\/admin\/)?environments(?:\/([^/]+))?$/i;
const SUPPORTED_API_VERSIONS = new Set(['2020-10-01', '2021-04-01', '2023-06-01']);

export const BAP_AUDIENCE = 'https://service.powerapps.com';

/** The BAP admin environments API: list (paged when asked to) and get, with its documented errors. */
export function handleBap(request: SandboxRequest, tenant: SandboxTenant, pageSize: number | undefined): Reply | undefined {
  const match = ADMIN_ENVIRONMENTS.exec(request.url.pathname);
  if (!match || request.method !== 'GET') return undefined;
  const apiVersion = request.url.searchParams.get('api-version');
  if (!apiVersion || !SUPPORTED_API_VERSIONS.has(apiVersion)) {
    return bapError(
      400,
      'InvalidApiVersion',
      `The provided API version '${apiVersion ?? ''}' is not valid. Supported versions: ${[...SUPPORTED_API_VERSIONS].join(', ')}.`,
    );
  }
  const id = match[1];
  if (id) {
    const environment = tenant.environments.get(id.toLowerCase());
    if (!environment) return json(404, environmentNotFound(id, tenant.tenantId));
    return json(200, environment.record);
  }
  const all = [...tenant.environments.values()].map((e) => e.record);
  if (!pageSize) return json(200, { value: all });
  const skip = Number(request.url.searchParams.get('$skiptoken') ?? 0);
  const page = all.slice(skip, skip + pageSize);
  const body: Record<string, unknown> = { value: page };
  if (skip + pageSize < all.length) {
    const next = new URL(request.url);
    next.searchParams.set('$skiptoken', String(skip + pageSize));
    body.nextLink = next.toString();
  }
  return json(200, body);
}

export function bapError(status: number, code: string, message: string): Reply {
  return json(status, bapErrorBody(code, message));
}
