import { X509Certificate, createHash, randomBytes, randomUUID, timingSafeEqual, type KeyObject } from 'node:crypto';
import { decodeJwt, signJwt, verifySignature } from './jwt';
import { form, json, type Reply, type SandboxRequest } from './http';
import type { SandboxApp, SandboxTenant, SandboxUser } from './state';

/** Who a verified access token stands for. */
export type Principal = { kind: 'app'; app: SandboxApp } | { kind: 'user'; user: SandboxUser };

export interface IdentityOptions {
  baseUrl: string;
  tenant: SandboxTenant;
  privateKeyPem: string;
  /** The certificate whose key signs tokens (the sandbox's TLS certificate). */
  certificatePem: string;
  keyId: string;
  tokenLifetimeSeconds: number;
  /** Seconds between device-code polls the client is told to keep. */
  deviceCodeInterval: number;
  /** The X-IDENTITY-HEADER value the managed identity endpoint expects (App Service style). */
  managedIdentitySecret: string;
}

interface DeviceGrant {
  deviceCode: string;
  userCode: string;
  clientId: string;
  scope: string;
  expiresAt: number;
  approvedBy?: SandboxUser;
  declined?: boolean;
}

/**
 * An Entra ID stand-in with the shapes MSAL expects: OIDC discovery per tenant, a v2 token endpoint
 * (client credentials with secret, certificate or federated assertion; device code; refresh token),
 * a device login page, and the App Service managed identity endpoint.
 */
export class IdentityService {
  private readonly grants = new Map<string, DeviceGrant>();
  private readonly refreshTokens = new Map<string, { user: SandboxUser; clientId: string }>();
  /** Token requests by grant type, for tests that check caching. */
  readonly issued: Array<{ grant: string; resource: string }> = [];

  private readonly publicKey: KeyObject;
  /** Bearer tokens whose signature was checked: a client sends the same token for an hour of requests. */
  private readonly signatureChecked = new Set<string>();

  constructor(private readonly options: IdentityOptions) {
    this.publicKey = new X509Certificate(options.certificatePem).publicKey;
  }

  get issuer(): string {
    return `${this.options.baseUrl}/${this.options.tenant.tenantId}/v2.0`;
  }

  handle(request: SandboxRequest): Reply | undefined {
    const path = request.url.pathname;
    const tenantRoute =
      /^\/([^/]+)\/(v2\.0\/\.well-known\/openid-configuration|oauth2\/v2\.0\/token|oauth2\/v2\.0\/devicecode|discovery\/v2\.0\/keys)$/.exec(
        path,
      );
    if (tenantRoute) {
      const [, tenant, route] = tenantRoute;
      if (!this.knownTenant(tenant!)) return oauthError(400, 'invalid_request', 'AADSTS90002', `Tenant '${tenant}' not found.`);
      if (route!.endsWith('openid-configuration') && request.method === 'GET') return json(200, this.discovery(tenant!));
      if (route!.endsWith('keys') && request.method === 'GET') return json(200, this.jwks());
      if (route!.endsWith('token') && request.method === 'POST') return this.token(request);
      if (route!.endsWith('devicecode') && request.method === 'POST') return this.deviceCode(request);
    }
    if (path === '/device') return request.method === 'POST' ? this.approveDevice(request) : devicePage();
    if (path === '/msi/token' && request.method === 'GET') return this.managedIdentity(request);
    return undefined;
  }

  /** Verifies a bearer token's signature and lifetime, and returns its claims and principal. */
  verify(token: string): { audience: string; principal: Principal } | undefined {
    const jwt = decodeJwt(token);
    if (!jwt) return undefined;
    if (!this.signatureChecked.has(token)) {
      if (!verifySignature(jwt, this.publicKey)) return undefined;
      if (this.signatureChecked.size >= 1000) this.signatureChecked.clear();
      this.signatureChecked.add(token);
    }
    const claims = jwt.payload as { aud?: string; exp?: number; oid?: string; iss?: string };
    if (!claims.exp || claims.exp * 1000 < Date.now() || claims.iss !== this.issuer) return undefined;
    const app = this.options.tenant.apps.find((a) => a.objectId === claims.oid);
    const user = this.options.tenant.users.find((u) => u.objectId === claims.oid);
    const principal: Principal | undefined = app ? { kind: 'app', app } : user ? { kind: 'user', user } : undefined;
    return principal && claims.aud ? { audience: claims.aud, principal } : undefined;
  }

  /** Signs in a waiting device code, as the person would in the browser. */
  approveUserCode(userCode: string, user = this.options.tenant.users[0]!): boolean {
    const grant = [...this.grants.values()].find((g) => g.userCode === userCode.trim().toUpperCase());
    if (!grant || grant.expiresAt < Date.now()) return false;
    grant.approvedBy = user;
    return true;
  }

  private knownTenant(tenant: string): boolean {
    const t = this.options.tenant;
    return [t.tenantId, t.tenantDomain, 'organizations', 'common'].includes(tenant.toLowerCase());
  }

  private discovery(tenant: string) {
    const base = `${this.options.baseUrl}/${tenant}`;
    return {
      issuer: this.issuer,
      token_endpoint: `${base}/oauth2/v2.0/token`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      jwks_uri: `${base}/discovery/v2.0/keys`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      tenant_region_scope: 'NA',
      cloud_instance_name: 'sandbox.local',
    };
  }

  private jwks() {
    const jwk = this.publicKey.export({ format: 'jwk' });
    return { keys: [{ kty: 'RSA', use: 'sig', kid: this.options.keyId, n: jwk.n, e: jwk.e }] };
  }

  private token(request: SandboxRequest): Reply {
    const params = form(request);
    const grantType = params.get('grant_type');
    const clientId = params.get('client_id') ?? '';
    if (grantType === 'client_credentials') {
      const app = this.options.tenant.apps.find((a) => a.clientId === clientId);
      if (!app)
        return oauthError(
          400,
          'unauthorized_client',
          'AADSTS700016',
          `Application with identifier '${clientId}' was not found in the directory '${this.options.tenant.tenantDomain}'.`,
        );
      const refusal = this.checkClientCredential(app, params);
      if (refusal) return refusal;
      const resource = resourceFromScope(params.get('scope'));
      if (!resource)
        return oauthError(
          400,
          'invalid_scope',
          'AADSTS1002012',
          'The provided value for scope is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier.',
        );
      return json(200, this.tokenResponse({ kind: 'app', app }, resource, 'client_credentials'), noStore);
    }
    if (grantType === 'urn:ietf:params:oauth:grant-type:device_code' || grantType === 'device_code') {
      const grant = this.grants.get(params.get('device_code') ?? '');
      if (!grant) return oauthError(400, 'invalid_grant', 'AADSTS70000', 'The provided device code is not valid.');
      if (grant.expiresAt < Date.now()) return oauthError(400, 'expired_token', 'AADSTS70020', 'The device code has expired.');
      if (grant.declined) return oauthError(400, 'authorization_declined', 'AADSTS70016', 'The user declined the sign-in.');
      if (!grant.approvedBy)
        return oauthError(
          400,
          'authorization_pending',
          'AADSTS70016',
          'OAuth 2.0 device flow error. Authorization is pending. Continue polling.',
        );
      this.grants.delete(grant.deviceCode);
      return json(200, this.userTokenResponse(grant.approvedBy, grant.clientId, grant.scope, 'device_code'), noStore);
    }
    if (grantType === 'refresh_token') {
      const entry = this.refreshTokens.get(params.get('refresh_token') ?? '');
      if (!entry || entry.clientId !== clientId)
        return oauthError(400, 'invalid_grant', 'AADSTS70008', 'The provided refresh token has expired or is not valid.');
      return json(200, this.userTokenResponse(entry.user, clientId, params.get('scope') ?? '', 'refresh_token'), noStore);
    }
    return oauthError(400, 'unsupported_grant_type', 'AADSTS70003', `The grant type '${grantType}' is not supported.`);
  }

  private checkClientCredential(app: SandboxApp, params: URLSearchParams): Reply | undefined {
    const secret = params.get('client_secret');
    if (secret !== null) {
      return app.secret && sameSecret(secret, app.secret)
        ? undefined
        : oauthError(401, 'invalid_client', 'AADSTS7000215', 'Invalid client secret provided.');
    }
    const assertion = params.get('client_assertion');
    if (assertion === null)
      return oauthError(
        401,
        'invalid_client',
        'AADSTS7000218',
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    if (app.federatedToken && sameSecret(assertion, app.federatedToken)) return undefined;
    const jwt = decodeJwt(assertion);
    const thumbprint =
      jwt && typeof jwt.header['x5t#S256'] === 'string'
        ? Buffer.from(jwt.header['x5t#S256'], 'base64url').toString('hex').toUpperCase()
        : undefined;
    if (!jwt || !app.certificate || thumbprint !== app.certificate.thumbprintSha256) {
      return oauthError(
        401,
        'invalid_client',
        'AADSTS700027',
        'The certificate with identifier used to sign the client assertion is not registered on application.',
      );
    }
    const claims = jwt.payload as { aud?: string; iss?: string; sub?: string; exp?: number };
    const fresh = typeof claims.exp === 'number' && claims.exp * 1000 > Date.now();
    if (
      !verifySignature(jwt, new X509Certificate(app.certificate.pem).publicKey) ||
      claims.iss !== app.clientId ||
      claims.sub !== app.clientId ||
      !fresh
    ) {
      return oauthError(401, 'invalid_client', 'AADSTS700027', 'Client assertion failed signature validation.');
    }
    return undefined;
  }

  private deviceCode(request: SandboxRequest): Reply {
    const params = form(request);
    const clientId = params.get('client_id') ?? '';
    const grant: DeviceGrant = {
      deviceCode: randomBytes(24).toString('base64url'),
      userCode: randomBytes(5).toString('hex').toUpperCase().slice(0, 9),
      clientId,
      scope: params.get('scope') ?? '',
      expiresAt: Date.now() + 900_000,
    };
    this.grants.set(grant.deviceCode, grant);
    const verificationUri = `${this.options.baseUrl}/device`;
    return json(200, {
      user_code: grant.userCode,
      device_code: grant.deviceCode,
      verification_uri: verificationUri,
      expires_in: 900,
      interval: this.options.deviceCodeInterval,
      message: `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${grant.userCode} to authenticate.`,
    });
  }

  private approveDevice(request: SandboxRequest): Reply {
    const ok = this.approveUserCode(form(request).get('user_code') ?? '');
    return {
      status: ok ? 200 : 400,
      body: ok
        ? '<p>Signed in to the Power Agent MCP sandbox. You can close this page.</p>'
        : '<p>That code is not valid or has expired.</p>',
    };
  }

  private managedIdentity(request: SandboxRequest): Reply {
    const header = request.headers['x-identity-header'];
    if (typeof header !== 'string' || !sameSecret(header, this.options.managedIdentitySecret)) {
      return json(401, { statusCode: 401, message: 'The X-IDENTITY-HEADER is missing or wrong.' });
    }
    const resource = request.url.searchParams.get('resource');
    const clientId = request.url.searchParams.get('client_id');
    const app = clientId ? this.options.tenant.apps.find((a) => a.clientId === clientId) : this.options.tenant.apps[0];
    if (!resource || !app)
      return json(400, {
        statusCode: 400,
        message: !resource ? 'resource is required' : `No managed identity with client id ${clientId}.`,
      });
    const token = this.tokenResponse({ kind: 'app', app }, resource.replace(/\/+$/, ''), 'managed_identity');
    return json(200, {
      access_token: token.access_token,
      expires_on: String(Math.floor(Date.now() / 1000) + this.options.tokenLifetimeSeconds),
      resource,
      token_type: 'Bearer',
      client_id: app.clientId,
    });
  }

  private tokenResponse(principal: Principal, resource: string, grant: string) {
    this.issued.push({ grant, resource });
    const now = Math.floor(Date.now() / 1000);
    const lifetime = this.options.tokenLifetimeSeconds;
    const claims: Record<string, unknown> = {
      aud: resource,
      iss: this.issuer,
      iat: now,
      nbf: now,
      exp: now + lifetime,
      tid: this.options.tenant.tenantId,
      ver: '2.0',
      uti: randomUUID(),
    };
    if (principal.kind === 'app')
      Object.assign(claims, {
        oid: principal.app.objectId,
        sub: principal.app.objectId,
        appid: principal.app.clientId,
        azp: principal.app.clientId,
        roles: ['user_impersonation'],
      });
    else
      Object.assign(claims, {
        oid: principal.user.objectId,
        sub: principal.user.objectId,
        upn: principal.user.userPrincipalName,
        name: principal.user.displayName,
        scp: 'user_impersonation',
      });
    return {
      token_type: 'Bearer',
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: signJwt(claims, this.options.privateKeyPem, this.options.keyId),
    };
  }

  private userTokenResponse(user: SandboxUser, clientId: string, scope: string, grant: string) {
    const resource = resourceFromScope(scope.split(' ').find((s) => s.endsWith('/.default'))) ?? 'https://graph.microsoft.com';
    const access = this.tokenResponse({ kind: 'user', user }, resource, grant);
    const now = Math.floor(Date.now() / 1000);
    const tid = this.options.tenant.tenantId;
    const idToken = signJwt(
      {
        aud: clientId,
        iss: this.issuer,
        iat: now,
        nbf: now,
        exp: now + 3600,
        tid,
        oid: user.objectId,
        sub: user.objectId,
        preferred_username: user.userPrincipalName,
        name: user.displayName,
        ver: '2.0',
      },
      this.options.privateKeyPem,
      this.options.keyId,
    );
    const refreshToken = randomBytes(32).toString('base64url');
    this.refreshTokens.set(refreshToken, { user, clientId });
    return {
      ...access,
      scope: `${resource}/user_impersonation`,
      id_token: idToken,
      refresh_token: refreshToken,
      client_info: Buffer.from(JSON.stringify({ uid: user.objectId, utid: tid })).toString('base64url'),
    };
  }
}

const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' };

function resourceFromScope(scope: string | null | undefined): string | undefined {
  const s = scope?.split(' ').find((part) => part.endsWith('/.default'));
  return s ? s.slice(0, -'/.default'.length).replace(/\/+$/, '') : undefined;
}

function oauthError(status: number, error: string, aadsts: string, text: string): Reply {
  const correlationId = randomUUID();
  return json(status, {
    error,
    error_description: `${aadsts}: ${text} Trace ID: ${randomUUID()} Correlation ID: ${correlationId} Timestamp: ${new Date().toISOString()}`,
    error_codes: [Number(aadsts.slice(6))],
    timestamp: new Date().toISOString(),
    trace_id: randomUUID(),
    correlation_id: correlationId,
  });
}

function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function devicePage(): Reply {
  return {
    status: 200,
    body: '<!doctype html><title>Sandbox sign-in</title><h1>Power Agent MCP sandbox sign-in</h1><form method="post"><label>Code <input name="user_code" autofocus></label> <button>Sign in as Sandbox Admin</button></form>',
  };
}
