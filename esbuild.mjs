// Builds the bundles: dist/cli.js (small: the stdio front, which reads dist/toolManifest.json), dist/server.js
// (the SDK server, loaded on the first message the front does not answer), dist/runtime.js (loaded on the
// first tool call: catalog, clients, sign-in, sandbox), dist/extension.js (the VS Code extension) and
// dist/mcpHosting.js (the extension's loopback MCP server, loaded when VS Code first asks for it).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as esbuild from 'esbuild';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const manifestOnly = process.argv.includes('--manifest-only');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  minify: true,
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
  define: { __PACKAGE_VERSION__: JSON.stringify(pkg.version) },
};

// The SDK's Server imports ajv eagerly to validate elicitation answers; the SDK's own lighter
// validator does the same job without costing start-up time.
const lighterJsonSchemaValidator = {
  name: 'lighter-json-schema-validator',
  setup(build) {
    build.onResolve({ filter: /\/validation\/ajv-provider\.js$/ }, () => ({ path: 'ajv-provider', namespace: 'validator' }));
    build.onLoad({ filter: /.*/, namespace: 'validator' }, () => ({
      contents: "export { CfWorkerJsonSchemaValidator as AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/cfworker';",
      resolveDir: process.cwd(),
    }));
  },
};

// 1. The tool manifest, generated from the zod catalog.
await esbuild.build({
  ...common,
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  entryPoints: ['scripts/generate-manifest.ts'],
  outfile: '.cache/generate-manifest.js',
});
execFileSync(process.execPath, ['.cache/generate-manifest.js', 'src/server/generated/toolManifest.json'], { stdio: 'inherit' });
if (manifestOnly) process.exit(0);

// 2. The bundles.
rmSync('dist', { recursive: true, force: true });
await Promise.all([
  esbuild.build({
    ...common,
    entryPoints: { cli: 'src/cli.ts' },
    outdir: 'dist',
    external: ['./runtime.js', './server.js'],
    banner: { js: '#!/usr/bin/env node' },
  }),
  esbuild.build({
    ...common,
    entryPoints: { server: 'src/server/stdioServer.ts' },
    outdir: 'dist',
    external: ['./runtime.js'],
    plugins: [lighterJsonSchemaValidator],
  }),
  esbuild.build({ ...common, entryPoints: { runtime: 'src/runtime.ts' }, outdir: 'dist', plugins: [lighterJsonSchemaValidator] }),
  esbuild.build({
    ...common,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: 'dist',
    external: ['vscode', './runtime.js', './mcpHosting.js'],
    plugins: [lighterJsonSchemaValidator],
  }),
  // The extension's loopback MCP server (the SDK and zod), loaded when VS Code first asks for it.
  esbuild.build({
    ...common,
    entryPoints: { mcpHosting: 'src/extension/mcpHosting.ts' },
    outdir: 'dist',
    external: ['vscode', './runtime.js'],
    plugins: [lighterJsonSchemaValidator],
  }),
]);
// The standalone CLI reads the manifest as JSON at start (faster than compiling it as part of a bundle).
writeFileSync('dist/toolManifest.json', JSON.stringify(JSON.parse(readFileSync('src/server/generated/toolManifest.json', 'utf8'))));
