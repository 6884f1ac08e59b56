import type * as vscode from 'vscode';
import { scopeFor, type AccessToken, type TokenSource } from '../auth/tokenProvider';
import type { Logger } from '../log';
import type { Endpoints } from '../platform/endpoints';
import { PlatformError } from '../platform/errors';
import type { HttpClient } from '../platform/http';
import { loadRuntimeBundle } from './runtimeBundle';
import type { ExtensionSettings } from './settings';

export const SECRET_KEY = 'powerAgent.servicePrincipalSecret';
const ACCOUNT_KEY = 'powerAgent.account';

type Account = vscode.AuthenticationSessionAccountInformation;

/** The part of `vscode.authentication` sign-in uses; tests give a stand-in that behaves like it. */
export interface AccountAuthentication {
  getAccounts(providerId: string): Thenable<readonly Account[]>;
  getSession(
    providerId: string,
    scopes: readonly string[],
    options: vscode.AuthenticationGetSessionOptions,
  ): Thenable<vscode.AuthenticationSession | undefined>;
}

/** The part of `vscode.window.showQuickPick` the account picker uses. */
export type PickAccount = <T extends vscode.QuickPickItem>(items: T[], options: vscode.QuickPickOptions) => Thenable<T | undefined>;

/** GCC High, DoD and China sign in at their own authorities, through VS Code's sovereign-cloud provider. */
export function authProviderId(cloud: string): string {
  return cloud === 'GCCHigh' || cloud === 'DoD' || cloud === 'China' ? 'microsoft-sovereign-cloud' : 'microsoft';
}

/**
 * Tokens from the account signed in to VS Code, one session per resource (BAP, Power Platform API,
 * each Dataverse org). Silent only: a tool call never pops up a sign-in; it says to run Sign In.
 */
export class VsCodeAccountTokenSource implements TokenSource {
  constructor(
    private readonly auth: AccountAuthentication,
    private readonly providerId: string,
    private readonly state: vscode.Memento,
  ) {}

  get description(): string {
    const account = this.state.get<Account>(ACCOUNT_KEY);
    return account ? `${account.label} (VS Code account)` : 'your VS Code Microsoft account';
  }

  async acquire(resource: string): Promise<AccessToken> {
    const account = this.state.get<Account>(ACCOUNT_KEY);
    const session = await this.auth.getSession(this.providerId, [scopeFor(resource)], { silent: true, account });
    if (!session) {
      throw new PlatformError({
        service: 'identity',
        status: 0,
        code: 'NotSignedIn',
        message: `VS Code has no Microsoft account session for ${resource}${account ? ` with ${account.label}` : ''}.`,
        hint: 'Run "Power Agent MCP: Sign In" (or use the Sign In button of the Power Agent MCP view), then try again.',
      });
    }
    return { token: session.accessToken, expiresOn: expiryOf(session.accessToken) };
  }
}

/**
 * Signs in interactively for the two admin APIs (Dataverse orgs follow silently with the same account),
 * letting the person pick the account when VS Code knows several. Returns the account's label, or
 * undefined when the person backed out.
 */
export async function signIn(options: {
  settings: ExtensionSettings;
  endpoints: Endpoints;
  state: vscode.Memento;
  auth: AccountAuthentication;
  pick: PickAccount;
}): Promise<string | undefined> {
  const providerId = authProviderId(options.settings.cloud);
  const accounts = await options.auth.getAccounts(providerId);
  let account: Account | undefined = accounts[0];
  if (accounts.length > 1) {
    const picked = await options.pick(
      [...accounts.map((a) => ({ label: a.label, account: a })), { label: 'Another account…', account: undefined }],
      {
        title: 'Power Agent MCP: Sign In',
        placeHolder: 'Which account should Power Agent MCP use?',
      },
    );
    if (!picked) return undefined;
    account = picked.account;
  }
  let session: vscode.AuthenticationSession | undefined;
  for (const resource of [options.endpoints.bapResource, options.endpoints.powerPlatformResource]) {
    // Without an account, VS Code asks which one (or to add one); the first session fixes it for the second.
    session = await options.auth.getSession(
      providerId,
      [scopeFor(resource)],
      account ? { createIfNone: true, account } : { createIfNone: true, clearSessionPreference: true },
    );
    if (!session) return undefined;
    account = session.account;
  }
  await options.state.update(ACCOUNT_KEY, session!.account);
  return session!.account.label;
}

/** VS Code's Microsoft sign-in rejects with this kind of error when the person closes or declines the consent. */
export function isCanceledSignIn(error: unknown): boolean {
  const e = error as { name?: string; message?: string } | undefined;
  return e?.name === 'Canceled' || /cancel|did not consent|user declined|not consent/i.test(e?.message ?? String(error));
}

export async function signOut(state: vscode.Memento): Promise<void> {
  await state.update(ACCOUNT_KEY, undefined);
}

export function signedInAccount(state: vscode.Memento): string | undefined {
  return state.get<Account>(ACCOUNT_KEY)?.label;
}

export interface TokenSourceOptions {
  settings: ExtensionSettings;
  /** The service principal's secret from SecretStorage. */
  secret: string | undefined;
  state: vscode.Memento;
  logger: Logger;
  auth: AccountAuthentication;
  /** MSAL's provider from the runtime bundle; tests pass the source module's. */
  createMsalTokenSource?: (typeof import('../runtime'))['createMsalTokenSource'];
}

/** The token source for the chosen sign-in: the VS Code account, or a service principal with its secret from SecretStorage. */
export function tokenSourceFor(options: TokenSourceOptions) {
  const { settings, secret } = options;
  return (http: HttpClient, endpoints: Endpoints): TokenSource => {
    if (settings.signInWith !== 'servicePrincipal')
      return new VsCodeAccountTokenSource(options.auth, authProviderId(settings.cloud), options.state);
    const missing = [
      !settings.tenantId && 'powerAgent.servicePrincipal.tenantId',
      !settings.applicationId && 'powerAgent.servicePrincipal.applicationId',
      !secret && 'the secret',
    ].filter(Boolean);
    if (missing.length) {
      throw new PlatformError({
        service: 'identity',
        status: 0,
        code: 'ServicePrincipalIncomplete',
        message: `Service principal sign-in is missing ${missing.join(', ')}.`,
        hint: 'Set the settings "Power Agent MCP › Service Principal: Tenant Id" and "Application Id", and run "Power Agent MCP: Set Service Principal Secret".',
      });
    }
    const createMsal = options.createMsalTokenSource ?? loadRuntimeBundle().createMsalTokenSource;
    return createMsal({
      auth: { kind: 'client-secret', tenantId: settings.tenantId, clientId: settings.applicationId, clientSecret: secret! },
      endpoints,
      http,
      logger: options.logger,
    });
  };
}

/** The `exp` claim of a JWT, or ten minutes from now when it cannot be read. */
function expiryOf(token: string): number {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp?: number };
    if (payload.exp) return payload.exp * 1000;
  } catch {
    // not a JWT: fall through
  }
  return Date.now() + 10 * 60_000;
}
