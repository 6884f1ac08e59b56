import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  ConfidentialClientApplication,
  LogLevel,
  ManagedIdentityApplication,
  PublicClientApplication,
  type AuthenticationResult,
  type Configuration,
  type INetworkModule,
} from '@azure/msal-node';
import type { Logger } from '../log';
import { ConfigurationError, type Endpoints } from '../platform/endpoints';
import { PlatformError } from '../platform/errors';
import type { HttpClient } from '../platform/http';
import type { AuthConfig } from './credentials';
import { ownerOnlyFileCache } from './diskCache';
import { SIGN_IN_UNAVAILABLE, SIGN_IN_UNREACHABLE, msalNetworkClient } from './msalNetwork';
import { scopeFor, type AccessToken, type TokenSource } from './tokenProvider';

export interface MsalSourceOptions {
  auth: AuthConfig;
  endpoints: Endpoints;
  http: HttpClient;
  logger: Logger;
  /** Shows the device-code sign-in instructions to the person. */
  onDeviceCode?: (message: string) => void;
}

const MICROSOFT_LOGIN_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoftonline.us',
  'login.chinacloudapi.cn',
  'login.microsoft.com',
]);

/** A TokenSource backed by @azure/msal-node for the configured sign-in method. */
export function createMsalTokenSource(options: MsalSourceOptions): TokenSource {
  const { auth } = options;
  const network = msalNetworkClient(options.http);
  const system = { networkClient: network, loggerOptions: msalLogger(options.logger) };
  switch (auth.kind) {
    case 'client-secret':
      return confidential(options, `service principal ${auth.clientId} (client secret)`, { clientSecret: auth.clientSecret }, system);
    case 'certificate':
      return confidential(
        options,
        `service principal ${auth.clientId} (certificate)`,
        { clientCertificate: loadCertificate(auth.certificatePath, auth.certificatePassword) },
        system,
      );
    case 'workload-identity':
      // The federated token file is rotated by the platform, so it is read again for every assertion.
      return confidential(
        options,
        `service principal ${auth.clientId} (workload identity federation)`,
        { clientAssertion: async () => (await readFile(auth.tokenFile, 'utf8')).trim() },
        system,
      );
    case 'managed-identity':
      return managedIdentity(auth.clientId, system);
    case 'device-code':
      return deviceCode(options, auth, system);
  }
}

function authority(endpoints: Endpoints, tenantId: string): Pick<Configuration['auth'], 'authority' | 'knownAuthorities'> {
  const host = new URL(endpoints.authorityHost).host;
  // MSAL trusts Microsoft's login hosts by itself; any other host (private cloud, sandbox) must be declared.
  return { authority: `${endpoints.authorityHost}/${tenantId}`, knownAuthorities: MICROSOFT_LOGIN_HOSTS.has(host) ? [] : [host] };
}

type SystemOptions = { networkClient: INetworkModule; loggerOptions: NonNullable<Configuration['system']>['loggerOptions'] };

function confidential(
  options: MsalSourceOptions,
  description: string,
  credential: Partial<Configuration['auth']>,
  system: SystemOptions,
): TokenSource {
  const auth = options.auth as { tenantId: string; clientId: string };
  const app = new ConfidentialClientApplication({
    auth: { clientId: auth.clientId, ...authority(options.endpoints, auth.tenantId), ...credential },
    system,
  });
  return {
    description,
    async acquire(resource, { forceRefresh }) {
      const result = await msalCall(options.auth.kind, () =>
        app.acquireTokenByClientCredential({ scopes: [scopeFor(resource)], skipCache: forceRefresh }),
      );
      return toAccessToken(result);
    },
  };
}

function managedIdentity(clientId: string | undefined, system: SystemOptions): TokenSource {
  const app = new ManagedIdentityApplication({
    managedIdentityIdParams: clientId ? { userAssignedClientId: clientId } : undefined,
    system,
  });
  return {
    description: clientId ? `managed identity ${clientId}` : 'system-assigned managed identity',
    async acquire(resource, { forceRefresh }) {
      return toAccessToken(
        await msalCall('managed-identity', () => app.acquireToken({ resource: resource.replace(/\/+$/, ''), forceRefresh })),
      );
    },
  };
}

function deviceCode(options: MsalSourceOptions, auth: Extract<AuthConfig, { kind: 'device-code' }>, system: SystemOptions): TokenSource {
  const app = new PublicClientApplication({
    auth: { clientId: auth.clientId, ...authority(options.endpoints, auth.tenantId) },
    cache: { cachePlugin: ownerOnlyFileCache(auth.cacheFile) },
    system,
  });
  return {
    description: `user sign-in (device code, client ${auth.clientId})`,
    async acquire(resource, { forceRefresh, signal }) {
      const scopes = [scopeFor(resource)];
      const [account] = await app.getTokenCache().getAllAccounts();
      if (account) {
        try {
          return toAccessToken(await app.acquireTokenSilent({ account, scopes, forceRefresh }));
        } catch (error) {
          options.logger.debug(`silent sign-in failed, asking for device code: ${(error as Error).message.split('\n')[0]}`);
        }
      }
      const request = {
        scopes,
        cancel: false,
        deviceCodeCallback: (response: { message: string }) => (options.onDeviceCode ?? ((m) => options.logger.warn(m)))(response.message),
      };
      signal?.addEventListener('abort', () => (request.cancel = true), { once: true });
      return toAccessToken(await msalCall('device-code', () => app.acquireTokenByDeviceCode(request)));
    },
  };
}

function toAccessToken(result: AuthenticationResult | null): AccessToken {
  if (!result?.accessToken)
    throw new PlatformError({ service: 'identity', status: 0, code: 'no_token', message: 'Sign-in returned no access token.' });
  return { token: result.accessToken, expiresOn: result.expiresOn?.getTime() ?? Date.now() + 5 * 60_000 };
}

/** Runs an MSAL call and turns its errors into PlatformError with the AADSTS code, correlation id and a hint. */
async function msalCall<T>(method: AuthConfig['kind'], call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw toPlatformError(error, method);
  }
}

export function toPlatformError(error: unknown, method?: AuthConfig['kind']): PlatformError {
  if (error instanceof PlatformError) return error;
  const e = error as { errorCode?: unknown; errorMessage?: unknown; message?: unknown; correlationId?: unknown };
  const text = readable(e.errorMessage) || readable(e.message) || 'Sign-in failed.';
  const aadsts = /AADSTS\d+/.exec(text)?.[0];
  const message = text.split(/\r?\n|Trace ID:/)[0]!.trim();
  const code = aadsts ?? (readable(e.errorCode) || 'sign_in_failed');
  return new PlatformError({
    service: 'identity',
    status: 0,
    code,
    message,
    correlationId: readable(e.correlationId) || undefined,
    hint: signInHint(code, method),
  });
}

/** A value as text a person can read: never "[object Object]". */
function readable(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined || value === null) return '';
  if (typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string')
    return (value as { message: string }).message;
  return JSON.stringify(value) ?? '';
}

function signInHint(code: string, method: AuthConfig['kind'] | undefined): string {
  switch (code) {
    case 'AADSTS7000215':
    case 'invalid_client':
      return 'The client secret or certificate was refused. Check POWERPLATFORM_CLIENT_SECRET (or the certificate) and that it has not expired.';
    case 'AADSTS700016':
    case 'unauthorized_client':
      return 'The application id was not found in this tenant. Check POWERPLATFORM_APPLICATION_ID and POWERPLATFORM_TENANT_ID.';
    case 'AADSTS90002':
    case 'AADSTS900023':
      return 'The tenant was not found. Check POWERPLATFORM_TENANT_ID and POWERPLATFORM_CLOUD.';
    case 'AADSTS700024':
    case 'AADSTS70021':
      return 'The federated token was refused. Check the federated credential (issuer, subject, audience) on the app registration and AZURE_FEDERATED_TOKEN_FILE.';
    case 'expired_token':
    case 'code_expired':
      return 'The device code expired before sign-in finished. Call the tool again and complete the sign-in within the time shown.';
    case 'authorization_declined':
      return 'The sign-in was declined. Call the tool again to sign in with another account.';
    case SIGN_IN_UNAVAILABLE:
      return 'The sign-in service is having trouble; the request was tried several times. Try again in a few minutes.';
    case 'managed_identity_unavailable':
    case SIGN_IN_UNREACHABLE:
    case 'network_error':
      return method === 'managed-identity'
        ? 'The managed identity endpoint could not be reached. Run where a managed identity is assigned, or choose another sign-in method.'
        : 'Check the network (proxy, firewall) and that POWERPLATFORM_CLOUD or POWERAGENT_AUTHORITY_HOST names the right sign-in service, then try again.';
    default:
      return 'Check the sign-in settings (POWERPLATFORM_TENANT_ID, POWERPLATFORM_APPLICATION_ID, POWERPLATFORM_CLOUD, POWERAGENT_AUTH) and try again.';
  }
}

function loadCertificate(path: string, password?: string): { thumbprintSha256: string; privateKey: string; x5c: string } {
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigurationError(`POWERPLATFORM_CLIENT_CERTIFICATE_PATH "${path}" cannot be read.`);
  }
  const certificate = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  const keyPem = /-----BEGIN (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----[\s\S]+?-----END (?:ENCRYPTED |RSA |EC )?PRIVATE KEY-----/.exec(
    pem,
  )?.[0];
  if (!certificate || !keyPem) {
    throw new ConfigurationError(
      `POWERPLATFORM_CLIENT_CERTIFICATE_PATH must be a PEM file with both the certificate and its private key (convert a .pfx with: openssl pkcs12 -in cert.pfx -out cert.pem -nodes).`,
    );
  }
  let privateKey: string;
  try {
    privateKey = createPrivateKey({ key: keyPem, passphrase: password }).export({ format: 'pem', type: 'pkcs8' }).toString();
  } catch {
    throw new ConfigurationError(
      'The private key in POWERPLATFORM_CLIENT_CERTIFICATE_PATH cannot be read; if it is encrypted, set POWERPLATFORM_CLIENT_CERTIFICATE_PASSWORD.',
    );
  }
  const thumbprintSha256 = new X509Certificate(certificate).fingerprint256.replace(/:/g, '');
  return { thumbprintSha256, privateKey, x5c: certificate };
}

function msalLogger(logger: Logger) {
  return {
    piiLoggingEnabled: false,
    logLevel: LogLevel.Warning,
    loggerCallback: (_level: LogLevel, message: string, containsPii: boolean) => {
      if (!containsPii) logger.debug(`msal: ${message}`);
    },
  };
}
