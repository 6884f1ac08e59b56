import assert from 'node:assert/strict';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { OAuth2Server } from 'oauth2-mock-server';
import { readAuthConfig, type AuthConfig } from '../../src/auth/credentials';
import { createMsalTokenSource } from '../../src/auth/msal';
import { CachingTokenProvider } from '../../src/auth/tokenProvider';
import { silentLogger } from '../../src/log';
import { resolveEndpoints } from '../../src/platform/endpoints';
import { PlatformError } from '../../src/platform/errors';
import { HttpClient } from '../../src/platform/http';
import { decodeJwt, verifySignature } from '../../src/sandbox/jwt';
import { generateCertificate } from '../../src/sandbox/tls';
import { invokeTool } from '../../src/tools/invoke';
import { whoAmI } from '../../src/tools/whoami';
import { invokeOptions, sandboxServices, text, withSandbox } from '../helpers';

const TENANT = '11111111-2222-3333-4444-555555555555';
const CLIENT_ID = '66666666-7777-8888-9999-000000000000';
const SECRET = 'test-secret-value-that-must-not-leak';

/** A real OAuth 2.0 / OIDC server over HTTPS on loopback, with Entra-shaped paths, and a record of what MSAL sent. */
let oauth: OAuth2Server;
let authorityHost = '';
let caPem = '';
let tempDir = '';
let clientCertificatePem = '';
const received: Array<Record<string, string>> = [];
let tokenLifetimeSeconds = 3600;
let federatedToken = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDphcHAifQ.signature';
/** Answers the token endpoint gives before any real one, in order (a gateway in front of it failing). */
const failures: Array<{ status: number; body: Record<string, unknown> }> = [];

before(async () => {
  tempDir = mkdtempSync(join(tmpdir(), 'power-agent-auth-'));
  const tls = await generateCertificate();
  caPem = tls.certificatePem;
  writeFileSync(join(tempDir, 'key.pem'), tls.privateKeyPem);
  writeFileSync(join(tempDir, 'cert.pem'), tls.certificatePem);
  const clientCert = await generateCertificate();
  clientCertificatePem = clientCert.certificatePem;
  writeFileSync(join(tempDir, 'client.pem'), clientCert.privateKeyPem + clientCert.certificatePem);

  oauth = new OAuth2Server(join(tempDir, 'key.pem'), join(tempDir, 'cert.pem'), {
    endpoints: {
      wellKnownDocument: `/${TENANT}/v2.0/.well-known/openid-configuration`,
      token: `/${TENANT}/oauth2/v2.0/token`,
      jwks: `/${TENANT}/discovery/v2.0/keys`,
      authorize: `/${TENANT}/oauth2/v2.0/authorize`,
    },
  });
  await oauth.issuer.keys.generate('RS256');
  // The mock server issues tokens to anyone; this hook makes it check the client credential the way Entra does.
  oauth.service.on(
    'beforeResponse',
    (response: { statusCode: number; body: Record<string, unknown> }, req: { body: Record<string, string> }) => {
      received.push({ ...req.body });
      const failure = failures.shift();
      if (failure) {
        response.statusCode = failure.status;
        response.body = failure.body;
        return;
      }
      const refusal = checkCredential(req.body);
      if (refusal) {
        response.statusCode = 401;
        response.body = {
          error: 'invalid_client',
          error_description: `${refusal}\r\nTrace ID: x\r\nCorrelation ID: corr-from-entra\r\nTimestamp: now`,
        };
        return;
      }
      response.body.expires_in = tokenLifetimeSeconds;
    },
  );
  await oauth.start(0, '127.0.0.1');
  authorityHost = oauth.issuer.url!;
});

after(async () => {
  await oauth.stop();
  rmSync(tempDir, { recursive: true, force: true });
});

function checkCredential(body: Record<string, string>): string | undefined {
  if (body.client_id !== CLIENT_ID) return 'AADSTS700016: Application not found.';
  if (body.client_secret !== undefined) return body.client_secret === SECRET ? undefined : 'AADSTS7000215: Invalid client secret provided.';
  if (body.client_assertion_type !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') return 'AADSTS7000218: no credential.';
  if (body.client_assertion === federatedToken) return undefined;
  const jwt = decodeJwt(body.client_assertion ?? '');
  const thumbprint = new X509Certificate(clientCertificatePem).fingerprint256.replace(/:/g, '');
  const headerThumbprint = jwt && Buffer.from(String(jwt.header['x5t#S256']), 'base64url').toString('hex').toUpperCase();
  if (!jwt || headerThumbprint !== thumbprint || !verifySignature(jwt, createPublicKey(clientCertificatePem)))
    return 'AADSTS700027: Client assertion failed signature validation.';
  if (jwt.payload.aud !== `${authorityHost}/${TENANT}/oauth2/v2.0/token` || jwt.payload.iss !== CLIENT_ID)
    return 'AADSTS700027: wrong audience or issuer.';
  return undefined;
}

function provider(auth: AuthConfig, extra: { ca?: string; authority?: string; onDeviceCode?: (message: string) => void } = {}) {
  const endpoints = resolveEndpoints({ POWERAGENT_AUTHORITY_HOST: extra.authority ?? authorityHost });
  const http = new HttpClient({
    logger: silentLogger,
    userAgent: 'test',
    extraCaCerts: [extra.ca ?? caPem],
    retry: { baseDelayMs: 10, maxDelayMs: 50 },
  });
  return new CachingTokenProvider(createMsalTokenSource({ auth, endpoints, http, logger: silentLogger, onDeviceCode: extra.onDeviceCode }));
}

const tokenRequests = () => received.filter((r) => r.grant_type === 'client_credentials');

describe('MSAL sign-in against a real OAuth server over HTTPS', () => {
  it('client secret from the POWERPLATFORM_* variables; one token per resource, cached', async () => {
    const auth = readAuthConfig({
      POWERPLATFORM_TENANT_ID: TENANT,
      POWERPLATFORM_APPLICATION_ID: CLIENT_ID,
      POWERPLATFORM_CLIENT_SECRET: SECRET,
    });
    assert.equal(auth.kind, 'client-secret');
    const tokens = provider(auth);
    received.length = 0;
    const bap = await tokens.getToken('https://service.powerapps.com/');
    assert.equal(await tokens.getToken('https://service.powerapps.com/'), bap);
    const org = await tokens.getToken('https://contoso.crm4.dynamics.com');
    assert.notEqual(org, bap);
    assert.deepEqual(
      tokenRequests().map((r) => r.scope),
      ['https://service.powerapps.com/.default', 'https://contoso.crm4.dynamics.com/.default'],
    );
    assert.equal(decodeJwt(bap)?.payload.iss, authorityHost, 'the token was issued by the OAuth server');
  });

  it('refreshes a token that is inside the refresh margin instead of using it', async () => {
    tokenLifetimeSeconds = 200; // below the 5-minute margin: every use must refresh
    try {
      const tokens = provider({ kind: 'client-secret', tenantId: TENANT, clientId: CLIENT_ID, clientSecret: SECRET });
      received.length = 0;
      await tokens.getToken('https://api.powerplatform.com');
      await tokens.getToken('https://api.powerplatform.com');
      assert.equal(tokenRequests().length, 2);
    } finally {
      tokenLifetimeSeconds = 3600;
    }
  });

  it('certificate: MSAL signs an assertion with the key, and the thumbprint and x5c identify the certificate', async () => {
    const auth = readAuthConfig({
      POWERPLATFORM_TENANT_ID: TENANT,
      POWERPLATFORM_APPLICATION_ID: CLIENT_ID,
      POWERPLATFORM_CLIENT_CERTIFICATE_PATH: join(tempDir, 'client.pem'),
    });
    assert.equal(auth.kind, 'certificate');
    received.length = 0;
    await provider(auth).getToken('https://service.powerapps.com/');
    const jwt = decodeJwt(tokenRequests()[0]!.client_assertion!);
    assert.equal(jwt?.header.alg, 'PS256');
    assert.ok(jwt?.header.x5c, 'x5c is sent for subject-name/issuer authentication');
  });

  it('workload identity: the federated token file is read for each assertion (it rotates)', async () => {
    const file = join(tempDir, 'federated-token');
    writeFileSync(file, federatedToken + '\n');
    const auth = readAuthConfig({ AZURE_TENANT_ID: TENANT, AZURE_CLIENT_ID: CLIENT_ID, AZURE_FEDERATED_TOKEN_FILE: file });
    assert.equal(auth.kind, 'workload-identity');
    const tokens = provider(auth);
    received.length = 0;
    await tokens.getToken('https://service.powerapps.com/');
    federatedToken = federatedToken.replace('signature', 'rotated');
    writeFileSync(file, federatedToken);
    await tokens.getToken('https://contoso.crm.dynamics.com');
    assert.deepEqual(
      tokenRequests().map((r) => r.client_assertion),
      [federatedToken.replace('rotated', 'signature'), federatedToken],
    );
  });

  it('a wrong secret becomes a sign-in error with the code, correlation id and a hint, and without the secret', async () => {
    const tokens = provider({ kind: 'client-secret', tenantId: TENANT, clientId: CLIENT_ID, clientSecret: 'wrong-secret-value' });
    await assert.rejects(tokens.getToken('https://service.powerapps.com/'), (e: PlatformError) => {
      assert.equal(e.service, 'identity');
      assert.equal(e.code, 'AADSTS7000215');
      assert.match(e.hint ?? '', /POWERPLATFORM_CLIENT_SECRET/);
      assert.ok(!e.describe().includes('wrong-secret-value'));
      return true;
    });
  });

  it('a 503 from the token endpoint is retried like any idempotent request, and sign-in goes through', async () => {
    const tokens = provider({ kind: 'client-secret', tenantId: TENANT, clientId: CLIENT_ID, clientSecret: SECRET });
    received.length = 0;
    failures.push({ status: 503, body: { error: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable.' } } });
    assert.ok(await tokens.getToken('https://service.powerapps.com/'));
    assert.equal(tokenRequests().length, 2, 'the 503 and the retry');
  });

  it('a token endpoint that keeps failing gives a readable error, and its failure is not kept: the next sign-in goes out at once', async () => {
    const tokens = provider({ kind: 'client-secret', tenantId: TENANT, clientId: CLIENT_ID, clientSecret: SECRET });
    received.length = 0;
    for (let i = 0; i < 5; i++)
      failures.push({ status: 503, body: { error: { code: 'ServiceUnavailable', message: 'The service is temporarily unavailable.' } } });
    await assert.rejects(tokens.getToken('https://api.powerplatform.com'), (e: PlatformError) => {
      assert.equal(e.service, 'identity');
      assert.match(e.describe(), /answered HTTP 503 \(The service is temporarily unavailable\.\) after 5 attempts/);
      assert.doesNotMatch(e.describe(), /object Object|managed identity/);
      return true;
    });
    assert.equal(tokenRequests().length, 5);
    assert.ok(await tokens.getToken('https://api.powerplatform.com'), 'the service is back: signed in at once');
    assert.equal(tokenRequests().length, 6);
  });

  it('an untrusted server certificate is refused (no silent trust)', async () => {
    const other = await generateCertificate();
    const tokens = provider(
      { kind: 'client-secret', tenantId: TENANT, clientId: CLIENT_ID, clientSecret: SECRET },
      { ca: other.certificatePem },
    );
    await assert.rejects(tokens.getToken('https://service.powerapps.com/'), (e: PlatformError) => e.service === 'identity');
  });
});

describe('configuration of sign-in', () => {
  it('names what is missing', () => {
    assert.throws(() => readAuthConfig({}), /No Power Platform credentials are configured.*POWERPLATFORM_CLIENT_SECRET.*--sandbox/s);
    assert.throws(
      () => readAuthConfig({ POWERPLATFORM_CLIENT_SECRET: 's' }),
      /client-secret needs POWERPLATFORM_TENANT_ID, POWERPLATFORM_APPLICATION_ID/,
    );
    assert.throws(
      () => readAuthConfig({ POWERAGENT_AUTH: 'certificate', POWERPLATFORM_TENANT_ID: 't', POWERPLATFORM_APPLICATION_ID: 'a' }),
      /POWERPLATFORM_CLIENT_CERTIFICATE_PATH/,
    );
    assert.throws(() => readAuthConfig({ POWERAGENT_AUTH: 'magic' }), /POWERAGENT_AUTH "magic" is not a sign-in method/);
  });

  it('device code defaults to the pac public client and the organizations authority', () => {
    const auth = readAuthConfig({ POWERAGENT_AUTH: 'device-code', POWERAGENT_CACHE_DIR: '/tmp/x' });
    assert.deepEqual(auth, {
      kind: 'device-code',
      tenantId: 'organizations',
      clientId: '9cee029c-6210-4654-90bb-17e6e9d36617',
      cacheFile: '/tmp/x/msal-cache.json',
    });
  });
});

describe('MSAL sign-in against the sandbox identity service', () => {
  it('device code: shows the code, waits for the person, caches to an owner-only file, and signs in silently afterwards', async () => {
    await withSandbox({ deviceCodeInterval: 1 }, async (sandbox) => {
      const cacheDir = join(tempDir, 'device-cache');
      const env = { POWERAGENT_AUTH: 'device-code', POWERPLATFORM_TENANT_ID: sandbox.tenantId, POWERAGENT_CACHE_DIR: cacheDir };
      const messages: string[] = [];
      const auth = readAuthConfig(env);
      const signIn = provider(auth, {
        ca: sandbox.certificatePem,
        authority: sandbox.url,
        onDeviceCode: (message) => {
          messages.push(message);
          const code = /enter the code (\w+)/.exec(message)![1]!;
          setTimeout(() => sandbox.identity.approveUserCode(code), 300); // the person signs in a moment later
        },
      });
      const token = await signIn.getToken('https://service.powerapps.com/');
      assert.equal(decodeJwt(token)?.payload.upn, 'admin@contoso.sandbox');
      assert.match(messages[0]!, /open the page https:\/\/127\.0\.0\.1:\d+\/device and enter the code/);

      const cacheFile = join(cacheDir, 'msal-cache.json');
      assert.equal(statSync(cacheFile).mode & 0o777, 0o600);
      assert.equal(statSync(cacheDir).mode & 0o777, 0o700);
      assert.ok(!readFileSync(cacheFile, 'utf8').includes(SECRET));

      // A new process: no device code this time, the cached account's refresh token is used.
      const before = sandbox.identity.issued.length;
      const nextProcess = provider(auth, { ca: sandbox.certificatePem, authority: sandbox.url });
      const again = await nextProcess.getToken('https://127.0.0.1/orgs/any');
      assert.ok(again);
      assert.deepEqual(
        sandbox.identity.issued.slice(before).map((i) => i.grant),
        ['refresh_token'],
      );
    });
  });

  it('the sandbox identity endpoint: a 503 is retried and pp_whoami answers; resets beyond the retries are said to be the sign-in service, not a managed identity', async () => {
    await withSandbox({}, async (sandbox) => {
      const services = sandboxServices(sandbox);
      sandbox.faults.add({ kind: 'unavailable', method: 'POST', path: '/oauth2/v2.0/token', times: 1 });
      const result = await invokeTool(
        whoAmI,
        { environment: 'Contoso Dev' },
        { signal: new AbortController().signal },
        invokeOptions(services),
      );
      assert.equal(result.isError, undefined, text(result));
      sandbox.faults.add({ kind: 'reset', method: 'POST', path: '/oauth2/v2.0/token', times: 5 });
      await assert.rejects(services.tokens.getToken(`${sandbox.url}/orgs/contoso-test`), (e: PlatformError) => {
        assert.equal(e.code, 'sign_in_unreachable');
        assert.match(e.message, /^The sign-in service at 127\.0\.0\.1:\d+ could not be reached \([^;]+; 5 attempts\)\.$/);
        assert.doesNotMatch(e.describe(), /managed identity/);
        return true;
      });
      await services.close();
    });
  });

  it('managed identity (App Service endpoint) signs in and pp_whoami answers as the identity', async () => {
    await withSandbox({}, async (sandbox) => {
      const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };
      process.env.IDENTITY_ENDPOINT = sandbox.managedIdentity.endpoint;
      process.env.IDENTITY_HEADER = sandbox.managedIdentity.secret;
      try {
        const services = sandboxServices(sandbox, {
          POWERAGENT_AUTH: 'managed-identity',
          POWERPLATFORM_APPLICATION_ID: '',
          POWERPLATFORM_CLIENT_SECRET: '',
        });
        const result = await invokeTool(
          whoAmI,
          { environment: 'Contoso Dev' },
          { signal: new AbortController().signal },
          invokeOptions(services),
        );
        assert.equal(result.isError, undefined, text(result));
        assert.equal(result.structuredContent?.isApplicationUser, true);
        assert.match(String(result.structuredContent?.signedInAs), /managed identity/);
        assert.deepEqual(
          sandbox.identity.issued.map((i) => i.grant),
          ['managed_identity', 'managed_identity'],
        );
        await services.close();
      } finally {
        process.env.IDENTITY_ENDPOINT = saved.endpoint;
        process.env.IDENTITY_HEADER = saved.header;
        if (saved.endpoint === undefined) delete process.env.IDENTITY_ENDPOINT;
        if (saved.header === undefined) delete process.env.IDENTITY_HEADER;
      }
    });
  });
});
