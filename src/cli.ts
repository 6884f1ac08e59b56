import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { USAGE, UsageError, parseCliArgs } from './config';
import { createLogger } from './log';
import type { ToolRuntime } from './runtime';
import manifest from './server/generated/toolManifest.json';
import type { ToolManifestEntry } from './server/manifest';
import { createMcpServer } from './server/mcpServer';
import { VERSION } from './version';

/**
 * The standalone server: MCP over stdio. Kept small on purpose; the runtime bundle (catalog, clients,
 * sign-in, sandbox) is loaded on the first tool call so that start-up and tools/list stay fast.
 */
async function main(): Promise<void> {
  if (process.argv[2] === 'sandbox') {
    // The emulator alone, from the runtime bundle.
    const { runSandboxCommand } = require('./runtime.js') as typeof import('./runtime');
    process.exit(await runSandboxCommand(process.argv.slice(3)));
  }
  let options;
  try {
    options = parseCliArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (options.help) return void process.stdout.write(`${USAGE}\n`);
  if (options.version) return void process.stdout.write(`${VERSION}\n`);

  const logger = createLogger(options.logLevel);
  let runtime: Promise<ToolRuntime> | undefined;
  const server = createMcpServer({
    manifest: manifest as ToolManifestEntry[],
    readOnly: options.readOnly,
    runtime: () =>
      (runtime ??= Promise.resolve().then(() => {
        const { createRuntime } = require('./runtime.js') as typeof import('./runtime');
        return createRuntime({
          env: process.env,
          sandbox: options.sandbox,
          settings: {
            defaultEnvironment: options.environment,
            readOnly: options.readOnly,
            allowedEnvironments: options.allowedEnvironments,
            confirmDestructive: options.confirmDestructive,
            allowedFolders: options.allowedFolders ?? [process.cwd()],
          },
          logger,
          onNotice: (message) => {
            logger.info(message);
            server.sendLoggingMessage({ level: 'notice', logger: 'operations', data: message }).catch(() => undefined);
          },
          onDeviceCode: (message) => {
            logger.warn(message);
            server.sendLoggingMessage({ level: 'warning', logger: 'sign-in', data: message }).catch(() => undefined);
          },
        });
      })),
  });

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await (await runtime?.catch(() => undefined))?.close().catch(() => undefined);
    await server.close().catch(() => undefined);
    process.exit(0);
  };
  process.stdin.on('end', shutdown);
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  await server.connect(new StdioServerTransport());
  logger.debug(`power-agent-mcp ${VERSION} ready on stdio${options.sandbox ? ' (sandbox)' : ''}`);
}

main().catch((error) => {
  process.stderr.write(`power-agent-mcp could not start: ${(error as Error).message}\n`);
  process.exit(1);
});
