/** How long the lists of environments and solutions are kept when no setting says otherwise. */
export const DEFAULT_CACHE_SECONDS = 120;
/** The longest lifetime the setting accepts: a change made elsewhere must show within minutes. */
export const MAX_CACHE_SECONDS = 600;

/** The lifetime in milliseconds; a value out of range (a hand-edited VS Code setting) is brought within it. */
export function cacheLifetimeMs(seconds: number | undefined): number {
  if (seconds === undefined || !Number.isFinite(seconds)) return DEFAULT_CACHE_SECONDS * 1000;
  return Math.min(MAX_CACHE_SECONDS, Math.max(0, seconds)) * 1000;
}
