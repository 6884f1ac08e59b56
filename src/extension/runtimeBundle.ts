/**
 * The runtime bundle (catalog, clients, MSAL, sandbox) beside extension.js in dist/. It is required on
 * first use, not imported, so activation stays light.
 */
export function loadRuntimeBundle(): typeof import('../runtime') {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy require, left as is by esbuild, keeps activation light
  return require('./runtime.js') as typeof import('../runtime');
}
