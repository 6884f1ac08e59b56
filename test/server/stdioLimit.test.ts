import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { describe, it } from 'node:test';
import { TopLevelId } from '../../src/server/stdioLimit';
import { CLI, childEnv, eventually } from '../helpers';

/** The built server over raw stdio, to send what the SDK client would not: one 12 MB line. */
function startServer(): { child: ChildProcessWithoutNullStreams; next: (id: number | null) => Promise<any>; stderr: () => string } {
  const child = spawn(process.execPath, [CLI, '--sandbox'], { env: childEnv() });
  const messages: any[] = [];
  const waiting: Array<() => void> = [];
  let buffer = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    for (let newline = buffer.indexOf('\n'); newline >= 0; newline = buffer.indexOf('\n')) {
      messages.push(JSON.parse(buffer.slice(0, newline)));
      buffer = buffer.slice(newline + 1);
      waiting.splice(0).forEach((wake) => wake());
    }
  });
  /** The answer with this id; a server that stays silent for 30 s fails the test instead of hanging it. */
  const next = async (id: number | null) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const found = messages.find((m) => m.id === id);
      if (found) return found;
      if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`no answer with id ${id}: ${stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        waiting.push(() => (clearTimeout(timer), resolve()));
      });
    }
  };
  child.on('exit', () => waiting.splice(0).forEach((wake) => wake()));
  return { child, next, stderr: () => stderr };
}

const send = (child: ChildProcessWithoutNullStreams, message: unknown) => child.stdin.write(`${JSON.stringify(message)}\n`);
const initialize = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } },
};
/** A tools/call of 12 MB whose own arguments hold an `id` too; the request's id comes last, as the SDK client writes it. */
const huge = (id: number) => ({
  jsonrpc: '2.0',
  method: 'tools/call',
  params: { name: 'pp_get_operation', arguments: { id: 'x'.repeat(12 * 1024 * 1024) } },
  id,
});

describe('stdio messages over 10 MiB', () => {
  it('a 12 MB request is refused with a JSON-RPC error, and the server keeps answering', async () => {
    const { child, next, stderr } = startServer();
    try {
      send(child, initialize);
      assert.ok((await next(1)).result.serverInfo);
      send(child, { jsonrpc: '2.0', method: 'notifications/initialized' });
      send(child, huge(7));
      const refused = await next(7);
      assert.equal(refused.error.code, -32600);
      assert.match(refused.error.message, /^The message of 1258\d{4} bytes was refused: this server reads messages of up to 10 MiB/);
      send(child, { jsonrpc: '2.0', id: 8, method: 'tools/list' });
      assert.ok((await next(8)).result.tools.length > 30, 'still answering');
      const logged = /stdin: The message of \d+ bytes was refused/; // stderr is its own pipe, and may come later
      assert.match(
        await eventually(
          () => Promise.resolve(stderr()),
          (text) => logged.test(text),
        ),
        logged,
      );
    } finally {
      child.kill();
    }
  });

  it('before any other message, too: the server stays up and initializes afterwards', async () => {
    const { child, next } = startServer();
    try {
      send(child, huge(3));
      assert.equal((await next(3)).error.code, -32600);
      send(child, initialize);
      assert.ok((await next(1)).result.serverInfo);
      assert.equal(child.exitCode, null);
    } finally {
      child.kill();
    }
  });

  it('the id is the top-level one, wherever it stands and whatever the message holds', () => {
    const idOf = (text: string, chunk = 3) => {
      const scanner = new TopLevelId();
      const bytes = Buffer.from(text);
      for (let i = 0; i < bytes.length; i += chunk) scanner.feed(bytes.subarray(i, i + chunk));
      return scanner.value;
    };
    assert.equal(idOf('{"method":"x","params":{"id":99,"a":[{"id":"no"}]},"jsonrpc":"2.0","id":7}'), 7);
    assert.equal(idOf('{"jsonrpc":"2.0","id":"req-\\"1\\" é","params":{"id":1}}'), 'req-"1" é');
    assert.equal(idOf('{"text":"a \\\\\\" \\"id\\": 5 }","id":-2}'), -2);
    assert.equal(idOf('{"jsonrpc":"2.0","method":"notifications/x","params":{"id":4}}'), undefined);
  });
});
