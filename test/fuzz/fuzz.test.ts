import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ErrorCode, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolRuntime } from '../../src/runtime';
import { buildManifest } from '../../src/server/manifest';
import { createMcpServer } from '../../src/server/mcpServer';
import { allTools } from '../../src/tools';
import { invokeTool } from '../../src/tools/invoke';
import { text } from '../helpers';
import { hostileUrls, startListener, type Listener } from '../security/listener';
import { TOOLS, prepareInputs, startToolHost, type ToolHost } from '../security/toolHost';
import { ArgumentGenerator, seededRandom, type Pools } from './generate';
import { z } from 'zod';

/**
 * A seeded, bounded run of schema-aware random and adversarial calls across every tool, through an MCP
 * client and the server in this process, against a sandbox. POWERAGENT_FUZZ_SEED replays a run;
 * POWERAGENT_FUZZ_CALLS changes its length.
 */
const SEED = Number(process.env.POWERAGENT_FUZZ_SEED) || Math.floor(Math.random() * 2 ** 31);
const CALLS = Number(process.env.POWERAGENT_FUZZ_CALLS) || 2000;
/** A call that takes longer hangs (the longest legitimate wait the fuzz asks for is 2 s; a loaded 2-core CI machine needs the margin). */
const CALL_TIMEOUT_MS = 60_000;
const CONCURRENCY = 4;
/** The whole run stops issuing calls after this, so a run that hangs ends and says so. */
const DEADLINE_MS = 240_000;

const BUG = /bug in Power Agent MCP/i;
const STACK = /\bat (async )?[\w.$<>]+ \(?[^\s()]*:\d+:\d+\)?|\bat [^\s()]+\.(ts|js|cjs|mjs):\d+/;
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./;

describe('fuzz: every tool, seeded random and adversarial arguments', () => {
  let host: ToolHost;
  let listener: Listener;
  let outside: string;
  let client: Client;
  let bases: Record<string, Record<string, unknown>>;
  let pools: Pools;

  before(async () => {
    host = await startToolHost();
    listener = await startListener();
    outside = mkdtempSync(join(tmpdir(), 'power-agent-fuzz-outside-'));
    bases = await prepareInputs(host);
    pools = await makePools(host, listener, outside);
    const manifest = buildManifest(allTools);
    const runtime = {
      settings: () => host.options().settings ?? {},
      callTool: (name: string, args: unknown, call: Parameters<ToolRuntime['callTool']>[2]) =>
        invokeTool(TOOLS.get(name)!, args, call, host.options()),
      // The server follows the operations for its resources and tasks from the first call on.
      operations: host.options().operations,
    };
    const server = createMcpServer({ manifest, runtime: async () => runtime as unknown as ToolRuntime });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    client = new Client({ name: 'fuzz', version: '1.0.0' });
    await client.connect(clientSide);
    await client.listTools(); // the client checks structured results against the output schemas it lists
  });
  after(async () => {
    await client?.close();
    await listener?.close();
    await host?.close();
    rmSync(outside, { recursive: true, force: true });
  });

  it(`${CALLS} calls: no crash, hang, protocol error, "bug", stack trace or token, and no request to the listener`, async () => {
    console.log(`fuzz seed ${SEED} (replay with POWERAGENT_FUZZ_SEED=${SEED})`);
    const generator = new ArgumentGenerator(seededRandom(SEED), pools);
    // From the full input schemas the tools validate by (tools/list shows a leaner form of them).
    type Schema = Parameters<ArgumentGenerator['argumentsFor']>[0];
    const tools = allTools.map((tool) => ({ name: tool.name, inputSchema: z.toJSONSchema(tool.input, { io: 'input' }) as Schema }));
    // Arguments are made up front, so a seed gives the same calls whatever order they finish in.
    const calls = Array.from({ length: CALLS }, (_, i) => {
      const tool = tools[i % tools.length]!;
      return { index: i, name: tool.name, args: generator.argumentsFor(tool.inputSchema, bases[tool.name] ?? {}) };
    });
    const problems: string[] = [];
    const inFlight = new Set<number>();
    const stats = { ok: 0, refused: 0 };
    const started = Date.now();
    let next = 0;
    let hits = 0;
    const describeCall = (call: (typeof calls)[number]) =>
      `#${call.index} ${call.name} ${JSON.stringify(call.args)
        .replace(/(d\/){20,}/g, (m) => `(d/ x ${m.length / 2})`)
        .slice(0, 600)}`;

    async function one(call: (typeof calls)[number]): Promise<void> {
      let result: CallToolResult;
      try {
        result = (await client.callTool({ name: call.name, arguments: call.args }, undefined, {
          timeout: CALL_TIMEOUT_MS,
        })) as CallToolResult;
      } catch (error) {
        const hung = error instanceof McpError && error.code === Number(ErrorCode.RequestTimeout);
        problems.push(`${hung ? 'hang' : 'JSON-RPC error'}: ${describeCall(call)}: ${(error as Error).message}`);
        return;
      }
      const said = `${text(result)}\n${JSON.stringify(result.structuredContent ?? {})}`;
      if (BUG.test(said)) problems.push(`"bug": ${describeCall(call)}: ${text(result).split('\n')[0]}`);
      if (STACK.test(said)) problems.push(`stack trace: ${describeCall(call)}: ${said.match(STACK)![0]}`);
      if (JWT.test(said) || said.includes(host.sandbox.clientSecret)) problems.push(`token or secret: ${describeCall(call)}`);
      if (!Array.isArray(result.content) || !result.content.length) problems.push(`no content: ${describeCall(call)}`);
      if (result.isError) stats.refused++;
      else stats.ok++;
    }

    async function worker(): Promise<void> {
      while (next < calls.length) {
        if (Date.now() - started > DEADLINE_MS) {
          problems.push(`the run passed ${DEADLINE_MS / 1000} s with ${calls.length - next} call(s) left: calls are hanging`);
          next = calls.length;
          return;
        }
        const call = calls[next++]!;
        inFlight.add(call.index);
        await one(call);
        inFlight.delete(call.index);
        if (listener.hits.length > hits) {
          hits = listener.hits.length;
          problems.push(
            `request to the listener (${listener.hits.at(-1)}) during ${[...inFlight, call.index].map((i) => describeCall(calls[i]!)).join(' | ')}`,
          );
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    // Still serving after all that.
    const after = (await client.callTool({ name: 'pp_list_environments', arguments: {} })) as CallToolResult;
    assert.equal(after.isError, undefined, text(after));
    console.log(
      `fuzz: ${CALLS} calls in ${((Date.now() - started) / 1000).toFixed(1)} s, ${stats.ok} succeeded, ${stats.refused} refused with an error result`,
    );
    assert.deepEqual(problems.slice(0, 30), [], `seed ${SEED}: ${problems.length} problem(s)`);
    assert.deepEqual(listener.hits, [], `seed ${SEED}: the listener was reached`);
  });
});

/** Things worth passing as paths, environments and other strings; files and links made in the work folder. */
async function makePools(host: ToolHost, listener: Listener, outside: string): Promise<Pools> {
  const work = host.work;
  mkdirSync(join(work, 'dir-as-file.zip'));
  execFileSync('mkfifo', [join(work, 'pipe.zip'), join(work, 'pipe.json')]);
  writeFileSync(join(outside, 'outside.zip'), readFileSync(join(work, 'core.zip')));
  writeFileSync(join(outside, 'outside.json'), '{"secret":"outside-file-content"}');
  symlinkSync(join(outside, 'outside.zip'), join(work, 'link-out.zip'));
  symlinkSync(join(outside, 'outside.json'), join(work, 'link-out.json'));
  symlinkSync(outside, join(work, 'link-out-dir'));
  symlinkSync(join(outside, 'not-yet.zip'), join(work, 'dangling.zip'));
  writeFileSync(join(work, 'not-a-zip.zip'), 'this is text, not a zip');
  writeFileSync(join(work, 'empty.zip'), '');
  writeFileSync(join(work, 'not-json.json'), '{ "EnvironmentVariables": [');
  const environments = [...host.sandbox.tenant.environments.values()];
  const orgs = environments.filter((env) => env.org).map((env) => env.org!.url);
  return {
    paths: [
      'core.zip',
      'ContosoCore_managed.zip',
      'package.zip',
      'data.zip',
      'data_schema.xml',
      'submission.json',
      'portal',
      'unpacked',
      'settings.json',
      'unpacked/Other/Solution.xml',
      'missing.zip',
      'new/deeper/out.zip',
      'dir-as-file.zip',
      'pipe.zip',
      'pipe.json',
      'link-out.zip',
      'link-out.json',
      'link-out-dir',
      'link-out-dir/outside.zip',
      'dangling.zip',
      'not-a-zip.zip',
      'empty.zip',
      'not-json.json',
      'core.zip/inside.zip',
      '.',
      '..',
      '../escape.zip',
      '/etc/passwd',
      '/dev/zero',
      '/tmp',
      join(outside, 'outside.zip'),
      `${'n'.repeat(300)}.zip`,
      `${'d/'.repeat(1500)}x.zip`,
      'nul\u0000.zip',
      ' ',
      '~/x.zip',
      'C:\\Windows\\win.ini',
      '\\\\server\\share\\x.zip',
      join(work, 'core.zip'),
      'file:///etc/passwd',
    ],
    environments: [
      'Contoso Dev',
      'Contoso Test',
      'Contoso (default)',
      'contoso-dev',
      'Contoso Nowhere',
      ...environments.map((env) => env.record.name),
      '00000000-0000-4000-8000-000000000000',
      ...orgs,
      `${host.sandbox.url}/orgs/nope`,
      `${host.sandbox.url}/providers/Microsoft.BusinessAppPlatform`,
      ...hostileUrls(listener.port),
      'https://org.crm.dynamics.com',
      'https://org.crm4.dynamics.com/api/data/v9.2',
      'file:///etc/passwd',
      "Contoso Dev' or 1 eq 1",
      '*',
    ],
    strings: [
      'ContosoCore',
      'ContosoCore_Upgrade',
      'Nope',
      'account',
      'contact',
      'table',
      'webresource',
      'System Customizer',
      'Basic User',
      'megan@contoso.sandbox',
      'Contoso Portal',
      'ContosoExpenseTemplate',
      'ContosoFieldInspections',
      '1.0.0.1',
      "x' or 1 eq 1 or 'a' eq 'a",
      '$filter=true',
      '{{7*7}}',
      '${jndi:ldap://x/a}',
      '<script>alert(1)</script>',
      '%00',
      '../../etc/passwd',
      '\ud83d\ude00',
      '\u202egnp.exe',
      '',
      ' ',
      'null',
      'undefined',
      ...hostileUrls(listener.port),
    ],
  };
}
