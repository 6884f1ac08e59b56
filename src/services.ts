import { readAuthConfig, type AuthConfig } from './auth/credentials';
import { createMsalTokenSource } from './auth/msal';
import { CachingTokenProvider, type TokenProvider, type TokenSource } from './auth/tokenProvider';
import type { Logger } from './log';
import { BapClient } from './platform/bap';
import { DataverseClient } from './platform/dataverse';
import { dataverseResource, resolveEndpoints, type Endpoints } from './platform/endpoints';
import { EnvironmentDirectory } from './platform/environmentDirectory';
import { HttpClient, type HttpClientOptions } from './platform/http';
import { PlatformError } from './platform/errors';
import { PowerPlatformClient } from './platform/powerPlatform';
import { audienceRefusal, requestRefusal, tokenRefusal } from './platform/serviceHosts';
import { SolutionCache } from './platform/solutionCache';
import type { Metrics } from './observability/metrics';

/** The signed-in clients a tool handler works with. */
export interface Services {
  endpoints: Endpoints;
  tokens: TokenProvider;
  http: HttpClient;
  bap: BapClient;
  powerPlatform: PowerPlatformClient;
  dataverse(instanceUrl: string): DataverseClient;
  /** The tenant's environments as last listed, for lookups by name or URL. */
  environments: EnvironmentDirectory;
  /** Each org's solutions as last read, for lookups by unique name. */
  solutionLists: SolutionCache;
  close(): Promise<void>;
}

export interface ServicesOptions {
  env: Record<string, string | undefined>;
  logger: Logger;
  userAgent: string;
  /** Replaces the sign-in read from the environment (the sandbox, the VS Code account provider). */
  auth?: AuthConfig;
  tokenSource?: (http: HttpClient, endpoints: Endpoints) => TokenSource;
  http?: Partial<HttpClientOptions>;
  onDeviceCode?: (message: string) => void;
  /** The clock the caches age by (tests move a fake one). */
  now?: () => number;
  /** Counts every request, throttling and retry, and Dataverse's remaining budget. */
  metrics?: Metrics;
}

/** Reads endpoints and credentials and builds the clients. Throws ConfigurationError when something is missing. */
export function createServices(options: ServicesOptions): Services {
  const endpoints = resolveEndpoints(options.env);
  const auth = options.tokenSource ? undefined : (options.auth ?? readAuthConfig(options.env));
  // No token is asked for an audience outside the cloud's services (an org URL from a tool argument).
  const tokens: TokenProvider = {
    get description() {
      return cache.description;
    },
    getToken(resource, signal) {
      const refused = audienceRefusal(resource, endpoints);
      if (refused)
        return Promise.reject(
          new PlatformError({
            service: 'identity',
            status: 0,
            code: 'UntrustedAudience',
            message: `No token was asked for ${resource.replace(/\/\/[^/@]*@/, '//')}: ${refused}.`,
          }),
        );
      return cache.getToken(resource, signal);
    },
    invalidate: (resource) => cache.invalidate(resource),
  };
  const http = new HttpClient({
    logger: options.logger,
    userAgent: options.userAgent,
    ...options.http,
    metrics: options.metrics ?? options.http?.metrics,
    // The token provider is made below and needs this client for its own calls, hence the indirection.
    tokens,
    // The one gate every request passes: tokens and data go only to the cloud's own hosts.
    hostPolicy: (url, resource) => (resource ? tokenRefusal(url, resource, endpoints) : requestRefusal(url, endpoints)),
  });
  const source = options.tokenSource
    ? options.tokenSource(http, endpoints)
    : createMsalTokenSource({ auth: auth!, endpoints, http, logger: options.logger, onDeviceCode: options.onDeviceCode });
  const cache = new CachingTokenProvider(source);
  const dataverseClients = new Map<string, DataverseClient>();
  const bap = new BapClient(http, endpoints);
  return {
    endpoints,
    tokens,
    http,
    bap,
    environments: new EnvironmentDirectory(bap, options.now),
    solutionLists: new SolutionCache(options.now),
    powerPlatform: new PowerPlatformClient(http, endpoints),
    dataverse(instanceUrl) {
      const key = dataverseResource(instanceUrl).toLowerCase();
      let client = dataverseClients.get(key);
      if (!client) dataverseClients.set(key, (client = new DataverseClient(http, instanceUrl)));
      return client;
    },
    close: () => http.close(),
  };
}
