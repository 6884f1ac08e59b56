import type { CliOptions } from '../config';
import type { Logger } from '../log';
import type { HttpClientOptions } from '../platform/http';
import type { ToolRuntime } from '../runtime';
import type { ToolSettings } from '../tools/types';
import type { ToolManifestEntry } from './manifest';
import { createMcpServer } from './mcpServer';
import type { Server } from './sdk';
import { checkToolNames, toolChoice } from './toolSelection';

export interface StandaloneOptions {
  options: CliOptions;
  env: Record<string, string | undefined>;
  manifest: readonly ToolManifestEntry[];
  logger: Logger;
  /** Loads the runtime module; the CLI requires its separate bundle lazily, tests import the source. */
  loadRuntime: () => typeof import('../runtime');
  /** Folder used when no allowed folders are given and the client offers no roots (the CLI's working directory). */
  workingDirectory: string;
  /** Extra HTTP settings for the real-mode clients (tests trust the sandbox's certificate this way). */
  http?: Partial<HttpClientOptions>;
}

export interface StandaloneServer {
  server: Server;
  /** Stops following operations, closes the clients and the server. */
  close(): Promise<void>;
}

/**
 * The standalone server as the CLI runs it, minus the transport: the MCP server answering tools/list
 * from the manifest, and the runtime made on the first tool call. Tests connect it in-process.
 * Throws UsageError when --tools names a tool that does not exist.
 */
export function createStandaloneServer(standalone: StandaloneOptions): StandaloneServer {
  const { options, logger } = standalone;
  checkToolNames(options.tools, standalone.manifest);
  let runtime: Promise<ToolRuntime> | undefined;
  // Without --allowed-folders, the client's roots are the allowed folders; without roots either, the working directory.
  let roots: string[] | undefined;
  const settings = (): ToolSettings => ({
    defaultEnvironment: options.environment,
    readOnly: options.readOnly,
    allowedEnvironments: options.allowedEnvironments,
    confirmDestructive: options.confirmDestructive,
    allowedFolders: options.allowedFolders ?? roots ?? [standalone.workingDirectory],
    environmentCacheSeconds: options.environmentCacheSeconds,
  });
  const { readOnly, ...toolsets } = toolChoice(options);
  const server = createMcpServer({
    manifest: standalone.manifest,
    readOnly,
    toolsets,
    toolList: { icons: options.toolIcons },
    warn: (message) => logger.warn(message),
    onRoots: options.allowedFolders
      ? undefined
      : (folders) => {
          roots = folders;
          logger.info(`allowed folders: ${settings().allowedFolders!.join(', ')}${folders ? " (the client's roots)" : ''}`);
          void runtime?.then(
            (ready) => ready.updateSettings(settings()),
            () => undefined,
          );
        },
    runtime: () =>
      (runtime ??= Promise.resolve().then(() =>
        standalone.loadRuntime().createRuntime({
          env: standalone.env,
          sandbox: options.sandbox,
          settings: settings(),
          logger,
          http: standalone.http,
          onNotice: (message) => {
            logger.info(message);
            server.sendLoggingMessage({ level: 'notice', logger: 'operations', data: message }).catch(() => undefined);
          },
          onDeviceCode: (message) => {
            logger.warn(message);
            server.sendLoggingMessage({ level: 'warning', logger: 'sign-in', data: message }).catch(() => undefined);
          },
        }),
      )),
  });
  return {
    server,
    async close() {
      await (await runtime?.catch(() => undefined))?.close().catch(() => undefined);
      await server.close().catch(() => undefined);
    },
  };
}
