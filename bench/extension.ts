/**
 * The extension's own activation cost and the .vsix size. Activation: a fresh Node process loads
 * dist/extension.js and calls activate() against a stand-in `vscode` module, beside a baseline in
 * the same run: the smallest useful extension (one output channel, one command). VS Code's own
 * share (the extension host, reading the manifest) is the same for both and not measured here.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const dir = mkdtempSync(join(tmpdir(), 'ext-bench-'));

/** A `vscode` module that answers every API with harmless objects; configuration returns defaults. */
const STUB = `
const Module = require('module');
const handler = { get: (t, p) => (p === 'then' ? undefined : p in t ? t[p] : stub()), set: () => true, apply: () => stub(), construct: () => stub() };
function stub() { return new Proxy(function () {}, handler); }
class EventEmitter { constructor() { this.event = () => ({ dispose() {} }); } fire() {} dispose() {} }
class Disposable { constructor(f) { this.f = f; } static from() { return new Disposable(); } dispose() {} }
// Bundlers copy a module's own properties, so every namespace the extension uses is listed.
const vscode = { EventEmitter, Disposable, workspace: new Proxy({ getConfiguration: () => ({ get: (k, d) => d }) }, handler) };
for (const name of ['window', 'commands', 'lm', 'authentication', 'env', 'extensions', 'Uri', 'McpHttpServerDefinition', 'ThemeIcon', 'ThemeColor',
  'TreeItem', 'MarkdownString', 'StatusBarAlignment', 'TreeItemCollapsibleState', 'ProgressLocation', 'ConfigurationTarget',
  'LanguageModelTextPart', 'LanguageModelToolResult']) vscode[name] = stub();
const load = Module._load;
Module._load = function (request, ...rest) { return request === 'vscode' ? vscode : load.call(this, request, ...rest); };
`;
const CONTEXT = `{ subscriptions: [], globalState: { get() {}, update: async () => {} }, secrets: { get: async () => undefined }, globalStorageUri: { fsPath: ${JSON.stringify(dir)} } }`;

const BASELINE = `
const vscode = require('vscode');
exports.activate = (context) => {
  const channel = vscode.window.createOutputChannel('Baseline', { log: true });
  context.subscriptions.push(channel, vscode.commands.registerCommand('baseline.hello', () => channel.info('hello')));
};`;

/** Runs a script (after the stand-in `vscode` module) in a fresh Node process; the number it prints. */
function runFresh(body: string, env: NodeJS.ProcessEnv = process.env): number {
  const file = join(dir, `run-${Math.random().toString(36).slice(2)}.js`);
  writeFileSync(file, `${STUB}\n${body}`);
  const result = spawnSync(process.execPath, [file], { encoding: 'utf8', env });
  if (result.status !== 0) throw new Error(result.stderr);
  return Number(result.stdout);
}

function measure(extensionFile: string): number {
  return runFresh(`const started = process.hrtime.bigint();
const extension = require(${JSON.stringify(extensionFile)});
extension.activate(${CONTEXT});
process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6));
process.exit(0);`);
}

/**
 * First use of the runtime bundle after activation: the host builds the runtime (sandbox on, as the
 * stand-in's settings default), once with V8's code cache in the extension's storage from an earlier
 * run, once with it off (POWERAGENT_CODE_CACHE=0, as a plain require).
 */
function measureFirstUse(extensionFile: string, cache: boolean): number {
  return runFresh(
    `const extension = require(${JSON.stringify(extensionFile)});
const api = extension.activate(${CONTEXT});
const started = process.hrtime.bigint();
api.host.runtime().then(() => {
  process.stdout.write(String(Number(process.hrtime.bigint() - started) / 1e6));
  process.exit(0);
});`,
    { ...process.env, POWERAGENT_CODE_CACHE: cache ? '1' : '0' },
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const baselineFile = join(dir, 'baseline.js');
writeFileSync(baselineFile, BASELINE);
const extensionFile = join(ROOT, 'dist', 'extension.js');
if (!existsSync(extensionFile)) throw new Error('Build first: npm run build');
const ours: number[] = [];
const baseline: number[] = [];
for (let i = 0; i < RUNS; i++) {
  baseline.push(measure(baselineFile));
  ours.push(measure(extensionFile));
}
// The cache is written 10 s after the first load: one untimed run that lives that long makes it.
const warmUp = spawnSync(
  process.execPath,
  [
    '-e',
    `${STUB}; const api = require(${JSON.stringify(extensionFile)}).activate(${CONTEXT}); api.host.runtime().then(() => setTimeout(() => process.exit(0), 11000));`,
  ],
  { encoding: 'utf8', env: { ...process.env, POWERAGENT_CODE_CACHE: '1' } },
);
if (
  warmUp.status !== 0 ||
  !existsSync(join(dir, 'code-cache')) ||
  !readdirSync(join(dir, 'code-cache')).some((name) => /^runtime-.*\.v8$/.test(name))
)
  throw new Error(`The warm-up wrote no code cache: ${warmUp.stderr}`);
const cached: number[] = [];
const uncached: number[] = [];
for (let i = 0; i < RUNS; i++) {
  uncached.push(measureFirstUse(extensionFile, false));
  cached.push(measureFirstUse(extensionFile, true));
}
const vsix = join(ROOT, 'dist', 'power-agent-mcp.vsix');
console.log(`Extension activation (load + activate, stand-in vscode module), ${RUNS} alternating runs, node ${process.version}\n`);
console.log('| subject | median ms | max ms |');
console.log('|---|---|---|');
console.log(`| baseline extension (one channel, one command) | ${median(baseline).toFixed(1)} | ${Math.max(...baseline).toFixed(1)} |`);
console.log(`| power-agent-mcp | ${median(ours).toFixed(1)} | ${Math.max(...ours).toFixed(1)} |`);
console.log(
  `\nFirst use of the runtime bundle after activation (host.runtime()), ${RUNS} alternating runs: median ${median(uncached).toFixed(0)} ms with no code cache, ${median(cached).toFixed(0)} ms with the cache in the extension's storage.`,
);
console.log(
  `\n.vsix size: ${existsSync(vsix) ? `${(statSync(vsix).size / 1024).toFixed(0)} KB` : 'not built (npm run package)'}; dist/extension.js ${(statSync(extensionFile).size / 1024).toFixed(0)} KB`,
);
