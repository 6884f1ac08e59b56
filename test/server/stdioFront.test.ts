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
import { buildManifest } from '../../src/server/manifest';
import { PROTOCOL_VERSIONS } from '../../src/server/serverInfo';
import { startStdioFront, type SdkServerStarter } from '../../src/server/stdioFront';
import type { StandaloneServer } from '../../src/server/standalone';
import { connectStdioServer } from '../../src/server/stdioServer';
import { allTools } from '../../src/tools';
import { CLI } from '../helpers';

const manifest = buildManifest(allTools);
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

  /** The next message that is not a log notification (with `id`: the answer to that request), within 10 s. */
  async next(id?: unknown): Promise<Message> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const index = this.received.findIndex((message) =>
        id === undefined ? message.method !== 'notifications/message' : message.id === id && message.method === undefined,
      );
      if (index >= 0) return this.received.splice(index, 1)[0]!;
      if (Date.now() > deadline) throw new Error('no message within 10 s');
      await new Promise<void>((wake) => {
        this.waiters.push(wake);
        setTimeout(wake, 200);
      });
    }
  }

  /** The next request of `method` from the server, within 10 s. */
  async request(method: string): Promise<Message> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const index = this.received.findIndex((message) => message.method === method && message.id !== undefined);
      if (index >= 0) return this.received.splice(index, 1)[0]!;
      if (Date.now() > deadline) throw new Error(`no ${method} within 10 s`);
      await new Promise<void>((wake) => {
        this.waiters.push(wake);
        setTimeout(wake, 200);
      });
    }
  }

  /** Everything received so far, for checking that nothing more came. */
  pending(): Message[] {
    return this.received.filter((message) => message.method !== 'notifications/message');
  }
}

/** The SDK server exactly as the CLI starts it after the front hands over (dist/server.js's source). */
function sdkStarter(args: string[], started: { count: number } = { count: 0 }): SdkServerStarter {
  return async (input: Readable, output) => {
    started.count++;
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

/** The CLI's front before the given SDK server. */
function front(args: string[], started?: { count: number }) {
  const wire = new Wire();
  const cli = parseCliArgs(args, {});
  const handle = startStdioFront({
    input: wire.input,
    output: wire.output,
    manifest,
    choice: { readOnly: cli.readOnly, toolsets: cli.toolsets, tools: cli.tools },
    startSdkServer: sdkStarter(args, started),
  });
  return { wire, handle };
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
async function sameAnswers(args: string[], messages: object[]): Promise<{ started: number }> {
  const started = { count: 0 };
  const { wire } = front(args, started);
  const sdk = await sdkAlone(args);
  for (const message of messages) {
    wire.send(message);
    sdk.send(message);
    if (!('id' in message)) continue;
    // Answers only: the SDK alone asks a client with roots for them at once; behind the front it asks on hand-over.
    assert.deepEqual(await wire.next(message.id), await sdk.next(message.id), `answer to ${JSON.stringify(message).slice(0, 120)}`);
  }
  wire.input.end();
  sdk.input.end();
  return { started: started.count };
}

describe('the stdio front answers initialize, ping and tools/list as the SDK server does', () => {
  it('knows the protocol revisions the SDK speaks, newest first', () => {
    assert.deepEqual(PROTOCOL_VERSIONS, SUPPORTED_PROTOCOL_VERSIONS);
    assert.equal(PROTOCOL_VERSIONS[0], LATEST_PROTOCOL_VERSION);
  });

  for (const version of [...SUPPORTED_PROTOCOL_VERSIONS, '2023-01-01']) {
    it(`initialize with ${version}, then ping and tools/list, without loading the SDK`, async () => {
      const messages = [
        initialize(1, version, { roots: { listChanged: true }, elicitation: {} }),
        { jsonrpc: '2.0', method: 'notifications/initialized' },
        { jsonrpc: '2.0', id: 2, method: 'ping' },
        { jsonrpc: '2.0', id: 'list', method: 'tools/list', params: { _meta: { progressToken: 7 } } },
      ];
      assert.equal((await sameAnswers([], messages)).started, 0);
    });
  }

  for (const args of [
    ['--read-only'],
    ['--toolsets', 'solutions'],
    ['--tools', 'pp_whoami,pp_doctor'],
    ['--toolsets', 'data', '--read-only'],
  ]) {
    it(`tools/list with ${args.join(' ')}`, async () => {
      const messages = [initialize(1, '2025-06-18'), { jsonrpc: '2.0', id: 2, method: 'tools/list' }];
      assert.equal((await sameAnswers(args, messages)).started, 0);
    });
  }
});

describe('the stdio front hands everything else to the SDK server', () => {
  it('on the first other request: the SDK answers it, knows the client, and its answer to the replayed initialize is dropped', async () => {
    const started = { count: 0 };
    const { wire, handle } = front(['--sandbox'], started);
    wire.send(initialize(1, '2025-06-18', { roots: { listChanged: false } }));
    assert.equal((await wire.next()).id, 1);
    wire.send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    wire.send({ jsonrpc: '2.0', id: 2, method: 'prompts/list' });
    // The SDK, told that this client has roots and that no folders were allowed, asks for them.
    const rootsRequest = await wire.request('roots/list');
    wire.send({ jsonrpc: '2.0', id: rootsRequest.id as number, result: { roots: [] } });
    const prompts = await wire.next(2);
    assert.ok(((prompts.result as { prompts: unknown[] }).prompts.length ?? 0) > 0);
    assert.equal(handle.handedOver(), true);
    assert.equal(started.count, 1);
    wire.send({ jsonrpc: '2.0', id: 3, method: 'tools/list' });
    assert.equal(((await wire.next(3)).result as { tools: unknown[] }).tools.length, manifest.length);
    assert.deepEqual(
      wire.pending().filter((message) => message.id === 1 || message.id === 'power-agent-mcp:replayed-initialize'),
      [],
      'the client sees one answer to its initialize',
    );
    wire.input.end();
  });

  it('leaves what it is not sure of to the SDK: a cursor, a malformed initialize, a blank line', async () => {
    const messages = [
      '',
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: 7, capabilities: {} } },
      initialize(2, '2025-06-18'),
      { jsonrpc: '2.0', id: 3, method: 'tools/list', params: { cursor: 'next' } },
    ];
    const started = { count: 0 };
    const { wire } = front([], started);
    const sdk = await sdkAlone([]);
    for (const message of messages) {
      wire.send(message);
      sdk.send(message);
      if (typeof message === 'string') continue;
      assert.deepEqual(await wire.next(message.id), await sdk.next(message.id));
    }
    assert.equal(started.count, 1);
    wire.input.end();
    sdk.input.end();
  });
});

describe('dist/cli.js', () => {
  it('answers initialize, ping and tools/list with neither the SDK server nor the runtime bundle beside it', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'front-'));
    for (const file of ['cli.js', 'toolManifest.json']) copyFileSync(join(CLI, '..', file), join(folder, file));
    const child = spawn(process.execPath, [join(folder, 'cli.js')], { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
    const wire = new Wire();
    child.stdout.pipe(wire.output);
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    const send = (message: object) => child.stdin.write(`${JSON.stringify(message)}\n`);
    send(initialize(1, '2025-11-25'));
    assert.equal(((await wire.next()).result as { protocolVersion: string }).protocolVersion, '2025-11-25');
    send({ jsonrpc: '2.0', id: 2, method: 'ping' });
    assert.deepEqual((await wire.next()).result, {});
    send({ jsonrpc: '2.0', id: 3, method: 'tools/list' });
    assert.equal(((await wire.next()).result as { tools: unknown[] }).tools.length, manifest.length);
    // Only now is the SDK server needed, and it is not there.
    send({ jsonrpc: '2.0', id: 4, method: 'prompts/list' });
    assert.equal(await exited, 1);
    assert.match(stderr, /server\.js/);
  });
});
