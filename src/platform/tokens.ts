/**
 * What the HTTP client needs of sign-in: a bearer token per resource (audience). Defined here and
 * injected, so that the platform layer never imports the sign-in code (src/auth implements it).
 */
export interface TokenProvider {
  readonly description: string;
  getToken(resource: string, signal?: AbortSignal): Promise<string>;
  /** Forget the token for a resource, e.g. after the service refused it. */
  invalidate(resource: string): void;
}
