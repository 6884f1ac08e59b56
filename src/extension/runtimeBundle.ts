/**
 * The runtime bundle (catalog, clients, MSAL, sandbox) beside extension.js in dist/. It is required on
 * first use, not imported, so activation stays light.
 */
export function loadRuntimeBundle(): typeof import('../runtime') {
  return require('./runtime.js') as typeof import('../runtime');
}
