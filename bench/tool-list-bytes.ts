/**
 * What our tools/list costs every turn of an agent: the JSON bytes of the result as the client receives
 * it (every tool offered, not read-only), per tool, and how they split into input schemas, output schemas,
 * descriptions and the rest (name, title, annotations, icons, execution). Tokens are estimated as bytes / 4.
 * Beside it, in the same run and measured the same way, the baseline: the reference filesystem server
 * (@modelcontextprotocol/server-filesystem) started over stdio. Run with `npm run bench:toollist`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { buildManifest } from '../src/server/manifest';
import { createMcpServer } from '../src/server/mcpServer';
import { allTools } from '../src/tools';

interface ListFigures {
  server: string;
  tools: number;
  total: number;
  input: number;
  output: number;
  descriptions: number;
  largest: { name: string; bytes: number };
}

const bytes = (value: unknown): number => (value === undefined ? 0 : Buffer.byteLength(JSON.stringify(value)));

/** Asks tools/list and measures the result exactly as it came over the transport, before the SDK parses it. */
async function measure(server: string, transport: Transport): Promise<ListFigures> {
  const client = new Client({ name: 'bench-tool-list', version: '1.0.0' });
  await client.connect(transport);
  let raw: { tools: Array<Record<string, unknown>> } | undefined;
  const deliver = transport.onmessage!;
  transport.onmessage = (message: JSONRPCMessage, extra) => {
    if ('result' in message && message.result && 'tools' in message.result) raw = message.result as typeof raw;
    deliver(message, extra);
  };
  try {
    await client.listTools();
  } finally {
    await client.close();
  }
  if (!raw) throw new Error(`${server}: no tools/list result`);
  const perTool = raw.tools.map((tool) => ({ name: String(tool.name), bytes: bytes(tool) }));
  return {
    server,
    tools: raw.tools.length,
    total: bytes(raw),
    input: raw.tools.reduce((sum, tool) => sum + bytes(tool.inputSchema), 0),
    output: raw.tools.reduce((sum, tool) => sum + bytes(tool.outputSchema), 0),
    descriptions: raw.tools.reduce((sum, tool) => sum + bytes(tool.description), 0),
    largest: perTool.reduce((a, b) => (b.bytes > a.bytes ? b : a)),
  };
}

/** The standalone server's default list, or with a toolset icon on every tool (the extension's list, --tool-icons). */
async function ours(icons: boolean): Promise<ListFigures> {
  const server = createMcpServer({
    manifest: buildManifest(allTools),
    runtime: () => Promise.reject(new Error('tools/list loads no runtime')),
    toolList: { icons },
  });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  try {
    return await measure(icons ? 'power-agent-mcp, tool icons' : 'power-agent-mcp', clientSide);
  } finally {
    await server.close();
  }
}

async function filesystemServer(): Promise<ListFigures> {
  const folder = mkdtempSync(join(tmpdir(), 'bench-toollist-'));
  const entry = require.resolve('@modelcontextprotocol/server-filesystem/dist/index.js');
  try {
    const transport = new StdioClientTransport({ command: process.execPath, args: [entry, folder], stderr: 'ignore' });
    return await measure('server-filesystem (baseline)', transport);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

const share = (part: number, total: number): string => `${Math.round((part / total) * 100)}%`;
const group = (n: number): string => n.toLocaleString('en-US');

function print(rows: ListFigures[]): void {
  const header = ['server', 'tools', 'bytes', 'bytes/tool', '~tokens', '~tokens/tool', 'input', 'output', 'descriptions', 'largest tool'];
  const lines = rows.map((row) => [
    row.server,
    String(row.tools),
    group(row.total),
    group(Math.round(row.total / row.tools)),
    group(Math.round(row.total / 4)),
    group(Math.round(row.total / row.tools / 4)),
    share(row.input, row.total),
    share(row.output, row.total),
    share(row.descriptions, row.total),
    `${row.largest.name} ${group(row.largest.bytes)}`,
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...lines.map((line) => line[i]!.length)));
  for (const line of [header, ...lines])
    console.log(line.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
  console.log(
    'input, output, descriptions: shares of the bytes in input schemas, output schemas and tool descriptions; tokens ~ bytes / 4.',
  );
}

async function main(): Promise<void> {
  print([await ours(false), await ours(true), await filesystemServer()]);
}

void main();
