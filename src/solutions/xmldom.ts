import type * as Xmldom from '@xmldom/xmldom';

let loaded: typeof Xmldom | undefined;

/**
 * @xmldom/xmldom, evaluated on first use, which a tool call that reads no XML (most of them) then
 * never pays: with the sandbox's certificate library, loaded late too, it took 30 ms of the runtime's
 * load with the code cache and 70 ms without (README, First tool call).
 */
export function xmldom(): typeof Xmldom {
  // A require in the function, not an import: esbuild then evaluates the bundled module only when called.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('@xmldom/xmldom') as typeof Xmldom);
}
