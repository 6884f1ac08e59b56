import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { parseCliArgs, UsageError } from '../../src/config';
import { createMcpServer } from '../../src/server/mcpServer';
import { OPERATION_TOOLS } from '../../src/server/toolSelection';
import { allTools } from '../../src/tools';
import { TOOLSETS } from '../../src/toolsets';
import { CLI, connectCli, manifestOfAllTools, runNode } from '../helpers';

const manifest = manifestOfAllTools();
const inToolsets = (...toolsets: string[]) => allTools.filter((tool) => toolsets.includes(tool.toolset)).map((tool) => tool.name);
const sorted = (names: string[]) => [...new Set(names)].sort();

async function offeredOverStdio(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const { client, close } = await connectCli(['--sandbox', ...args], env);
  try {
    return (await client.listTools()).tools.map((tool) => tool.name).sort();
  } finally {
    await close();
  }
}

describe('toolsets', () => {
  it('every tool belongs to one of the nine toolsets, and every toolset has tools', () => {
    for (const tool of allTools) assert.ok((TOOLSETS as readonly string[]).includes(tool.toolset), `${tool.name}: ${tool.toolset}`);
    for (const toolset of TOOLSETS) assert.ok(inToolsets(toolset).length > 0, toolset);
    assert.deepEqual(
      manifest.map((entry) => entry.toolset),
      allTools.map((tool) => tool.toolset),
      'the manifest carries each tool’s toolset',
    );
  });

  it('--toolsets over stdio offers those toolsets, and the tools that follow their operations', async () => {
    const offered = await offeredOverStdio(['--toolsets', 'solutions,data']);
    assert.deepEqual(offered, sorted([...inToolsets('solutions', 'data'), ...OPERATION_TOOLS]));
    assert.ok(!offered.includes('pp_whoami') && !offered.includes('pp_create_environment'));
  });

  it('POWERAGENT_TOOLSETS does the same, and a toolset without long-running tools gets no operation tools', async () => {
    assert.deepEqual(await offeredOverStdio([], { POWERAGENT_TOOLSETS: 'security' }), sorted(inToolsets('security')));
  });

  it('toolsets combine with read-only mode: only the tools of those toolsets that change nothing', async () => {
    const offered = await offeredOverStdio(['--toolsets', 'solutions', '--read-only']);
    const expected = allTools
      .filter((tool) => (tool.toolset === 'solutions' || OPERATION_TOOLS.includes(tool.name)) && tool.annotations.readOnlyHint)
      .map((t) => t.name);
    assert.deepEqual(offered, sorted(expected));
    assert.ok(offered.includes('pp_list_solutions') && !offered.includes('pp_export_solution'));
  });

  it('--tools offers exactly the tools named, and adds them to --toolsets', async () => {
    assert.deepEqual(await offeredOverStdio(['--tools', 'pp_whoami,pp_list_solutions']), ['pp_list_solutions', 'pp_whoami']);
    assert.deepEqual(
      await offeredOverStdio(['--toolsets', 'security', '--tools', 'pp_whoami']),
      sorted([...inToolsets('security'), 'pp_whoami']),
    );
  });

  it('a call to a tool outside the toolsets is refused with one clean message', async () => {
    const { client, close } = await connectCli(['--sandbox', '--toolsets', 'security']);
    try {
      const refused = (await client.callTool({ name: 'pp_delete_environment', arguments: {} }).catch((e: Error) => e)) as Error;
      assert.equal(
        refused.message,
        'MCP error -32602: pp_delete_environment is off: this server offers only the toolsets security (--toolsets, --tools), and pp_delete_environment is in the environments toolset.',
      );
      const unknown = (await client.callTool({ name: 'pp_nope', arguments: {} }).catch((e: Error) => e)) as Error;
      assert.equal(unknown.message, 'MCP error -32602: Unknown tool "pp_nope". Call tools/list for the tools this server offers.');
    } finally {
      await close();
    }
  });

  it('an unknown toolset or tool name stops the CLI with exit code 2 and the names it knows', async () => {
    const badToolset = await runNode([CLI, '--toolsets', 'solutions,widgets']);
    assert.equal(badToolset.status, 2);
    assert.match(
      badToolset.stderr,
      /--toolsets: unknown toolset "widgets"\. Toolsets: environments, solutions, data, security, governance, apps, pages, catalog, diagnostics, or all\./,
    );
    const badTool = await runNode([CLI, '--tools', 'pp_whoami,pp_make_coffee']);
    assert.equal(badTool.status, 2);
    assert.match(badTool.stderr, /--tools: no tool pp_make_coffee\. Tools: pp_whoami, /);
  });

  it('"all" is every toolset, and names are read in any case', () => {
    assert.equal(parseCliArgs(['--toolsets', 'all'], {}).toolsets, undefined);
    assert.deepEqual(parseCliArgs(['--toolsets', 'Solutions, PAGES'], {}).toolsets, ['solutions', 'pages']);
    assert.throws(() => parseCliArgs(['--tools', 'whoami'], {}), UsageError);
  });

  it('when the toolsets change at run time, the client is told the tool list changed', async () => {
    let toolsets: string[] | undefined = ['catalog'];
    const server = createMcpServer({ manifest, runtime: () => Promise.reject(new Error('not needed')), toolsets: () => ({ toolsets }) });
    const client = new Client({ name: 'test', version: '1' });
    const changed = new Promise<void>((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve()));
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    try {
      assert.equal(client.getServerCapabilities()?.tools?.listChanged, true);
      assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), sorted([...inToolsets('catalog'), ...OPERATION_TOOLS]));
      toolsets = ['pages'];
      await server.sendToolListChanged();
      await changed;
      assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), sorted(inToolsets('pages')));
    } finally {
      await client.close();
    }
  });
});
