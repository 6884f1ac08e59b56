import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMsalTokenSource } from '../../src/auth/msal';
import { silentLogger } from '../../src/log';
import { resolveEndpoints } from '../../src/platform/endpoints';
import { PlatformError } from '../../src/platform/errors';
import { createServices } from '../../src/services';
import { invokeTool } from '../../src/tools/invoke';
import { whoAmI } from '../../src/tools/whoami';
import {
  isCanceledSignIn,
  signIn,
  signedInAccount,
  signOut,
  tokenSourceFor,
  VsCodeAccountTokenSource,
  type AccountAuthentication,
} from '../../src/extension/auth';
import type { ExtensionSettings } from '../../src/extension/settings';
import { invokeOptions, text, withSandbox } from '../helpers';

type Account = { id: string; label: string };
type Session = { id: string; accessToken: string; account: Account; scopes: readonly string[] };

/** A Memento like globalState: values survive until updated. */
function memento() {
  const values = new Map<string, unknown>();
  return {
    keys: () => [...values.keys()],
    get: <T>(key: string, fallback?: T) => (values.has(key) ? (values.get(key) as T) : fallback),
    update: async (key: string, value: unknown) => void (value === undefined ? values.delete(key) : values.set(key, value)),
  };
}

function jwt(claims: Record<string, unknown>): string {
  return ['{"alg":"none"}', JSON.stringify(claims)].map((part) => Buffer.from(part).toString('base64url')).join('.') + '.sig';
}

/**
 * Behaves like VS Code's Microsoft provider: it knows some accounts and their sessions; silent requests
 * never create one; createIfNone without an account signs in `newAccount` (the person's choice in VS Code).
 */
function fakeAuthentication(accounts: Account[], options: { newAccount?: Account; refuse?: boolean } = {}) {
  const sessions: Session[] = [];
  const calls: Array<{ providerId: string; scopes: readonly string[]; options: Record<string, unknown> }> = [];
  const auth: AccountAuthentication = {
    getAccounts: async () => accounts,
    getSession: async (providerId, scopes, getOptions) => {
      calls.push({ providerId, scopes, options: { ...getOptions } });
      const wanted = getOptions.account ?? (getOptions.createIfNone ? options.newAccount : accounts[0]);
      const existing = sessions.find((s) => s.account.id === wanted?.id && s.scopes.join() === scopes.join());
      if (existing) return existing;
      if (!getOptions.createIfNone || options.refuse || !wanted) return undefined;
      const session = {
        id: `s${sessions.length}`,
        accessToken: jwt({ aud: scopes[0], upn: wanted.label, exp: 2_000_000_000 }),
        account: wanted,
        scopes,
      };
      sessions.push(session);
      return session;
    },
  };
  return { auth, calls, sessions };
}

const SETTINGS: ExtensionSettings = {
  sandbox: false,
  signInWith: 'microsoftAccount',
  tenantId: '',
  applicationId: '',
  cloud: 'Public',
  defaultEnvironment: '',
  readOnly: false,
  allowedEnvironments: [],
  allowedFolders: ['${workspaceFolder}'],
  confirmDestructive: 'always',
  toolPath: 'mcp',
  logLevel: 'info',
};
const endpoints = resolveEndpoints({});
const ADA = { id: 'ada-id', label: 'ada@contoso.com' };
const BOB = { id: 'bob-id', label: 'bob@contoso.com' };

describe('VS Code account sign-in', () => {
  it('signs in once per admin API with the only account, remembers it, and then gets tokens silently per resource', async () => {
    const state = memento();
    const { auth, calls } = fakeAuthentication([ADA]);
    const pick = async () => assert.fail('no picker for one account');
    assert.equal(await signIn({ settings: SETTINGS, endpoints, state: state, auth, pick }), ADA.label);
    assert.deepEqual(
      calls.map((c) => c.scopes[0]),
      ['https://service.powerapps.com/.default', 'https://api.powerplatform.com/.default'],
    );
    assert.ok(calls.every((c) => c.options.createIfNone === true && (c.options.account as Account).id === ADA.id));
    assert.equal(signedInAccount(state as never), ADA.label);

    const source = new VsCodeAccountTokenSource(auth, 'microsoft', state);
    const token = await source.acquire(endpoints.bapResource);
    assert.equal(token.expiresOn, 2_000_000_000_000, 'expiry comes from the token');
    const last = calls.at(-1)!;
    assert.deepEqual(last.options, { silent: true, account: ADA });
    assert.match(source.description, /ada@contoso\.com/);
  });

  it('asks which account when VS Code knows several, and "Another account" lets VS Code add one', async () => {
    const state = memento();
    const { auth, calls } = fakeAuthentication([ADA, BOB], { newAccount: { id: 'cy-id', label: 'cy@fabrikam.com' } });
    let offered: string[] = [];
    const chooseBob = (async (items: Array<{ label: string }>) => ((offered = items.map((i) => i.label)), items[1])) as never;
    assert.equal(await signIn({ settings: SETTINGS, endpoints, state: state, auth, pick: chooseBob }), BOB.label);
    assert.deepEqual(offered, [ADA.label, BOB.label, 'Another account…']);

    calls.length = 0;
    const chooseAnother = (async (items: Array<{ label: string }>) => items[2]) as never;
    assert.equal(await signIn({ settings: SETTINGS, endpoints, state: state, auth, pick: chooseAnother }), 'cy@fabrikam.com');
    assert.deepEqual(calls[0]!.options, { createIfNone: true, clearSessionPreference: true });
    assert.equal((calls[1]!.options.account as Account).id, 'cy-id', 'the second API uses the account chosen for the first');
    assert.equal(signedInAccount(state as never), 'cy@fabrikam.com');
  });

  it('backing out of the picker or the sign-in changes nothing', async () => {
    const state = memento();
    await state.update('powerAgent.account', ADA);
    const { auth } = fakeAuthentication([ADA, BOB]);
    assert.equal(await signIn({ settings: SETTINGS, endpoints, state: state, auth, pick: async () => undefined }), undefined);
    const refusing = fakeAuthentication([], { refuse: true });
    assert.equal(
      await signIn({ settings: SETTINGS, endpoints, state: state, auth: refusing.auth, pick: async () => undefined }),
      undefined,
    );
    assert.equal(signedInAccount(state as never), ADA.label);
  });

  it("closing Microsoft's consent counts as a cancel, not as a failure to report", () => {
    assert.equal(isCanceledSignIn(new Error('User did not consent to login.')), true);
    assert.equal(isCanceledSignIn(Object.assign(new Error('Canceled'), { name: 'Canceled' })), true);
    assert.equal(isCanceledSignIn(new Error('getaddrinfo ENOTFOUND login.microsoftonline.com')), false);
  });

  it('a tool call without a session never prompts: it fails with what to run', async () => {
    const state = memento();
    const { auth, calls } = fakeAuthentication([ADA]);
    const source = new VsCodeAccountTokenSource(auth, 'microsoft', state);
    await assert.rejects(source.acquire('https://contoso.crm4.dynamics.com'), (error: PlatformError) => {
      assert.equal(error.code, 'NotSignedIn');
      assert.match(error.message, /contoso\.crm4\.dynamics\.com/);
      assert.match(error.hint ?? '', /Power Agent MCP: Sign In/);
      return true;
    });
    assert.deepEqual(calls[0]!.options, { silent: true, account: undefined });
    assert.deepEqual(calls[0]!.scopes, ['https://contoso.crm4.dynamics.com/.default']);
    await signOut(state);
    assert.equal(signedInAccount(state as never), undefined);
  });

  it('sovereign clouds use the sovereign-cloud provider', async () => {
    const { auth, calls } = fakeAuthentication([ADA]);
    const source = tokenSourceFor({
      settings: { ...SETTINGS, cloud: 'GCCHigh' },
      secret: undefined,
      state: memento(),
      logger: silentLogger,
      auth,
    })(undefined as never, endpoints);
    await source.acquire('https://api.bap.microsoft.us', { forceRefresh: false }).catch(() => undefined);
    assert.equal(calls[0]!.providerId, 'microsoft-sovereign-cloud');
  });
});

describe('service principal sign-in from settings', () => {
  it('names each missing setting', () => {
    const make = (settings: Partial<ExtensionSettings>, secret?: string) =>
      tokenSourceFor({
        settings: { ...SETTINGS, signInWith: 'servicePrincipal', ...settings },
        secret,
        state: memento(),
        logger: silentLogger,
        auth: fakeAuthentication([]).auth,
        createMsalTokenSource,
      })(undefined as never, endpoints);
    assert.throws(() => make({ tenantId: 't' }), /missing powerAgent\.servicePrincipal\.applicationId, the secret/);
    assert.throws(() => make({ applicationId: 'a' }, 's'), /missing powerAgent\.servicePrincipal\.tenantId\./);
  });

  it('signs in through MSAL with the secret from SecretStorage and runs a tool as the application', async () => {
    await withSandbox({}, async (sandbox) => {
      const {
        NODE_EXTRA_CA_CERTS: _,
        POWERPLATFORM_CLIENT_SECRET: _secret,
        POWERPLATFORM_APPLICATION_ID: _app,
        POWERPLATFORM_TENANT_ID: _tenant,
        ...urls
      } = sandbox.env();
      const settings = {
        ...SETTINGS,
        signInWith: 'servicePrincipal' as const,
        tenantId: sandbox.tenantId,
        applicationId: sandbox.clientId,
      };
      const build = (secret: string) =>
        createServices({
          env: urls,
          logger: silentLogger,
          userAgent: 'power-agent-mcp-tests',
          http: { extraCaCerts: [sandbox.certificatePem] },
          tokenSource: tokenSourceFor({
            settings,
            secret,
            state: memento(),
            logger: silentLogger,
            auth: fakeAuthentication([]).auth,
            createMsalTokenSource,
          }),
        });
      const good = build(sandbox.clientSecret);
      const result = await invokeTool(whoAmI, { environment: 'Contoso Dev' }, { signal: AbortSignal.timeout(30_000) }, invokeOptions(good));
      assert.equal(result.isError, undefined, text(result));
      assert.match(text(result), new RegExp(sandbox.clientId));
      await good.close();
      const tokenPosts = () => sandbox.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/oauth2/v2.0/token')).length;
      const before = tokenPosts();

      const wrong = build('not-the-secret');
      const refused = await invokeTool(
        whoAmI,
        { environment: 'Contoso Dev' },
        { signal: AbortSignal.timeout(30_000) },
        invokeOptions(wrong),
      );
      assert.equal(refused.isError, true);
      assert.match(text(refused), /AADSTS7000215|invalid_client/);
      assert.doesNotMatch(text(refused), /not-the-secret/);
      await wrong.close();
      assert.equal(tokenPosts() - before, 1, 'a refused secret is final: it is not sent again');
    });
  });
});
