import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { FileResumeStore, MemoryResumeStore } from './data/resumeStore';
import type { Logger } from './log';
import { FileOperationStore, MemoryOperationStore } from './operations/store';
import { OperationTracker } from './operations/tracker';
import { Metrics } from './observability/metrics';
import { telemetryConfig } from './observability/telemetry';
import { FaultInjector } from './sandbox/faults';
import { startSandbox, type Sandbox } from './sandbox/server';
import { createServices, type Services, type ServicesOptions } from './services';
import { allTools } from './tools';
import { invokeTool, type CallContext } from './tools/invoke';
import { serverStatusReport, type ServerStatusReport } from './tools/serverStatus';
import type { AnyToolDefinition, ToolSettings } from './tools/types';
import { USER_AGENT } from './version';

export { runSandboxCommand } from './sandboxCommand';

export interface RuntimeOptions {
  env: Record<string, string | undefined>;
  /** Serve against an in-process sandbox tenant instead of the real cloud. */
  sandbox: boolean;
  settings: ToolSettings;
  logger: Logger;
  onDeviceCode?: (message: string) => void;
  /** Messages for the client outside any tool call (an operation that finished while the server was down). */
  onNotice?: (message: string) => void;
  /** Replaces the sign-in read from `env` (the VS Code extension signs in through VS Code's accounts). Not used with the sandbox. */
  tokenSource?: ServicesOptions['tokenSource'];
  /** Extra HTTP settings for the real-mode clients (in-process tests trust the sandbox's certificate). */
  http?: ServicesOptions['http'];
}

export interface ToolRuntime {
  callTool(name: string, args: unknown, call: CallContext): Promise<CallToolResult>;
  /** The long-running operations, for views that show them. */
  operations: OperationTracker;
  /** The server's own figures: tool calls, requests, throttling, budgets, operations, memory. */
  metrics: Metrics;
  /** The figures against the guide's thresholds, as pp_server_status reports them. */
  status(): ServerStatusReport;
  /** The signed-in clients, for views that read directly (the extension's environment tree). */
  services(): Promise<Services>;
  /** Applies new safety settings (read-only, allow-lists, defaults) without signing in again or losing the sandbox. */
  updateSettings(settings: ToolSettings): void;
  /** The settings tools run with now (allowed folders, allow-lists). */
  settings(): ToolSettings;
  /** How often operations are polled when the service says nothing; a client following one need not ask more often. */
  readonly pollIntervalMs: number;
  close(): Promise<void>;
}

/** Where operation records (and partial imports) are kept: POWERAGENT_STATE_DIR, else ~/.power-agent-mcp. */
export function stateDirectory(env: Record<string, string | undefined>): string {
  return env.POWERAGENT_STATE_DIR || join(homedir(), '.power-agent-mcp');
}

/** Variables that choose a sign-in; in sandbox mode the sandbox's own service principal replaces them. */
const SIGN_IN_VARIABLES = /^(POWERPLATFORM_|POWERAGENT_AUTH$|AZURE_(CLIENT|TENANT|FEDERATED)|NODE_EXTRA_CA_CERTS$)/;

/**
 * The part of the server that does the work: the zod catalog, the clients, sign-in and the sandbox.
 * The CLI loads it on the first tool call, so listing tools stays fast.
 */
export function createRuntime(options: RuntimeOptions): ToolRuntime {
  let settings = options.settings;
  const tools = new Map<string, AnyToolDefinition>(allTools.map((tool) => [tool.name, tool]));
  let services: Promise<Services> | undefined;
  let sandbox: Sandbox | undefined;
  const metrics = new Metrics();
  // OpenTelemetry is loaded only when its variables ask for an exporter.
  const telemetrySettings = telemetryConfig(options.env);
  const telemetry = telemetrySettings
    ? import('./observability/otel')
        .then(({ startTelemetry }) => startTelemetry(metrics, telemetrySettings, options.logger))
        .catch((error) => {
          options.logger.warn(`telemetry is off: ${(error as Error).message}`);
          return undefined;
        })
    : undefined;

  // In the sandbox, lifecycle operations run 20 times faster than on the real service by default, so
  // trying them takes seconds; our own poll interval shrinks by the same factor.
  const timeScale = Number(options.env.POWERAGENT_SANDBOX_TIME_SCALE) || 0.05;
  const pollIntervalMs = Number(options.env.POWERAGENT_POLL_INTERVAL_MS) || (options.sandbox ? Math.round(10_000 * timeScale) : undefined);
  const build = async (): Promise<Services> => {
    if (!options.sandbox) {
      const { env, logger, onDeviceCode, tokenSource, http } = options;
      return createServices({ env, logger, userAgent: USER_AGENT, onDeviceCode, tokenSource, http, metrics });
    }
    sandbox = await startSandbox({
      logger: options.logger,
      faults: FaultInjector.fromJson(options.env.POWERAGENT_SANDBOX_FAULTS),
      timeScale,
    });
    options.logger.info(`sandbox tenant serving at ${sandbox.url}`);
    const env = Object.fromEntries(Object.entries(options.env).filter(([name]) => !SIGN_IN_VARIABLES.test(name)));
    const services = createServices({
      env: { ...env, ...sandbox.env(), NODE_EXTRA_CA_CERTS: undefined },
      logger: options.logger,
      userAgent: USER_AGENT,
      http: { extraCaCerts: [sandbox.certificatePem] },
      metrics,
    });
    // People see who the tools run as (pp_whoami, pp_doctor): in the sandbox that is nobody of theirs.
    const tokens = services.tokens;
    const sandboxTokens = {
      description: 'the local sandbox (no sign-in)',
      getToken: tokens.getToken.bind(tokens),
      invalidate: tokens.invalidate.bind(tokens),
    };
    return { ...services, tokens: sandboxTokens };
  };
  const getServices = () => {
    services ??= build().catch((error) => {
      services = undefined; // let a later call try again
      throw error;
    });
    return services;
  };

  // The sandbox's operations cannot outlive it, so they are not written to disk.
  const operations = new OperationTracker({
    store: options.sandbox ? new MemoryOperationStore() : new FileOperationStore(join(stateDirectory(options.env), 'operations.json')),
    services: getServices,
    logger: options.logger,
    onNotice: options.onNotice,
    defaultPollIntervalMs: pollIntervalMs,
  });
  const resumes = options.sandbox ? new MemoryResumeStore() : new FileResumeStore(join(stateDirectory(options.env), 'imports'));
  metrics.watchOperations(operations);
  const resumed = operations.resume();
  if (resumed) options.logger.info(`following ${resumed} operation(s) that were running when the server last stopped`);

  return {
    operations,
    metrics,
    status: () => serverStatusReport(metrics.snapshot()),
    services: getServices,
    async callTool(name, args, call) {
      const tool = tools.get(name);
      if (!tool) throw new Error(`Unknown tool ${name}`);
      await telemetry; // so the first call has its spans too
      return invokeTool(tool, args, call, {
        settings,
        services: getServices,
        operations,
        logger: options.logger,
        metrics,
        resumes,
      });
    },
    updateSettings(next) {
      settings = next;
    },
    settings: () => settings,
    pollIntervalMs: pollIntervalMs ?? 10_000,
    async close() {
      operations.close();
      await (await telemetry)?.shutdown();
      const ready = await services?.catch(() => undefined);
      await ready?.close();
      await sandbox?.close();
    },
  };
}

/** For the VS Code extension's service-principal sign-in, which loads this bundle lazily. */
export { createMsalTokenSource } from './auth/msal';
