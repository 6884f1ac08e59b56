import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { USAGE, UsageError, parseCliArgs, type CliOptions } from './config';
import { createLogger, type Logger } from './log';
import { requireWithCodeCache } from './server/codeCache';
import type { ToolManifestEntry } from './server/manifest';
import { startStdioFront } from './server/stdioFront';
import type { StandaloneServer } from './server/standalone';
import { MAX_STDIO_MESSAGE_BYTES, MessageSizeLimit } from './server/stdioLimit';
import { checkToolNames, toolChoice } from './server/toolSelection';
import { startupNotice } from './server/startupNotice';
import { VERSION } from './version';

/** JSON-RPC's code for an invalid request (the SDK's ErrorCode.InvalidRequest). */
const INVALID_REQUEST = -32600;

/**
 * A bundle beside this file (dist/runtime.js, dist/server.js), required on first use rather than imported
 * so that esbuild leaves it out of the small cli bundle; compiled through V8's code cache.
 */
function loadBundle<T>(name: string): T {
  return requireWithCodeCache<T>(join(__dirname, name));
}
const loadRuntime = () => loadBundle<typeof import('./runtime')>('./runtime.js');
const loadServer = () => loadBundle<typeof import('./server/stdioServer')>('./server.js');

/** The tools as tools/list describes them, built with the bundles; JSON.parse reads it faster than a module could be compiled. */
function readManifest(): ToolManifestEntry[] {
  return JSON.parse(readFileSync(join(__dirname, 'toolManifest.json'), 'utf8')) as ToolManifestEntry[];
}

/**
 * The standalone server: MCP over stdio. Kept small on purpose: a front answers initialize, ping and
 * tools/list from the manifest; the SDK server (dist/server.js) is loaded on the first other message,
 * and the runtime (dist/runtime.js: catalog, clients, sign-in, sandbox) on the first tool call.
 */
async function main(): Promise<void> {
  if (process.argv[2] === 'sandbox') {
    // The emulator alone, from the runtime bundle.
    const { runSandboxCommand } = loadRuntime();
    process.exit(await runSandboxCommand(process.argv.slice(3)));
  }
  const manifest = readManifest();
  let options;
  try {
    options = parseCliArgs(process.argv.slice(2), process.env);
    checkToolNames(options.tools, manifest);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  if (options.help) return void process.stdout.write(`${USAGE}\n`);
  if (options.version) return void process.stdout.write(`${VERSION}\n`);
  serve(options, manifest, createLogger(options.logLevel));
}

function serve(options: CliOptions, manifest: ToolManifestEntry[], logger: Logger): void {
  let standalone: Promise<StandaloneServer> | undefined;
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    await (await standalone?.catch(() => undefined))?.close();
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
      process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', id: id ?? null, error: { code: INVALID_REQUEST, message } })}\n`);
    }),
  );
  startStdioFront({
    input,
    output: process.stdout,
    manifest,
    choice: toolChoice(options),
    toolList: { icons: options.toolIcons },
    startSdkServer: async (sdkInput, sdkOutput) => {
      standalone = Promise.resolve().then(() =>
        loadServer().connectStdioServer(
          {
            options,
            env: process.env,
            manifest,
            logger,
            loadRuntime,
            workingDirectory: process.cwd(),
            // Should the connection close any other way, exit with an error so the client starts the server again.
            onUnexpectedClose: () => {
              if (closing) return;
              logger.error('the stdio connection closed unexpectedly; exiting so that the client can start the server again');
              process.exit(1);
            },
          },
          sdkInput,
          sdkOutput,
        ),
      );
      await standalone;
    },
    onStartFailed: (error) => {
      logger.error(`the MCP server could not start: ${error.message}`);
      process.stdout.write('', () => process.exit(1));
    },
    onReplayRefused: (message) => logger.warn(`the MCP server refused the client's initialize that was already answered: ${message}`),
  });
  const [ready, ...howToConnect] = startupNotice(VERSION, options.sandbox, process.stdin.isTTY === true, __filename);
  logger.info(ready!);
  if (options.logLevel !== 'error' && options.logLevel !== 'warn') for (const line of howToConnect) process.stderr.write(`${line}\n`);
}

main().catch((error) => {
  process.stderr.write(`power-agent-mcp could not start: ${(error as Error).message}\n`);
  process.exit(1);
});
