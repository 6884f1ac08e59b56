import { join } from 'node:path';
import { requireWithCodeCache } from '../server/codeCache';

/** The extension host runs for hours and may be stopped without an exit event: the cache is written soon after the load. */
const CACHE_WRITE_DELAY_MS = 10_000;

let storageFolder: string | undefined;

/** Keeps the bundles' V8 code cache in the extension's global storage (set at activation). */
export function keepRuntimeCodeCacheIn(folder: string): void {
  storageFolder = folder;
}

/**
 * A bundle beside extension.js in dist/, required on first use, not imported, so activation stays
 * light, and through V8's code cache once activation has said where to keep it: compiling a bundle
 * is most of what its first use costs.
 */
function loadBundle<T>(name: string): T {
  const env = storageFolder
    ? { POWERAGENT_CACHE_DIR: storageFolder, POWERAGENT_CODE_CACHE: process.env.POWERAGENT_CODE_CACHE }
    : { POWERAGENT_CODE_CACHE: '0' };
  return requireWithCodeCache<T>(join(__dirname, name), env, (write) => void setTimeout(write, CACHE_WRITE_DELAY_MS).unref());
}

/** The runtime bundle: catalog, clients, MSAL, sandbox. */
export function loadRuntimeBundle(): typeof import('../runtime') {
  return loadBundle('runtime.js');
}

/** The loopback MCP server's bundle: the SDK's server side and the schemas it brings. */
export function loadMcpHostingBundle(): typeof import('./mcpHosting') {
  return loadBundle('mcpHosting.js');
}
