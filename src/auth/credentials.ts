import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '../platform/endpoints';

/**
 * The public client id of the Power Platform CLI, pre-authorised for BAP, Dataverse and the Power Platform API
 * (docs/service-notes.md#sign-in-hosts-and-clouds).
 */
export const PAC_PUBLIC_CLIENT_ID = '9cee029c-6210-4654-90bb-17e6e9d36617';

export type AuthConfig =
  | { kind: 'client-secret'; tenantId: string; clientId: string; clientSecret: string }
  | { kind: 'certificate'; tenantId: string; clientId: string; certificatePath: string; certificatePassword?: string }
  | { kind: 'workload-identity'; tenantId: string; clientId: string; tokenFile: string }
  | { kind: 'managed-identity'; clientId?: string }
  | { kind: 'device-code'; tenantId: string; clientId: string; cacheFile: string };

export const AUTH_KINDS = ['client-secret', 'certificate', 'workload-identity', 'managed-identity', 'device-code'] as const;

type Env = Record<string, string | undefined>;

/**
 * Chooses the sign-in method from the environment: POWERAGENT_AUTH when set, otherwise the first
 * credential found (secret, certificate, federated token file). Throws a ConfigurationError that
 * names exactly what is missing.
 */
export function readAuthConfig(env: Env): AuthConfig {
  const requested = env.POWERAGENT_AUTH?.trim().toLowerCase();
  const kind = requested || detectKind(env);
  if (!kind) {
    throw new ConfigurationError(
      'No Power Platform credentials are configured. Set POWERPLATFORM_TENANT_ID, POWERPLATFORM_APPLICATION_ID and ' +
        'POWERPLATFORM_CLIENT_SECRET for a service principal (or POWERPLATFORM_CLIENT_CERTIFICATE_PATH instead of the secret, ' +
        'or AZURE_FEDERATED_TOKEN_FILE for workload identity), or POWERAGENT_AUTH=managed-identity, or POWERAGENT_AUTH=device-code ' +
        'to sign in as a user. To try the tools without a tenant, start the server with --sandbox.',
    );
  }
  const tenantId = env.POWERPLATFORM_TENANT_ID ?? env.AZURE_TENANT_ID;
  const clientId = env.POWERPLATFORM_APPLICATION_ID ?? env.AZURE_CLIENT_ID;
  switch (kind) {
    case 'client-secret':
      return {
        kind,
        ...required(
          kind,
          {
            POWERPLATFORM_TENANT_ID: tenantId,
            POWERPLATFORM_APPLICATION_ID: clientId,
            POWERPLATFORM_CLIENT_SECRET: env.POWERPLATFORM_CLIENT_SECRET,
          },
          (v) => ({
            tenantId: v.POWERPLATFORM_TENANT_ID,
            clientId: v.POWERPLATFORM_APPLICATION_ID,
            clientSecret: v.POWERPLATFORM_CLIENT_SECRET,
          }),
        ),
      };
    case 'certificate':
      return {
        kind,
        ...required(
          kind,
          {
            POWERPLATFORM_TENANT_ID: tenantId,
            POWERPLATFORM_APPLICATION_ID: clientId,
            POWERPLATFORM_CLIENT_CERTIFICATE_PATH: env.POWERPLATFORM_CLIENT_CERTIFICATE_PATH,
          },
          (v) => ({
            tenantId: v.POWERPLATFORM_TENANT_ID,
            clientId: v.POWERPLATFORM_APPLICATION_ID,
            certificatePath: v.POWERPLATFORM_CLIENT_CERTIFICATE_PATH,
          }),
        ),
        certificatePassword: env.POWERPLATFORM_CLIENT_CERTIFICATE_PASSWORD,
      };
    case 'workload-identity':
      return {
        kind,
        ...required(
          kind,
          {
            POWERPLATFORM_TENANT_ID: tenantId,
            POWERPLATFORM_APPLICATION_ID: clientId,
            AZURE_FEDERATED_TOKEN_FILE: env.AZURE_FEDERATED_TOKEN_FILE,
          },
          (v) => ({
            tenantId: v.POWERPLATFORM_TENANT_ID,
            clientId: v.POWERPLATFORM_APPLICATION_ID,
            tokenFile: v.AZURE_FEDERATED_TOKEN_FILE,
          }),
        ),
      };
    case 'managed-identity':
      return { kind, clientId: env.POWERPLATFORM_MANAGED_IDENTITY_CLIENT_ID ?? clientId };
    case 'device-code':
      return {
        kind,
        tenantId: tenantId ?? 'organizations',
        clientId: clientId ?? PAC_PUBLIC_CLIENT_ID,
        cacheFile: join(env.POWERAGENT_CACHE_DIR ?? join(homedir(), '.power-agent-mcp'), 'msal-cache.json'),
      };
    default:
      throw new ConfigurationError(
        `POWERAGENT_AUTH "${env.POWERAGENT_AUTH}" is not a sign-in method. Use one of: ${AUTH_KINDS.join(', ')}.`,
      );
  }
}

function detectKind(env: Env): AuthConfig['kind'] | undefined {
  if (env.POWERPLATFORM_CLIENT_SECRET) return 'client-secret';
  if (env.POWERPLATFORM_CLIENT_CERTIFICATE_PATH) return 'certificate';
  if (env.AZURE_FEDERATED_TOKEN_FILE) return 'workload-identity';
  return undefined;
}

function required<K extends string, R>(kind: string, values: Record<K, string | undefined>, build: (v: Record<K, string>) => R): R {
  const missing = Object.entries(values)
    .filter(([, v]) => !v)
    .map(([k]) => k);
  if (missing.length) throw new ConfigurationError(`Sign-in with ${kind} needs ${missing.join(', ')} to be set.`);
  return build(values as Record<K, string>);
}
