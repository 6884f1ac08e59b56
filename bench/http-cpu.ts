/**
 * Server CPU per MCP message: the stdio CLI, the loopback HTTP transport answering with event streams
 * (the default), and the same answering with JSON bodies, all as built, minified bundles. Each server runs in its own process, whose
 * CPU time is read from /proc before and after BENCH_MESSAGES prompts/list requests (answered by the
 * SDK server in every case), sent one after another after a warm-up.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { buildSync } from 'esbuild';
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { MCP_PATH, SECRET_HEADER } from '../src/server/loopback';

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 3000);
const WARM_UP = 200;
const CLI = join(__dirname, '..', 'dist', 'cli.js');
const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

const initialize = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '0' } },
};
const listPrompts = (id: number) => ({ jsonrpc: '2.0', id, method: 'prompts/list' });

/** User plus system CPU time of a process so far, in milliseconds. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}

interface Subject {
  child: ChildProcess;
  send(message: object): Promise<void>;
}

function stdioSubject(): Promise<Subject> {
  const child = spawn(process.execPath, [CLI], { stdio: ['pipe', 'pipe', 'ignore'] });
  const waiting = new Map<number, () => void>();
  createInterface({ input: child.stdout }).on('line', (line) => {
    const { id } = JSON.parse(line) as { id?: number };
    if (id !== undefined) waiting.get(id)?.();
  });
  const send = (message: object) =>
    new Promise<void>((resolve) => {
      const { id } = message as { id?: number };
      if (id === undefined) resolve();
      else waiting.set(id, resolve);
      child.stdin.write(`${JSON.stringify(message)}\n`);
    });
  return send(initialize).then(() => ({ child, send }));
}

/** The loopback server worker bundled and minified as the product's bundles are, so both transports run built code. */
function loopbackBundle(): string {
  const outfile = join(mkdtempSync(join(tmpdir(), 'http-cpu-')), 'loopbackServer.js');
  buildSync({
    entryPoints: [join(__dirname, 'workers', 'loopbackServer.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    minify: true,
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

async function httpSubject(mode: 'sse' | 'json'): Promise<Subject> {
  const child = spawn(process.execPath, [loopbackBundle(), mode], { stdio: ['ignore', 'pipe', 'ignore'] });
  const first = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
  const { port, secret } = JSON.parse(first) as { port: number; secret: string };
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  let session: string | undefined;
  const send = (message: object) =>
    new Promise<void>((resolve, reject) => {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        [SECRET_HEADER]: secret,
        'mcp-protocol-version': '2025-06-18',
        ...(session ? { 'mcp-session-id': session } : {}),
      };
      const req = request({ host: '127.0.0.1', port, method: 'POST', path: MCP_PATH, headers, agent }, (res) => {
        session ??= res.headers['mcp-session-id'] as string | undefined;
        res.resume();
        res.on('end', () => (res.statusCode! < 300 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      });
      req.on('error', reject);
      req.end(JSON.stringify(message));
    });
  await send(initialize);
  await send({ jsonrpc: '2.0', method: 'notifications/initialized' });
  return { child, send };
}

async function measure(name: string, subject: Subject): Promise<{ name: string; perMessageMs: number }> {
  let id = 1;
  for (let i = 0; i < WARM_UP; i++) await subject.send(listPrompts(id++));
  const before = cpuMs(subject.child.pid!);
  for (let i = 0; i < MESSAGES; i++) await subject.send(listPrompts(id++));
  const spent = cpuMs(subject.child.pid!) - before;
  subject.child.kill();
  return { name, perMessageMs: spent / MESSAGES };
}

async function main(): Promise<void> {
  const results = [
    await measure('stdio (dist/cli.js)', await stdioSubject()),
    await measure('loopback HTTP, event stream per POST (default)', await httpSubject('sse')),
    await measure('loopback HTTP, JSON body per POST', await httpSubject('json')),
  ];
  const stdio = results[0]!.perMessageMs;
  console.log(`Server CPU per prompts/list, ${MESSAGES} messages each after ${WARM_UP} to warm up, node ${process.version}\n`);
  console.log('| transport | server CPU per message | x stdio |');
  console.log('|---|---|---|');
  for (const { name, perMessageMs } of results) {
    console.log(`| ${name} | ${(perMessageMs * 1000).toFixed(0)} µs | ${(perMessageMs / stdio).toFixed(1)}x |`);
  }
}

void main();
