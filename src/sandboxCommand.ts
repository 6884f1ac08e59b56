import { UsageError } from './config';
import { startSandbox } from './sandbox/server';

export const SANDBOX_USAGE = `Usage: power-agent-mcp sandbox [options]

Runs only the local sandbox (the HTTPS emulator of the Microsoft cloud) and prints its URLs, the
environment variables that point power-agent-mcp or your own scripts at it, and its CA certificate.
Stop it with Ctrl+C.

Options:
  --port <n>            Port on 127.0.0.1 (default: any free port).
  --latency-ms <ms>     Latency added to every request (default 0).
  --time-scale <x>      Durations of lifecycle operations against the real service's (default 0.05).
  --request-limit <n>   Dataverse requests per user in 5 minutes before 429 (default 6000, as the service).
  --json                Print one line of JSON instead of text.
  --help                Print this help.`;

export interface SandboxCommandOptions {
  port?: number;
  latencyMs?: number;
  timeScale: number;
  requestLimit?: number;
  json: boolean;
  help: boolean;
}

export function parseSandboxArgs(argv: string[]): SandboxCommandOptions {
  const options: SandboxCommandOptions = { timeScale: 0.05, json: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.includes('=')
      ? [argv[i]!.slice(0, argv[i]!.indexOf('=')), argv[i]!.slice(argv[i]!.indexOf('=') + 1)]
      : [argv[i]!, undefined];
    const number = (min: number, max: number) => {
      const text = inline ?? argv[++i];
      const value = Number(text);
      if (text === undefined || !Number.isFinite(value) || value < min || value > max)
        throw new UsageError(`${flag} needs a number from ${min} to ${max}, got "${text ?? ''}".`);
      return value;
    };
    switch (flag) {
      case '--port':
        options.port = number(0, 65535);
        break;
      case '--latency-ms':
        options.latencyMs = number(0, 60_000);
        break;
      case '--time-scale':
        options.timeScale = number(0.0001, 1);
        break;
      case '--request-limit':
        options.requestLimit = number(1, 1e9);
        break;
      case '--json':
        options.json = true;
        break;
      case '--help':
      case '-h':
        options.help = true;
        break;
      default:
        throw new UsageError(`Unknown sandbox option "${argv[i]}".`);
    }
  }
  return options;
}

/** Runs the sandbox until SIGINT or SIGTERM, then closes it; returns the exit code (2 for bad options). */
export async function runSandboxCommand(
  argv: string[],
  out: NodeJS.WritableStream = process.stdout,
  err: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  let options: SandboxCommandOptions;
  try {
    options = parseSandboxArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err.write(`${error.message}\n\n${SANDBOX_USAGE}\n`);
    return 2;
  }
  if (options.help) {
    out.write(`${SANDBOX_USAGE}\n`);
    return 0;
  }
  const sandbox = await startSandbox({
    port: options.port,
    latencyMs: options.latencyMs,
    timeScale: options.timeScale,
    serviceProtection: options.requestLimit ? { requests: options.requestLimit } : undefined,
  });
  const env = sandbox.env();
  const environments = [...sandbox.tenant.environments.values()]
    .filter((e) => e.org)
    .map((e) => ({ name: String(e.record.properties.displayName ?? e.record.name), url: e.org!.url }));
  const urls = {
    authority: env.POWERAGENT_AUTHORITY_HOST!,
    bap: env.POWERAGENT_BAP_URL!,
    powerPlatform: env.POWERAGENT_POWERPLATFORM_URL!,
    checker: env.POWERAGENT_CHECKER_URL!,
  };
  if (options.json) {
    out.write(`${JSON.stringify({ url: sandbox.url, urls, environments, env, caCertificate: sandbox.certificateFile })}\n`);
  } else {
    const width = Math.max(...environments.map((e) => e.name.length)) + 12;
    const row = (name: string, value: string) => `  ${name.padEnd(width)} ${value}`;
    out.write(
      [
        `Power Agent MCP sandbox: a local emulator of the Microsoft cloud on ${sandbox.url}`,
        '',
        'URLs:',
        row('Sign-in (authority)', urls.authority),
        row('BAP admin API', urls.bap),
        row('Power Platform API', urls.powerPlatform),
        row('Solution checker', urls.checker),
        ...environments.map((e) => row(`Dataverse: ${e.name}`, e.url)),
        '',
        'Environment variables that point power-agent-mcp (or your own scripts) at it, signed in as its service principal:',
        ...Object.entries(env).map(([name, value]) => `  export ${name}=${value}`),
        '',
        `CA certificate: ${sandbox.certificateFile}`,
        '',
        'Stop with Ctrl+C.',
        '',
      ].join('\n'),
    );
  }
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await sandbox.close();
  return 0;
}
