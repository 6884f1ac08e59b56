import { AuthError, type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from '@azure/msal-node';
import type { HttpClient } from '../platform/http';

/** Our codes for sign-in calls that failed in transit; the hints in msal.ts know them. */
export const SIGN_IN_UNREACHABLE = 'sign_in_unreachable';
export const SIGN_IN_UNAVAILABLE = 'sign_in_unavailable';

/**
 * Sends MSAL's requests through our HTTP client, so sign-in shares its trust store, timeouts and
 * dispatcher. Token requests are safe to repeat: 429, 5xx and dropped connections are retried here,
 * and what still fails reaches MSAL as an error, not as a 429/5xx answer, which MSAL would otherwise
 * keep refusing from its throttling cache for a minute.
 */
export function msalNetworkClient(http: HttpClient): INetworkModule {
  const send = async <T>(method: string, url: string, options?: NetworkRequestOptions, timeoutMs?: number): Promise<NetworkResponse<T>> => {
    const host = hostOf(url);
    let response: Response;
    let attempts: number;
    try {
      ({ response, attempts } = await http.fetchRetrying(url, { method, headers: options?.headers, body: options?.body, timeoutMs }));
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const timedOut = error instanceof DOMException && error.name === 'TimeoutError';
      const why = timedOut ? 'no answer within the time limit' : (cause?.code ?? cause?.message ?? (error as Error).message);
      const tries = (error as { attempts?: number }).attempts ?? 1;
      throw new AuthError(
        SIGN_IN_UNREACHABLE,
        '',
        `The sign-in service at ${host} could not be reached (${why}; ${tries} attempt${tries === 1 ? '' : 's'}).`,
      );
    }
    const text = await response.text();
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
    let body: Record<string, unknown>;
    try {
      body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      body = {
        error: 'invalid_response',
        error_description: `The sign-in service answered HTTP ${response.status} with a body that is not JSON.`,
      };
    }
    body = oauthError(body);
    if (response.status === 429 || response.status >= 500) {
      const said = (body.error_description ?? body.error) as string | undefined; // OAuth's error fields are strings
      throw new AuthError(
        SIGN_IN_UNAVAILABLE,
        typeof body.correlation_id === 'string' ? body.correlation_id : '',
        `The sign-in service at ${host} answered HTTP ${response.status}${said ? ` (${String(said).split(/\r?\n/)[0]})` : ''} after ${attempts} attempt${attempts === 1 ? '' : 's'}.`,
      );
    }
    // The waits are done; a Retry-After left on a refusal would make MSAL refuse the next sign-in by itself.
    if (response.status >= 300) delete headers['retry-after'];
    return { headers, body: body as T, status: response.status };
  };
  return {
    sendGetRequestAsync: (url, options, timeout) => send('GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}

/**
 * An error body in OAuth's shape (error and error_description as strings). Gateways in front of the
 * token endpoint answer `{ error: { code, message } }`, which MSAL would print as "[object Object]".
 */
function oauthError(body: Record<string, unknown>): Record<string, unknown> {
  const error = body.error;
  if (!error || typeof error !== 'object') return body;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return {
    ...body,
    error: typeof code === 'string' && code ? code : 'server_error',
    error_description: typeof message === 'string' ? message : JSON.stringify(error),
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the sign-in endpoint';
  }
}
