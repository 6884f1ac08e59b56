import type * as Xmldom from '@xmldom/xmldom';

let loaded: typeof Xmldom | undefined;

/**
 * @xmldom/xmldom, evaluated on first use: loading it took about 70 ms of the runtime's start, which a
 * tool call that reads no XML (most of them) should not pay.
 */
export function xmldom(): typeof Xmldom {
  // A require in the function, not an import: esbuild then evaluates the bundled module only when called.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('@xmldom/xmldom') as typeof Xmldom);
}
