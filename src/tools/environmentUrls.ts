/** Environment URLs as people give them and as we show them back. */

/** A URL for a message: without a user name or password, and cut to a readable length. */
export function shownUrl(url: string): string {
  const shown = url.trim().replace(/\/\/[^/@\s]*@/, '//');
  return shown.length > 200 ? `${shown.slice(0, 200)}…` : shown;
}

export function normalizeUrl(url: string): string {
  try {
    const u = new URL(url.trim());
    return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, '').replace(/\/api\/data\/v[\d.]+$/i, '')}`.toLowerCase();
  } catch {
    return url.trim().toLowerCase();
  }
}
