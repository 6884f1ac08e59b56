import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';

/** What a benchmark learns from one started server: its process, its answer to the request, and when it came. */
export interface Answered {
  child: ChildProcessByStdio<Writable, Readable, null>;
  /** The JSON-RPC answer to `request` (id 2). */
  answer: { result?: Record<string, unknown>; error?: unknown };
  /** Milliseconds from the spawn to that answer. */
  ms: number;
}

/**
 * Starts `node <args>` as an MCP server over stdio, sends initialize, initialized and `request` (as id 2),
 * and resolves once the answer to it arrives. The caller measures what it needs, then stops the process.
 */
export function startAndAsk(args: string[], env: NodeJS.ProcessEnv, request: { method: string; params?: object }): Promise<Answered> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'ignore'], env });
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      for (const line of buffer.split('\n').slice(0, -1)) {
        const message = JSON.parse(line);
        if (message.id === 2) resolve({ child, answer: message, ms: Number(process.hrtime.bigint() - started) / 1e6 });
      }
      buffer = buffer.slice(buffer.lastIndexOf('\n') + 1);
    });
    child.on('error', reject);
    const send = (m: object) => child.stdin.write(JSON.stringify(m) + '\n');
    send({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'bench', version: '0' } },
    });
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, ...request });
  });
}

export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
