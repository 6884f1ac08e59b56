import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Logger } from './log';
import { FaultInjector } from './sandbox/faults';
import { startSandbox, type Sandbox } from './sandbox/server';
import { createServices, type Services } from './services';
import { catalog } from './tools';
import { invokeTool, type CallContext } from './tools/invoke';
import type { AnyToolDefinition, ToolSettings } from './tools/types';
import { USER_AGENT } from './version';

export interface RuntimeOptions {
  env: Record<string, string | undefined>;
  /** Serve against an in-process sandbox tenant instead of the real cloud. */
  sandbox: boolean;
  settings: ToolSettings;
  logger: Logger;
  onDeviceCode?: (message: string) => void;
}

export interface ToolRuntime {
  callTool(name: string, args: unknown, call: CallContext): Promise<CallToolResult>;
  close(): Promise<void>;
}

/** Variables that choose a sign-in; in sandbox mode the sandbox's own service principal replaces them. */
const SIGN_IN_VARIABLES = /^(POWERPLATFORM_|POWERAGENT_AUTH$|AZURE_(CLIENT|TENANT|FEDERATED)|NODE_EXTRA_CA_CERTS$)/;

/**
 * The part of the server that does the work: the zod catalog, the clients, sign-in and the sandbox.
 * The CLI loads it on the first tool call, so listing tools stays fast.
 */
export function createRuntime(options: RuntimeOptions): ToolRuntime {
  const tools = new Map<string, AnyToolDefinition>(catalog.map((tool) => [tool.name, tool]));
  let services: Promise<Services> | undefined;
  let sandbox: Sandbox | undefined;

  const build = async (): Promise<Services> => {
    if (!options.sandbox) return createServices({ env: options.env, logger: options.logger, userAgent: USER_AGENT, onDeviceCode: options.onDeviceCode });
    sandbox = await startSandbox({ logger: options.logger, faults: FaultInjector.fromJson(options.env.POWERAGENT_SANDBOX_FAULTS) });
    options.logger.info(`sandbox tenant serving at ${sandbox.url}`);
    const env = Object.fromEntries(Object.entries(options.env).filter(([name]) => !SIGN_IN_VARIABLES.test(name)));
    return createServices({
      env: { ...env, ...sandbox.env(), NODE_EXTRA_CA_CERTS: undefined },
      logger: options.logger,
      userAgent: USER_AGENT,
      http: { extraCaCerts: [sandbox.certificatePem] },
    });
  };
  const getServices = () => {
    services ??= build().catch((error) => {
      services = undefined; // let a later call try again
      throw error;
    });
    return services;
  };

  return {
    async callTool(name, args, call) {
      const tool = tools.get(name);
      if (!tool) throw new Error(`Unknown tool ${name}`);
      return invokeTool(tool, args, call, { settings: options.settings, services: getServices, logger: options.logger });
    },
    async close() {
      const ready = await services?.catch(() => undefined);
      await ready?.close();
      await sandbox?.close();
    },
  };
}
