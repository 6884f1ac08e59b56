import { createRequire } from 'node:module';

/**
 * The runtime bundle (catalog, clients, MSAL, sandbox) beside extension.js in dist/. It is required on
 * first use, not imported, so activation stays light.
 */
export function loadRuntimeBundle(): typeof import('../runtime') {
  return createRequire(__filename)('./runtime.js') as typeof import('../runtime');
}
