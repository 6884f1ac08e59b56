import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ListRootsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { connectInProcess, text, type ClientSession } from '../helpers';

/** The folders the server may use, as its refusal of a path outside them lists them. */
async function allowedFolders(session: ClientSession): Promise<string> {
  const refused = await session.client.callTool({ name: 'pp_unpack_solution', arguments: { zipFile: '/etc/hostname', folder: 'out' } });
  const match = /is outside the folders this server may use \((.*)\)\. Nothing was read or written\./.exec(text(refused));
  assert.ok(match, text(refused));
  return match[1]!;
}

describe('roots through the SDK client', () => {
  let first: string;
  let second: string;
  before(() => {
    first = realpathSync(mkdtempSync(join(tmpdir(), 'power-agent-root-a-')));
    second = realpathSync(mkdtempSync(join(tmpdir(), 'power-agent-root-b-')));
  });
  after(() => {
    rmSync(first, { recursive: true, force: true });
    rmSync(second, { recursive: true, force: true });
  });

  /** A client that offers `roots()` as its roots and counts how often it is asked. */
  function offering(roots: () => string[]) {
    let asked = 0;
    return {
      asked: () => asked,
      options: {
        capabilities: { roots: { listChanged: true } },
        setup: (client: Client) =>
          client.setRequestHandler(ListRootsRequestSchema, () => {
            asked++;
            return { roots: roots().map((folder) => ({ uri: pathToFileURL(folder).href, name: folder })) };
          }),
      },
    };
  }

  it('without --allowed-folders, the client’s roots are the allowed folders, and follow roots/list_changed', async () => {
    let roots = [first];
    const client = offering(() => roots);
    const session = await connectInProcess(['--sandbox'], {}, client.options);
    try {
      assert.equal(await allowedFolders(session), first);
      roots = [second, first];
      await session.client.sendRootsListChanged();
      const deadline = Date.now() + 10_000;
      let now = await allowedFolders(session);
      while (now !== `${second}, ${first}` && Date.now() < deadline) now = await allowedFolders(session);
      assert.equal(now, `${second}, ${first}`);
      assert.equal(client.asked(), 2);
    } finally {
      await session.close();
    }
  });

  it('--allowed-folders wins: the client is never asked for its roots', async () => {
    const client = offering(() => [first]);
    const session = await connectInProcess(['--sandbox', '--allowed-folders', second], {}, client.options);
    try {
      assert.equal(await allowedFolders(session), second);
      assert.equal(client.asked(), 0);
    } finally {
      await session.close();
    }
  });

  it('a client without roots, or with no local folder among them, leaves the working directory', async () => {
    const plain = await connectInProcess(['--sandbox'], {});
    try {
      assert.equal(await allowedFolders(plain), realpathSync(process.cwd()));
    } finally {
      await plain.close();
    }
    const remote = await connectInProcess(
      ['--sandbox'],
      {},
      {
        capabilities: { roots: {} },
        setup: (client) => client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [{ uri: 'https://example.com/repo' }] })),
      },
    );
    try {
      assert.equal(await allowedFolders(remote), realpathSync(process.cwd()));
    } finally {
      await remote.close();
    }
  });
});
