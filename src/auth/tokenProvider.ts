import type { TokenProvider } from '../platform/tokens';

/** A bearer token for one resource (audience), and when it stops being valid. */
export interface AccessToken {
  token: string;
  /** Milliseconds since the epoch. */
  expiresOn: number;
}

/** Where tokens come from: MSAL in the CLI, VS Code accounts in the extension, the sandbox in tests. */
export interface TokenSource {
  /** A short description without secrets, e.g. "service principal 1234… (client secret)". */
  readonly description: string;
  acquire(resource: string, options: { forceRefresh: boolean; signal?: AbortSignal }): Promise<AccessToken>;
}

export type { TokenProvider };

/** The scope that asks Entra ID for a resource's default permissions: `<resource>/.default`. */
export function scopeFor(resource: string): string {
  return `${resource.replace(/\/+$/, '')}/.default`;
}

/**
 * Caches one token per resource (BAP, Power Platform API, each Dataverse org), refreshes it a
 * margin before it expires, and lets concurrent callers share one acquisition.
 */
export class CachingTokenProvider implements TokenProvider {
  private readonly tokens = new Map<string, AccessToken>();
  private readonly pending = new Map<string, Promise<AccessToken>>();
  private readonly stale = new Set<string>();

  constructor(
    private readonly source: TokenSource,
    private readonly refreshMarginMs = 5 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  get description(): string {
    return this.source.description;
  }

  async getToken(resource: string, signal?: AbortSignal): Promise<string> {
    const key = normalize(resource);
    const cached = this.tokens.get(key);
    if (cached && cached.expiresOn - this.now() > this.refreshMarginMs) return cached.token;
    let acquisition = this.pending.get(key);
    if (!acquisition) {
      const forceRefresh = this.stale.delete(key) || cached !== undefined;
      acquisition = this.source.acquire(resource, { forceRefresh, signal }).finally(() => this.pending.delete(key));
      this.pending.set(key, acquisition);
    }
    const token = await acquisition;
    this.tokens.set(key, token);
    return token.token;
  }

  invalidate(resource: string): void {
    const key = normalize(resource);
    this.tokens.delete(key);
    this.stale.add(key);
  }
}

function normalize(resource: string): string {
  return resource.replace(/\/+$/, '').toLowerCase();
}
