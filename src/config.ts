import { parseLogLevel, type LogLevel } from './log';
import { DEFAULT_CACHE_SECONDS, MAX_CACHE_SECONDS } from './cacheLifetime';
import { TOOLSETS, isToolset, type Toolset } from './toolsets';

export interface CliOptions {
  sandbox: boolean;
  logLevel: LogLevel;
  environment?: string;
  readOnly: boolean;
  allowedEnvironments?: string[];
  confirmDestructive: 'always' | 'production';
  allowedFolders?: string[];
  /** Seconds the lists of environments and solutions are kept; undefined: the default. */
  environmentCacheSeconds?: number;
  /** Offer only the tools of these toolsets (undefined: all). */
  toolsets?: Toolset[];
  /** Offer exactly these tools (with `toolsets`: these as well). Checked against the manifest at start. */
  tools?: string[];
  /** Give each tool its toolset's icon in tools/list (for hosts that show tool icons). */
  toolIcons: boolean;
  help: boolean;
  version: boolean;
}

export const USAGE = `Usage: power-agent-mcp [options]
       power-agent-mcp sandbox [--port <n>] [--json] …   (runs only the local sandbox; --help for its options)

Serves the Power Agent MCP tools over stdio.

Options:
  --sandbox              Use a local emulator of the Power Platform APIs (no tenant, no credentials).
  --environment <ref>    Default environment (id, name or URL) for tools called without one.
  --read-only            Offer and run only tools that change nothing.
  --allowed-environments <list>
                         Comma-separated ids, names or URLs: refuse to work on any other environment.
  --confirm <when>       always (default): destructive tools need the user's confirmation.
                         production: only on Production and Default environments (for pipelines).
  --allowed-folders <list>
                         Comma-separated folders where solution zips and unpacked folders may be read
                         and written (default: the client's roots when it offers them, else the
                         working directory).
  --toolsets <list>      Offer only the tools of these toolsets (comma-separated, or all):
                         ${TOOLSETS.join(', ')}.
  --tools <list>         Offer exactly these tools (comma-separated names); with --toolsets, these too.
  --tool-icons           Give each tool its toolset's icon, for clients that show tool icons (adds
                         about 8 KB to the tool list; the server's own icon is always sent).
  --environment-cache-seconds <n>
                         How long the lists of environments and solutions are kept for lookups by
                         name or URL (default ${DEFAULT_CACHE_SECONDS}, at most ${MAX_CACHE_SECONDS}; 0 reads them every time).
  --log-level <level>    error, warn, info (default) or debug. Logs go to stderr.
  --version              Print the version.
  --help                 Print this help.

Sign-in and cloud come from environment variables: POWERPLATFORM_TENANT_ID, POWERPLATFORM_APPLICATION_ID,
POWERPLATFORM_CLIENT_SECRET (or POWERPLATFORM_CLIENT_CERTIFICATE_PATH, AZURE_FEDERATED_TOKEN_FILE),
POWERAGENT_AUTH (client-secret, certificate, workload-identity, managed-identity, device-code),
POWERPLATFORM_CLOUD (Public, GCC, GCCHigh, DoD, China) and the URL overrides POWERAGENT_AUTHORITY_HOST,
POWERAGENT_BAP_URL, POWERAGENT_POWERPLATFORM_URL, POWERAGENT_DATAVERSE_DOMAINS. The options above can also be set with POWERAGENT_ENVIRONMENT,
POWERAGENT_READ_ONLY=1, POWERAGENT_ALLOWED_ENVIRONMENTS, POWERAGENT_ALLOWED_FOLDERS, POWERAGENT_TOOLSETS, POWERAGENT_TOOLS,
POWERAGENT_TOOL_ICONS=1, POWERAGENT_CONFIRM and POWERAGENT_ENVIRONMENT_CACHE_SECONDS. Operation records are kept in POWERAGENT_STATE_DIR
(default ~/.power-agent-mcp). A V8 code cache in ~/.cache/power-agent-mcp (XDG_CACHE_HOME, POWERAGENT_CACHE_DIR) makes
later starts compile less; POWERAGENT_CODE_CACHE=0 turns it off. See the README.`;

export class UsageError extends Error {}

export function parseCliArgs(argv: string[], env: Record<string, string | undefined>): CliOptions {
  const options: CliOptions = {
    sandbox: env.POWERAGENT_SANDBOX === '1',
    logLevel: parseLogLevel(env.POWERAGENT_LOG_LEVEL),
    environment: env.POWERAGENT_ENVIRONMENT || undefined,
    readOnly: isTrue(env.POWERAGENT_READ_ONLY),
    allowedEnvironments: parseList(env.POWERAGENT_ALLOWED_ENVIRONMENTS),
    confirmDestructive: parseConfirm(env.POWERAGENT_CONFIRM || 'always', 'POWERAGENT_CONFIRM'),
    allowedFolders: parseList(env.POWERAGENT_ALLOWED_FOLDERS),
    environmentCacheSeconds: parseCacheSecondsVariable(env.POWERAGENT_ENVIRONMENT_CACHE_SECONDS),
    toolsets: parseToolsets(env.POWERAGENT_TOOLSETS, 'POWERAGENT_TOOLSETS'),
    tools: parseTools(env.POWERAGENT_TOOLS, 'POWERAGENT_TOOLS'),
    toolIcons: isTrue(env.POWERAGENT_TOOL_ICONS),
    help: false,
    version: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (!v || v.startsWith('--')) throw new UsageError(`${flag} needs a value.`);
      return v;
    };
    switch (flag) {
      case '--sandbox':
        options.sandbox = true;
        break;
      case '--environment':
        options.environment = value();
        break;
      case '--read-only':
        options.readOnly = true;
        break;
      case '--allowed-environments':
        options.allowedEnvironments = parseList(value());
        break;
      case '--allowed-folders':
        options.allowedFolders = parseList(value());
        break;
      case '--toolsets':
        options.toolsets = parseToolsets(value(), '--toolsets');
        break;
      case '--tools':
        options.tools = parseTools(value(), '--tools');
        break;
      case '--tool-icons':
        options.toolIcons = true;
        break;
      case '--confirm':
        options.confirmDestructive = parseConfirm(value(), '--confirm');
        break;
      case '--environment-cache-seconds':
        options.environmentCacheSeconds = parseCacheSeconds(value(), '--environment-cache-seconds');
        break;
      case '--log-level': {
        const level = value();
        if (parseLogLevel(level, 'debug') !== level.toLowerCase())
          throw new UsageError(`--log-level must be error, warn, info or debug, got "${level}".`);
        options.logLevel = parseLogLevel(level);
        break;
      }
      case '--help':
      case '-h':
        options.help = true;
        break;
      case '--version':
        options.version = true;
        break;
      default:
        throw new UsageError(`Unknown option "${arg}".`);
    }
  }
  return options;
}

function isTrue(value: string | undefined): boolean {
  return /^(1|true|yes|on)$/i.test(value?.trim() ?? '');
}

/** A comma-separated list; empty entries dropped; undefined when nothing is left. */
function parseList(value: string | undefined): string[] | undefined {
  const items = (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}

/** Toolset names, or `all` (which is the same as not choosing). */
function parseToolsets(value: string | undefined, source: string): Toolset[] | undefined {
  const names = parseList(value?.toLowerCase());
  if (!names || names.includes('all')) return undefined;
  const unknown = names.filter((name) => !isToolset(name));
  if (unknown.length)
    throw new UsageError(
      `${source}: unknown toolset ${unknown.map((n) => `"${n}"`).join(', ')}. Toolsets: ${TOOLSETS.join(', ')}, or all.`,
    );
  return names as Toolset[];
}

function parseTools(value: string | undefined, source: string): string[] | undefined {
  const names = parseList(value);
  const wrong = names?.filter((name) => !/^pp_[a-z_]+$/.test(name));
  if (wrong?.length)
    throw new UsageError(`${source}: ${wrong.map((n) => `"${n}"`).join(', ')} is not a tool name (they look like pp_list_solutions).`);
  return names;
}

function parseConfirm(value: string, source: string): 'always' | 'production' {
  const v = value.trim().toLowerCase();
  if (v === 'always' || v === 'production') return v;
  throw new UsageError(`${source} must be always or production, got "${value}".`);
}

function parseCacheSecondsVariable(value: string | undefined): number | undefined {
  return value?.trim() ? parseCacheSeconds(value, 'POWERAGENT_ENVIRONMENT_CACHE_SECONDS') : undefined;
}

function parseCacheSeconds(value: string, source: string): number {
  const seconds = Number(value.trim());
  if (/^\d+$/.test(value.trim()) && seconds <= MAX_CACHE_SECONDS) return seconds;
  throw new UsageError(`${source} must be a whole number of seconds from 0 to ${MAX_CACHE_SECONDS}, got "${value}".`);
}
