import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { afterEach, describe, it } from 'node:test';
import { LATEST_PROTOCOL_VERSION, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import { parseCliArgs } from '../../src/config';
import { silentLogger } from '../../src/log';
import * as runtimeModule from '../../src/runtime';
import { PROTOCOL_VERSIONS } from '../../src/server/serverInfo';
import { startStdioFront, type SdkServerStarter } from '../../src/server/stdioFront';
import { toolChoice } from '../../src/server/toolSelection';
import type { StandaloneServer } from '../../src/server/standalone';
import { connectStdioServer } from '../../src/server/stdioServer';
import { CLI, childEnv, manifestOfAllTools } from '../helpers';

const manifest = manifestOfAllTools();
/** SDK servers the tests started, closed after each test (a pending roots/list would keep the process alive). */
const running: StandaloneServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});
type Message = { id?: unknown; method?: string; result?: unknown; error?: unknown };

/** A connection: write lines in, read whole messages out, in order. */
class Wire {
  readonly input = new PassThrough({ objectMode: true });
  readonly output = new PassThrough();
  private readonly received: Message[] = [];
  private waiters: Array<() => void> = [];

  constructor() {
    let buffer = '';
    this.output.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      for (const line of lines) this.received.push(JSON.parse(line) as Message);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  send(message: object | string): void {
    this.input.write(Buffer.from(`${typeof message === 'string' ? message : JSON.stringify(message)}\n`));
  }

  /** The answer to request `id`, within 10 s. */
  next(id: unknown): Promise<Message> {
    return this.waitFor((message) => message.id === id && message.method === undefined, `the answer to ${String(id)}`);
  }

  /** The next request of `method` from the server, within 10 s. */
  request(method: string): Promise<Message> {
    return this.waitFor((message) => message.method === method && message.id !== undefined, `a ${method} request`);
  }

  /** The first message received that matches, taken out; waits for it as messages arrive, at most 10 s. */
  private async waitFor(matches: (message: Message) => boolean, what: string): Promise<Message> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const index = this.received.findIndex(matches);
      if (index >= 0) return this.received.splice(index, 1)[0]!;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within 10 s`);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
  }

  /** Everything received so far, for checking that nothing more came. */
  pending(): Message[] {
    return this.received.filter((message) => message.method !== 'notifications/message');
  }
}

/** The SDK server exactly as the CLI starts it after the front hands over (dist/server.js's source). */
function sdkStarter(args: string[]): SdkServerStarter {
  return async (input: Readable, output) => {
    const server = await connectStdioServer(
      {
        options: parseCliArgs(args, {}),
        env: {},
        manifest,
        logger: silentLogger,
        loadRuntime: () => runtimeModule,
        workingDirectory: process.cwd(),
        onUnexpectedClose: () => undefined,
      },
      input,
      output,
    );
    running.push(server);
  };
}

/** What a front did besides answering: how often it started the SDK server, and what it reported. */
interface FrontEvents {
  started: number;
  startFailures: string[];
  refusals: string[];
}

/** The CLI's front before the SDK server (or before `starter`, for a server that fails to load). */
function front(args: string[], starter?: SdkServerStarter) {
  const wire = new Wire();
  const events: FrontEvents = { started: 0, startFailures: [], refusals: [] };
  const start = starter ?? sdkStarter(args);
  const options = parseCliArgs(args, {});
  startStdioFront({
    input: wire.input,
    output: wire.output,
    manifest,
    choice: toolChoice(options),
    toolList: { icons: options.toolIcons },
    startSdkServer: (input, output) => {
      events.started++;
      return start(input, output);
    },
    onStartFailed: (error) => events.startFailures.push(error.message),
    onReplayRefused: (message) => events.refusals.push(message),
  });
  return { wire, events };
}

/** The SDK server alone, answering from the first message (what the front must imitate). */
async function sdkAlone(args: string[]) {
  const wire = new Wire();
  await sdkStarter(args)(wire.input, wire.output);
  return wire;
}

function initialize(id: number | string, protocolVersion: string, capabilities: object = {}) {
  return {
    jsonrpc: '2.0',
    id,
    method: 'initialize',
    params: { protocolVersion, capabilities, clientInfo: { name: 'test', version: '1' } },
  };
}

/** The same messages to the front and to the SDK alone; every answer must be the same. */
async function sameAnswers(args: string[], messages: object[]): Promise<FrontEvents> {
  const { wire, events } = front(args);
  const sdk = await sdkAlone(args);
  for (const message of messages) {
    wire.send(message);
    sdk.send(message);
    if (!('id' in message)) continue;
    // Answers only: the SDK alone asks a client with roots for them at once; behind the front it asks on hand-over.
    assert.deepEqual(await wire.next(message.id), await sdk.next(message.id), `answer to ${JSON.stringify(message).slice(0, 120)}`);
  }
  return events;
}

const initialized = { jsonrpc: '2.0', method: 'notifications/initialized' };

describe('the stdio front answers initialize, ping and tools/list as the SDK server does', () => {
  it('knows the protocol revisions the SDK speaks, newest first', () => {
    assert.deepEqual(PROTOCOL_VERSIONS, SUPPORTED_PROTOCOL_VERSIONS);
    assert.equal(PROTOCOL_VERSIONS[0], LATEST_PROTOCOL_VERSION);
  });

  for (const version of [...SUPPORTED_PROTOCOL_VERSIONS, '2023-01-01']) {
    it(`initialize with ${version}, then ping and tools/list, without loading the SDK`, async () => {
      const messages = [
        initialize(1, version, { roots: { listChanged: true }, elicitation: {}, sampling: {}, experimental: { x: {} } }),
        initialized,
        { jsonrpc: '2.0', id: 2, method: 'ping' },
        { jsonrpc: '2.0', id: 'list', method: 'tools/list', params: { _meta: { progressToken: 7 } } },
      ];
      assert.equal((await sameAnswers([], messages)).started, 0);
    });
  }

  const selections = [
    ['--read-only'],
    ['--toolsets', 'solutions'],
    ['--tools', 'pp_whoami,pp_doctor'],
    ['--toolsets', 'data', '--read-only'],
    ['--tool-icons', '--toolsets', 'pages,security'],
  ];
  for (const args of selections) {
    it(`tools/list with ${args.join(' ')}`, async () => {
      const messages = [initialize(1, '2025-06-18'), { jsonrpc: '2.0', id: 2, method: 'tools/list' }];
      assert.equal((await sameAnswers(args, messages)).started, 0);
    });
  }

  it('skips a blank line, as the SDK does', async () => {
    const { wire, events } = front([]);
    wire.send('');
    wire.send({ jsonrpc: '2.0', id: 1, method: 'ping' });
    assert.deepEqual((await wire.next(1)).result, {});
    assert.deepEqual(wire.pending(), []);
    assert.equal(events.started, 0);
  });
});

describe('the stdio front hands everything else to the SDK server', () => {
  it('on the first other request: the SDK answers it, knows the client, and its answer to the replayed initialize is dropped', async () => {
    const { wire, events } = front(['--sandbox']);
    wire.send(initialize(1, '2025-06-18', { roots: { listChanged: false } }));
    assert.equal((await wire.next(1)).id, 1);
    wire.send(initialized);
    wire.send({ jsonrpc: '2.0', id: 2, method: 'prompts/list' });
    // The SDK, told that this client has roots and that no folders were allowed, asks for them.
    const rootsRequest = await wire.request('roots/list');
    wire.send({ jsonrpc: '2.0', id: rootsRequest.id as number, result: { roots: [] } });
    const prompts = await wire.next(2);
    assert.ok((prompts.result as { prompts: unknown[] }).prompts.length > 0);
    wire.send({ jsonrpc: '2.0', id: 3, method: 'tools/list' });
    assert.equal(((await wire.next(3)).result as { tools: unknown[] }).tools.length, manifest.length);
    assert.deepEqual(
      wire.pending().filter((message) => message.id === 1),
      [],
      'the client sees one answer to its initialize',
    );
    assert.equal(events.started, 1);
    assert.deepEqual(events.refusals, []);
  });

  it('holds what arrives while the SDK loads, and every request gets its answer', async () => {
    const { wire } = front([]);
    wire.send(initialize('a', '2025-06-18'));
    for (const message of [
      initialized,
      { jsonrpc: '2.0', id: 'b', method: 'prompts/list' },
      { jsonrpc: '2.0', id: 'c', method: 'tools/list' },
      { jsonrpc: '2.0', id: 'd', method: 'ping' },
      { jsonrpc: '2.0', id: 'e', method: 'resources/templates/list' },
    ])
      wire.send(message);
    for (const id of ['a', 'b', 'c', 'd', 'e']) assert.equal((await wire.next(id)).error, undefined, id);
  });

  // Each is something the SDK refuses (or answers itself): the front must not answer it differently.
  const unsure: Array<[string, object]> = [
    [
      'an initialize whose protocolVersion is a number',
      { ...initialize(1, '2025-06-18'), params: { protocolVersion: 7, capabilities: {} } },
    ],
    ['an initialize whose roots capability is not an object', initialize(1, '2025-06-18', { roots: true })],
    ['an initialize whose elicitation capability is a list', initialize(1, '2025-06-18', { elicitation: [] })],
    [
      'an initialize whose client icons are not a list',
      {
        ...initialize(1, '2025-06-18'),
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'a', version: '1', icons: 'x' } },
      },
    ],
    ['a ping whose _meta is a number', { jsonrpc: '2.0', id: 1, method: 'ping', params: { _meta: 5 } }],
    [
      'a tools/list whose progress token is an object',
      { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: { progressToken: {} } } },
    ],
    ['a tools/list with a cursor', { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { cursor: 'next' } }],
  ];
  for (const [what, message] of unsure) {
    it(`leaves ${what} to the SDK`, async () => {
      const { wire, events } = front([]);
      const sdk = await sdkAlone([]);
      // The SDK answers some of these with an error and drops others unanswered; a ping sent after shows
      // that everything about the first has arrived.
      for (const side of [wire, sdk]) {
        side.send(message);
        side.send({ jsonrpc: '2.0', id: 'after', method: 'ping' });
        await side.next('after');
      }
      assert.deepEqual(wire.pending(), sdk.pending());
      assert.equal(events.started, 1);
    });
  }

  it('answers every waiting request with an error when the SDK server cannot be loaded', async () => {
    const { wire, events } = front([], () => Promise.reject(new Error("Cannot find module './server.js'")));
    wire.send(initialize(1, '2025-06-18'));
    await wire.next(1);
    wire.send({ jsonrpc: '2.0', id: 2, method: 'prompts/list' });
    const answer = await wire.next(2);
    assert.deepEqual(answer.error, { code: -32603, message: "The MCP server could not start: Cannot find module './server.js'" });
    assert.deepEqual(events.startFailures, ["Cannot find module './server.js'"]);
  });
});

describe('dist/cli.js', () => {
  it('answers initialize, ping and tools/list with neither the SDK server nor the runtime bundle beside it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'front-'));
    for (const file of ['cli.js', 'toolManifest.json']) copyFileSync(join(CLI, '..', file), join(folder, file));
    const child = spawn(process.execPath, [join(folder, 'cli.js')], { stdio: ['pipe', 'pipe', 'pipe'], env: childEnv() });
    const wire = new Wire();
    child.stdout.pipe(wire.output);
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    send(initialize(1, '2025-11-25'));
    assert.equal(((await wire.next(1)).result as { protocolVersion: string }).protocolVersion, '2025-11-25');
    send({ jsonrpc: '2.0', id: 2, method: 'ping' });
    assert.deepEqual((await wire.next(2)).result, {});
    send({ jsonrpc: '2.0', id: 3, method: 'tools/list' });
    assert.equal(((await wire.next(3)).result as { tools: unknown[] }).tools.length, manifest.length);
    // Only now is the SDK server needed, and it is not there: the request gets an error, and the process ends.
    send({ jsonrpc: '2.0', id: 4, method: 'prompts/list' });
    assert.match(((await wire.next(4)).error as { message: string }).message, /^The MCP server could not start: Cannot find module/);
    assert.equal(await exited, 1);
    assert.match(stderr, /server\.js/);
  });
});
