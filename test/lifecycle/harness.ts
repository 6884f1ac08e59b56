import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult, ClientCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/server';
import { FAST_RETRY, connectCli, connectInProcess, type ClientSession } from '../helpers';

/** Lifecycle operations take about a second instead of minutes: a create about 1 s, a copy about 1.5 s. */
export const TIME_SCALE = 0.003;

export interface Session extends ClientSession {
  /** The server process, to stop it the hard way; null for a server in this process. */
  pid: () => number | null;
}

export interface Harness {
  sandbox: Sandbox;
  stateDir: string;
  /**
   * The server in real mode against the sandbox, with its own operation store folder: in this process
   * from the current source, or as the built CLI over stdio when `process: true`.
   */
  connect(
    extraArgs?: string[],
    extraEnv?: Record<string, string>,
    options?: { capabilities?: ClientCapabilities; setup?: (client: Client) => void; process?: boolean },
  ): Promise<Session>;
  call(
    session: Session,
    name: string,
    args: Record<string, unknown>,
    options?: { signal?: AbortSignal; onprogress?: (p: { progress: number; message?: string }) => void },
  ): Promise<CallToolResult>;
}

/** A sandbox the test can inspect, and CLI processes talking to it as a real tenant. */
export async function withHarness<T>(body: (harness: Harness) => Promise<T>, options: SandboxOptions = {}): Promise<T> {
  const sandbox = await startSandbox({ timeScale: TIME_SCALE, ...options });
  const stateDir = mkdtempSync(join(tmpdir(), 'power-agent-state-'));
  const sessions: Session[] = [];
  const harness: Harness = {
    sandbox,
    stateDir,
    async connect(extraArgs = [], extraEnv = {}, clientOptions = {}) {
      const env = { ...sandbox.env(), POWERAGENT_STATE_DIR: stateDir, POWERAGENT_POLL_INTERVAL_MS: '100', ...extraEnv };
      const session = clientOptions.process
        ? await connectCli(extraArgs, env, clientOptions)
        : {
            ...(await connectInProcess(extraArgs, env, {
              ...clientOptions,
              http: { extraCaCerts: [sandbox.certificatePem], retry: FAST_RETRY },
            })),
            pid: () => null,
          };
      sessions.push(session);
      return session;
    },
    async call(session, name, args, callOptions = {}) {
      const progress = callOptions.onprogress ? { _meta: { progressToken: `${name}-${Date.now()}` } } : {};
      return (await session.client.callTool({ name, arguments: args, ...progress }, undefined, {
        signal: callOptions.signal,
        onprogress: callOptions.onprogress,
        timeout: 120_000,
      })) as CallToolResult;
    },
  };
  try {
    return await body(harness);
  } finally {
    for (const session of sessions) await session.close().catch(() => undefined);
    await sandbox.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

export function structured(result: CallToolResult): Record<string, any> {
  return (result.structuredContent ?? {}) as Record<string, any>;
}

/** Solutions (unique names) of a sandbox environment's database, sorted. */
export function solutionNames(sandbox: Sandbox, displayName: string): string[] {
  const env = [...sandbox.tenant.environments.values()].find((e) => e.record.properties?.displayName === displayName);
  return (env?.org?.solutions ?? []).map((s) => s.uniquename).sort();
}

export function environmentByName(sandbox: Sandbox, displayName: string) {
  return [...sandbox.tenant.environments.values()].find((e) => e.record.properties?.displayName === displayName);
}
