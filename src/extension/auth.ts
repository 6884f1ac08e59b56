import * as vscode from 'vscode';
import { scopeFor, type AccessToken, type TokenSource } from '../auth/tokenProvider';
import type { Logger } from '../log';
import type { Endpoints } from '../platform/endpoints';
import { PlatformError } from '../platform/errors';
import type { HttpClient } from '../platform/http';
import type { ExtensionSettings } from './settings';

export const SECRET_KEY = 'powerAgent.servicePrincipalSecret';
const ACCOUNT_KEY = 'powerAgent.account';

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
    private readonly providerId: string,
    private readonly state: vscode.Memento,
  ) {}

  get description(): string {
    const account = this.state.get<{ label: string }>(ACCOUNT_KEY);
    return account ? `${account.label} (VS Code account)` : 'your VS Code Microsoft account';
  }

  async acquire(resource: string): Promise<AccessToken> {
    const account = this.state.get<vscode.AuthenticationSessionAccountInformation>(ACCOUNT_KEY);
    const session = await vscode.authentication.getSession(this.providerId, [scopeFor(resource)], { silent: true, account });
    if (!session) {
      throw new PlatformError({
        service: 'identity',
        status: 0,
        code: 'NotSignedIn',
        message: `VS Code has no Microsoft account session for ${resource}.`,
        hint: 'Run "Power Platform: Sign In" (or use the Sign In button in the Power Platform view), then try again.',
      });
    }
    return { token: session.accessToken, expiresOn: expiryOf(session.accessToken) };
  }
}

/** Signs in interactively for the two admin APIs, letting the person pick the account when there are several. */
export async function signIn(settings: ExtensionSettings, endpoints: Endpoints, state: vscode.Memento): Promise<string | undefined> {
  const providerId = authProviderId(settings.cloud);
  const accounts = await vscode.authentication.getAccounts(providerId);
  let account: vscode.AuthenticationSessionAccountInformation | undefined;
  if (accounts.length > 1) {
    const picked = await vscode.window.showQuickPick(
      [...accounts.map((a) => ({ label: a.label, account: a })), { label: 'Another account…', account: undefined }],
      { title: 'Power Platform: Sign In', placeHolder: 'Which account should Power Agent MCP use?' },
    );
    if (!picked) return undefined;
    account = picked.account;
  } else {
    account = accounts[0];
  }
  let session: vscode.AuthenticationSession | undefined;
  for (const resource of [endpoints.bapResource, endpoints.powerPlatformResource]) {
    session = await vscode.authentication.getSession(providerId, [scopeFor(resource)], account ? { createIfNone: true, account } : { createIfNone: true, clearSessionPreference: true });
    account = session.account;
  }
  await state.update(ACCOUNT_KEY, session!.account);
  return session!.account.label;
}

export async function signOut(state: vscode.Memento): Promise<void> {
  await state.update(ACCOUNT_KEY, undefined);
}

export function signedInAccount(state: vscode.Memento): string | undefined {
  return state.get<{ label: string }>(ACCOUNT_KEY)?.label;
}

/** The token source for the chosen sign-in: the VS Code account, or a service principal with its secret from SecretStorage. */
export function tokenSourceFor(settings: ExtensionSettings, secret: string | undefined, state: vscode.Memento, logger: Logger) {
  return (http: HttpClient, endpoints: Endpoints): TokenSource => {
    if (settings.signInWith !== 'servicePrincipal') return new VsCodeAccountTokenSource(authProviderId(settings.cloud), state);
    if (!settings.tenantId || !settings.applicationId || !secret) {
      throw new PlatformError({
        service: 'identity',
        status: 0,
        code: 'ServicePrincipalIncomplete',
        message: 'Service principal sign-in needs a tenant id, an application id and a secret.',
        hint: 'Set powerAgent.servicePrincipal.tenantId and .applicationId, and run "Power Platform: Set Service Principal Secret".',
      });
    }
    const { createMsalTokenSource } = require('./runtime.js') as typeof import('../runtime');
    return createMsalTokenSource({ auth: { kind: 'client-secret', tenantId: settings.tenantId, clientId: settings.applicationId, clientSecret: secret }, endpoints, http, logger });
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
