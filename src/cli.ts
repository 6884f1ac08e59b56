import { createRequire } from 'node:module';
import { ErrorCode } from './server/sdk';
import { USAGE, UsageError, parseCliArgs } from './config';
import { createLogger } from './log';
import manifest from './server/generated/toolManifest.json';
import type { ToolManifestEntry } from './server/manifest';
import { StdioServerTransport } from './server/sdk';
import { createStandaloneServer } from './server/standalone';
import { MAX_STDIO_MESSAGE_BYTES, MessageSizeLimit } from './server/stdioLimit';
import { startupNotice } from './server/startupNotice';
import { VERSION } from './version';

/**
 * The runtime bundle beside this file (dist/runtime.js), required on first use rather than imported so
 * that esbuild leaves it out of the small cli bundle.
 */
function loadRuntime(): typeof import('./runtime') {
  return createRequire(__filename)('./runtime.js') as typeof import('./runtime');
}

/**
 * The standalone server: MCP over stdio. Kept small on purpose; the runtime bundle (catalog, clients,
 * sign-in, sandbox) is loaded on the first tool call so that start-up and tools/list stay fast.
 */
async function main(): Promise<void> {
  if (process.argv[2] === 'sandbox') {
    // The emulator alone, from the runtime bundle.
    const { runSandboxCommand } = loadRuntime();
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
  let standalone;
  try {
    standalone = createStandaloneServer({
      options,
      env: process.env,
      manifest: manifest as ToolManifestEntry[],
      logger,
      loadRuntime,
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
  process.stdin.on('end', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());

  // A message over the limit is answered with a JSON-RPC error and dropped; the server keeps listening.
  const input = process.stdin.pipe(
    new MessageSizeLimit(MAX_STDIO_MESSAGE_BYTES, ({ bytes, id }) => {
      const message = `The message of ${bytes} bytes was refused: this server reads messages of up to 10 MiB. Pass large content as a file path instead.`;
      logger.error(`stdin: ${message}`);
      process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: id ?? null, error: { code: ErrorCode.InvalidRequest, message } })}\n`);
    }),
  );
  // Should the connection close any other way, exit with an error so the client starts the server again.
  server.onclose = () => {
    if (closing) return;
    logger.error('the stdio connection closed unexpectedly; exiting so that the client can start the server again');
    process.exit(1);
  };
  await server.connect(new StdioServerTransport(input, process.stdout));
  const [ready, ...howToConnect] = startupNotice(VERSION, options.sandbox, process.stdin.isTTY === true, __filename);
  logger.info(ready!);
  if (options.logLevel !== 'error' && options.logLevel !== 'warn') for (const line of howToConnect) process.stderr.write(`${line}\n`);
}

main().catch((error) => {
  process.stderr.write(`power-agent-mcp could not start: ${(error as Error).message}\n`);
  process.exit(1);
});
