import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as esbuild from 'esbuild';
import { ROOT } from '../helpers';

/**
 * What activation loads is what extension.js holds: the MCP SDK (hundreds of zod schemas built as it
 * loads) and the tool runtime belong in the bundles loaded on first use. With the SDK inside, activation
 * took 128-135 ms instead of about 50 (npm run bench:extension).
 */
describe("the extension's own bundle", () => {
  it('holds neither the MCP SDK, zod, the runtime nor its libraries, which load on first use', async () => {
    const { metafile } = await esbuild.build({
      entryPoints: [join(ROOT, 'src', 'extension', 'extension.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['vscode', './runtime.js', './mcpHosting.js'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(metafile.inputs);
    const heavy = inputs.filter(
      (path) =>
        /node_modules\/(@modelcontextprotocol|zod|@azure\/msal-node|@xmldom|selfsigned|undici)\//.test(path) ||
        /src\/(runtime|services|tools\/index|sandbox\/server)\.ts$/.test(path),
    );
    assert.deepEqual(heavy, []);
    assert.ok(
      inputs.some((path) => path.endsWith('src/extension/host.ts')),
      'the build read the extension',
    );
  });
});
