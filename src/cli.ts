import { USAGE, UsageError, parseCliArgs } from './config';
import { createLogger } from './log';
import manifest from './server/generated/toolManifest.json';
import type { ToolManifestEntry } from './server/manifest';
import { StdioServerTransport } from './server/sdk';
import { createStandaloneServer } from './server/standalone';
import { VERSION } from './version';

/**
 * The standalone server: MCP over stdio. Kept small on purpose; the runtime bundle (catalog, clients,
 * sign-in, sandbox) is loaded on the first tool call so that start-up and tools/list stay fast.
 */
async function main(): Promise<void> {
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
  let standalone;
  try {
    standalone = createStandaloneServer({
      options,
      env: process.env,
      manifest: manifest as ToolManifestEntry[],
      logger,
      loadRuntime: () => require('./runtime.js') as typeof import('./runtime'),
      workingDirectory: process.cwd(),
    });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  const { server } = standalone;

  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await standalone.close();
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
