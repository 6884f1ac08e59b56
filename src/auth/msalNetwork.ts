import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import type { HttpClient } from '../platform/http';

/** Sends MSAL's requests through our HTTP client, so sign-in shares its trust store, timeouts and dispatcher. */
export function msalNetworkClient(http: HttpClient): INetworkModule {
  const send = async <T>(method: string, url: string, options?: NetworkRequestOptions, timeoutMs?: number): Promise<NetworkResponse<T>> => {
    const response = await http.fetchRaw(url, { method, headers: options?.headers, body: options?.body, timeoutMs });
    const text = await response.text();
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
    let body: unknown = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { error: 'invalid_response', error_description: `The sign-in service answered HTTP ${response.status} with a body that is not JSON.` };
    }
    return { headers, body: body as T, status: response.status };
  };
  return {
    sendGetRequestAsync: (url, options, timeout) => send('GET', url, options, timeout),
    sendPostRequestAsync: (url, options) => send('POST', url, options),
  };
}
