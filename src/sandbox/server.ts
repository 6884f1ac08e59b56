import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger, type Logger } from '../log';
import { BAP_AUDIENCE, bapError, handleBap } from './bap';
import { dataverseError, findOrg, handleDataverse } from './dataverse';
import { handleBapLifecycle } from './bapLifecycle';
import { handleAppManagement } from './appmanagement';
import { handleGovernance } from './governance';
import { handleAddUser } from './security';
import { FaultInjector, type FaultRule } from './faults';
import { CHECKER_AUDIENCE, CheckerService } from './checker';
import { SolutionService } from './solutions/api';
import { LifecycleEmulator } from './lifecycle';
import { POWER_PLATFORM_AUDIENCE, handlePowerPlatform } from './ppapi';
import { bearerToken, json, readRequest, send, type Reply, type SandboxRequest } from './http';
import { IdentityService, type Principal } from './identity';
import { keyIdFor } from './jwt';
import { SANDBOX_CLIENT_ID, addBulkEnvironments, seedTenant, type SandboxTenant } from './state';
import { generateCertificate } from './tls';
import { DATAVERSE_LIMITS, ServiceProtection, type ServiceProtectionLimits } from './serviceProtection';

export interface SandboxOptions {
  /** Port on 127.0.0.1; 0 (default) lets the system choose. */
  port?: number;
  tokenLifetimeSeconds?: number;
  deviceCodeInterval?: number;
  faults?: FaultRule[];
  /** Page the BAP environment list at this size (the real service sends one page; clients must still follow nextLink). */
  bapPageSize?: number;
  /** Seconds the service's clock (its Date header) is ahead of this machine's; to test clock-skew checks. */
  clockOffsetSeconds?: number;
  /** Latency added to every request, to make benchmarks realistic. */
  latencyMs?: number;
  /** Latency added to every request of the BAP admin API (each page of the environment list, each read), for big-tenant benchmarks. */
  bapLatencyMs?: number;
  /** Environments without Dataverse added after the seeded ones, to make a big tenant cheaply. */
  extraEnvironments?: number;
  /**
   * Multiplies the durations of lifecycle operations and their Retry-After (1 = as long as the real
   * service, 0.01 = a 4-minute create takes 2.4 s). Default 1.
   */
  timeScale?: number;
  /** Dataverse's service protection limits per user (defaults: the service's own: 6000 requests and 1200 s in 300 s, 52 at once). */
  serviceProtection?: Partial<ServiceProtectionLimits>;
  logger?: Logger;
}

export interface Sandbox {
  url: string;
  tenant: SandboxTenant;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** PEM of the self-signed certificate the sandbox serves; trust it to talk to the sandbox. */
  certificatePem: string;
  /** A file holding certificatePem, for NODE_EXTRA_CA_CERTS. */
  certificateFile: string;
  managedIdentity: { endpoint: string; secret: string };
  identity: IdentityService;
  faults: FaultInjector;
  lifecycle: LifecycleEmulator;
  /** The Dataverse solution jobs of each org (imports, exports, uninstalls). */
  solutions: SolutionService;
  /**
   * Every request served, in order. `status` is 0 when the connection was dropped; `handled` is the
   * status of a request that was handled before its answer was lost (a `lost` fault).
   */
  requests: Array<{ method: string; path: string; status: number; handled?: number }>;
  /** Dataverse's per-user request, time and concurrency limits. */
  serviceProtection: ServiceProtection;
  /** Environment variables that point the CLI at this sandbox with its service principal. */
  env(): Record<string, string>;
  close(): Promise<void>;
}

/**
 * One self-signed certificate per process, made by the first sandbox. An RSA key costs about 250 ms of
 * CPU, and a process that starts its sandbox again (the extension after a sign-out) keeps the
 * certificate its clients already trust.
 */
let processCertificate: ReturnType<typeof generateCertificate> | undefined;

function sandboxCertificate(): ReturnType<typeof generateCertificate> {
  processCertificate ??= generateCertificate().catch((error: unknown) => {
    processCertificate = undefined;
    throw error;
  });
  return processCertificate;
}

/** Starts the loopback emulator of the Microsoft cloud over HTTPS with the process's self-signed certificate. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const logger = options.logger ?? silentLogger;
  const tls = await sandboxCertificate();
  const certDir = mkdtempSync(join(tmpdir(), 'power-agent-sandbox-'));
  const certificateFile = join(certDir, 'sandbox-ca.pem');
  writeFileSync(certificateFile, tls.certificatePem, { mode: 0o600 });

  const faults = new FaultInjector(options.faults);
  const serviceProtection = new ServiceProtection({ ...DATAVERSE_LIMITS, ...options.serviceProtection });
  // Requests held back (slow faults, latency) are dropped when the sandbox closes, never handled later.
  const stopping = new AbortController();
  // Every request in flight waits on it (latency, slow faults), and each wait removes its listener when done.
  setMaxListeners(0, stopping.signal);
  const requests: Sandbox['requests'] = [];
  let handler: (request: SandboxRequest) => Promise<Reply | 'reset' | { lost: Reply }> = () => Promise.resolve(json(503, {}));
  const server: Server = createHttpsServer({ key: tls.privateKeyPem, cert: tls.certificatePem }, (req, res) => void serve(req, res));

  async function serve(req: IncomingMessage, res: ServerResponse) {
    try {
      const request = await readRequest(req, url);
      const reply = await handler(request);
      if (reply === 'reset' || 'lost' in reply) {
        requests.push({
          method: request.method,
          path: request.url.pathname,
          status: 0,
          ...(reply === 'reset' ? {} : { handled: reply.lost.status }),
        });
        req.socket.destroy();
        return;
      }
      requests.push({ method: request.method, path: request.url.pathname, status: reply.status });
      if (options.clockOffsetSeconds)
        reply.headers = { ...reply.headers, date: new Date(Date.now() + options.clockOffsetSeconds * 1000).toUTCString() };
      send(res, reply);
    } catch (error) {
      if (stopping.signal.aborted) return;
      logger.error(`sandbox: ${(error as Error).message}`);
      if (!res.headersSent)
        send(res, json(500, { error: { code: 'InternalServerError', message: 'The sandbox failed to handle the request.' } }));
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const tenant = seedTenant(url);
  if (options.extraEnvironments) addBulkEnvironments(tenant, url, options.extraEnvironments);
  const lifecycle = new LifecycleEmulator(tenant, options.timeScale ?? 1);
  const solutions = new SolutionService(() => lifecycle.timeScale);
  const checker = new CheckerService(url, () => lifecycle.timeScale);
  const reservedDomains = new Set<string>();
  const app = tenant.apps[0]!;
  const managedIdentitySecret = randomBytes(16).toString('hex');
  const identity = new IdentityService({
    baseUrl: url,
    tenant,
    privateKeyPem: tls.privateKeyPem,
    certificatePem: tls.certificatePem,
    keyId: keyIdFor(tls.certificatePem),
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    deviceCodeInterval: options.deviceCodeInterval ?? 5,
    managedIdentitySecret,
  });

  handler = async (request) => {
    if (options.latencyMs) await delay(options.latencyMs, undefined, { signal: stopping.signal });
    if (options.bapLatencyMs && /^\/providers\//i.test(request.url.pathname))
      await delay(options.bapLatencyMs, undefined, { signal: stopping.signal });
    const fault = faults.pick(request.method, request.url.pathname);
    if (fault?.kind === 'slow' || fault?.delayMs) await delay(fault.delayMs ?? 5000, undefined, { signal: stopping.signal });
    if (fault?.kind === 'reset') return 'reset';
    if (fault?.kind === 'throttle' || fault?.kind === 'unavailable' || fault?.kind === 'forbidden') return faultReply(fault, request);
    lifecycle.tick();
    const reply = await route(request);
    return fault?.kind === 'lost' ? { lost: reply } : reply;
  };

  function route(request: SandboxRequest): Reply | Promise<Reply> {
    const identityReply = identity.handle(request);
    if (identityReply) return identityReply;
    if (/^\/providers\//i.test(request.url.pathname)) {
      const auth = authenticate(request, BAP_AUDIENCE);
      if ('status' in auth) return auth;
      const denied = requireAdmin(request, auth.principal, (code, message) => bapError(403, code, message));
      if (denied) return denied;
      const context = { tenant, lifecycle, baseUrl: url, principal: auth.principal, reservedDomains };
      return (
        handleGovernance(request, context) ??
        handleAddUser(request, tenant, lifecycle.timeScale) ??
        handleBapLifecycle(request, context) ??
        handleBap(request, tenant, options.bapPageSize) ??
        bapError(404, 'NotFound', `No route for ${request.url.pathname}.`)
      );
    }
    if (/^\/(environmentmanagement|appmanagement)\//i.test(request.url.pathname)) {
      const auth = authenticate(request, POWER_PLATFORM_AUDIENCE);
      if ('status' in auth) return auth;
      const denied = requireAdmin(request, auth.principal, (code, message) => json(403, { errorDetail: { code, message } }));
      if (denied) return denied;
      const context = { tenant, lifecycle, baseUrl: url, principal: auth.principal };
      return handleAppManagement(request, context) ?? handlePowerPlatform(request, context)!;
    }
    const checkerRoute = CheckerService.route(request.url.pathname);
    if (checkerRoute) {
      if (checkerRoute === 'api') {
        const auth = authenticate(request, CHECKER_AUDIENCE);
        if ('status' in auth) return auth;
      }
      return checker.handle(request);
    }
    const { org, matched } = findOrg(request, tenant);
    if (matched) {
      if (!org) return dataverseError(404, '0x80060888', 'No Dataverse organization exists at this URL.');
      const auth = authenticate(request, org.url);
      if ('status' in auth) return auth;
      const user = auth.principal.kind === 'app' ? auth.principal.app.objectId : auth.principal.user.objectId;
      return serviceProtection
        .run(`${org.url}|${user}`, () => handleDataverse(request, org, auth.principal, solutions, tenant, lifecycle.timeScale))
        .then((reply) => {
          // Read when the request is answered: a test may change it between requests.
          if (org.parallelismHint !== null) reply.headers = { ...reply.headers, 'x-ms-dop-hint': String(org.parallelismHint) };
          return reply;
        });
    }
    return json(404, { error: { code: 'NotFound', message: `The sandbox has no route for ${request.method} ${request.url.pathname}.` } });
  }

  /**
   * Admin APIs answer only Power Platform admins and registered management applications (docs/service-notes.md#sign-in-hosts-and-clouds).
   */
  function requireAdmin(request: SandboxRequest, principal: Principal, reply: (code: string, message: string) => Reply): Reply | undefined {
    const admin = principal.kind === 'app' ? principal.app.managementApp : principal.user.admin;
    if (admin) return undefined;
    const who = principal.kind === 'app' ? principal.app.clientId : principal.user.userPrincipalName;
    return reply(
      'Forbidden',
      `The service principal or user '${who}' does not have permission to access the path '${request.url.pathname}' in tenant '${tenant.tenantId}'.`,
    );
  }

  function authenticate(request: SandboxRequest, audience: string): { principal: Principal } | Reply {
    const token = bearerToken(request);
    const verified = token ? identity.verify(token) : undefined;
    if (!verified || verified.audience.replace(/\/+$/, '').toLowerCase() !== audience.toLowerCase()) {
      return {
        status: 401,
        headers: { 'www-authenticate': `Bearer authorization_uri="${url}/${tenant.tenantId}/oauth2/authorize", resource_id="${audience}"` },
      };
    }
    return { principal: verified.principal };
  }

  return {
    url,
    tenant,
    tenantId: tenant.tenantId,
    clientId: SANDBOX_CLIENT_ID,
    clientSecret: app.secret!,
    certificatePem: tls.certificatePem,
    certificateFile,
    managedIdentity: { endpoint: `${url}/msi/token`, secret: managedIdentitySecret },
    identity,
    faults,
    lifecycle,
    solutions,
    requests,
    serviceProtection,
    env: () => ({
      POWERAGENT_AUTHORITY_HOST: url,
      POWERAGENT_BAP_URL: url,
      POWERAGENT_POWERPLATFORM_URL: url,
      POWERAGENT_CHECKER_URL: `${url}/advisor`,
      // The sandbox serves every org on its own host, under /orgs/<domain>: trusted as a Dataverse host.
      POWERAGENT_DATAVERSE_DOMAINS: new URL(url).host,
      POWERPLATFORM_TENANT_ID: tenant.tenantId,
      POWERPLATFORM_APPLICATION_ID: SANDBOX_CLIENT_ID,
      POWERPLATFORM_CLIENT_SECRET: app.secret!,
      NODE_EXTRA_CA_CERTS: certificateFile,
    }),
    close: async () => {
      stopping.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(certDir, { recursive: true, force: true });
    },
  };
}

/** 429, 503 and 403 as each service sends them (docs/service-notes.md#errors-limits-and-retries). */
function faultReply(fault: FaultRule, request: SandboxRequest): Reply {
  const headers: Record<string, string> = fault.retryAfterSeconds !== undefined ? { 'retry-after': String(fault.retryAfterSeconds) } : {};
  const dataverse = request.url.pathname.startsWith('/orgs/');
  if (fault.kind === 'forbidden') {
    return dataverse
      ? json(403, { error: { code: '0x80040220', message: 'The user does not hold the privilege this request needs.' } })
      : json(403, { error: { code: 'Forbidden', message: 'The caller is not allowed to do this.' } });
  }
  if (fault.kind === 'throttle') {
    return dataverse
      ? json(
          429,
          { error: { code: '0x80072322', message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.' } },
          headers,
        )
      : json(429, { error: { code: 'TooManyRequests', message: 'Rate limit is exceeded. Try again later.' } }, headers);
  }
  return json(503, { error: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable.' } }, headers);
}
