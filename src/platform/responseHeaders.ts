import type { IncomingHttpHeaders } from 'node:http';

/** What the product reads from a response's headers: one value by name, case-insensitive. */
export interface ResponseHeaders {
  get(name: string): string | null;
}

/**
 * Node's parsed headers (names already lower-case) read like a fetch `Headers`, without copying
 * them: a repeated header's values are joined with ", ", as `Headers.get` does.
 */
export class NodeResponseHeaders implements ResponseHeaders {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }
}
