import { PassThrough, Writable, type Readable } from 'node:stream';
import type { ToolManifestEntry } from './manifest';
import { INSTRUCTIONS, PROTOCOL_VERSIONS, SERVER_INFO, serverCapabilities } from './serverInfo';
import { toMcpTool, type ToolListStyle } from './toolList';
import { selectTools, type ToolChoice } from './toolSelection';

/** The SDK server the front hands the connection to: it reads `input` and writes whole messages to `output`. */
export type SdkServerStarter = (input: Readable, output: Writable) => Promise<void>;

export interface StdioFrontOptions {
  /** Lines of JSON-RPC, one message per chunk (MessageSizeLimit's output). */
  input: Readable;
  output: Writable;
  manifest: readonly ToolManifestEntry[];
  choice: ToolChoice;
  toolList?: ToolListStyle;
  /** Loads the SDK server and connects it; called once, on the first message the front does not answer. */
  startSdkServer: SdkServerStarter;
  /** The SDK server could not be loaded: the requests waiting for it were answered with an error. */
  onStartFailed: (error: Error) => void;
  /** The SDK refused the client's initialize that the front had accepted (it should not happen; worth a log line). */
  onReplayRefused: (message: string) => void;
}

type Message = { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown };

/** JSON-RPC's internal error code (the SDK's ErrorCode.InternalError). */
const INTERNAL_ERROR = -32603;

/**
 * Answers `initialize`, `ping` and `tools/list` from the built manifest, exactly as the SDK server would,
 * so that a client that only starts the server and lists its tools never waits for the SDK to load (it
 * builds hundreds of zod schemas when imported). On the first other message, or anything it is not
 * sure the SDK would accept, the front loads the SDK server and replays the client's initialize line to
 * it, unchanged, so the SDK knows the client. It drops the SDK's answer to that replay, then passes on
 * the initialized notification and every later line. From then on the SDK server owns the connection.
 */
export function startStdioFront(options: StdioFrontOptions): void {
  const { input, output } = options;
  let initialize: { line: string; id: string | number } | undefined;
  const afterInitialize: string[] = [];
  let sdkInput: PassThrough | undefined;
  /**
   * Lines held back until the SDK has answered the replayed initialize, as a client waits for its answer
   * (the SDK handles requests asynchronously, so an initialized notification sent at once would overtake it).
   */
  let held: string[] | undefined;

  const release = (): void => {
    for (const line of held ?? []) sdkInput!.write(line);
    held = undefined;
  };
  const failHeld = (error: Error): void => {
    for (const id of requestIds(held ?? [])) {
      const message = `The MCP server could not start: ${error.message}`;
      output.write(`${JSON.stringify({ jsonrpc: '2.0', id, error: { code: INTERNAL_ERROR, message } })}\n`);
    }
    held = [];
    options.onStartFailed(error);
  };
  const handOver = (line: string): void => {
    sdkInput = new PassThrough();
    held = [...afterInitialize, line];
    const sdkOutput = initialize ? withoutReplayAnswer(output, initialize.id, release, options.onReplayRefused) : output;
    options.startSdkServer(sdkInput, sdkOutput).catch(failHeld);
    if (initialize) sdkInput.write(initialize.line);
    else release();
  };

  input.on('data', (chunk: Buffer | string) => {
    const line = chunk.toString();
    if (held) return void held.push(line);
    if (sdkInput) return void sdkInput.write(line);
    const answer = quickAnswer(line, options);
    if (answer === undefined) return handOver(line);
    if (answer.initialize) initialize = answer.initialize;
    if (answer.replayAfterInitialize) afterInitialize.push(line);
    if (answer.reply !== undefined) output.write(`${JSON.stringify(answer.reply)}\n`);
  });
}

interface QuickAnswer {
  /** The response to write, if the message was a request. */
  reply?: object;
  /** The client's initialize: given to the SDK first when it takes over. */
  initialize?: { line: string; id: string | number };
  /** A line the SDK gets after the initialize when it takes over. */
  replayAfterInitialize?: boolean;
}

/** The front's answer to one line, or undefined when the SDK must answer it. */
function quickAnswer(line: string, options: StdioFrontOptions): QuickAnswer | undefined {
  if (line.trim() === '') return {}; // the SDK skips blank lines too
  let message: Message;
  try {
    message = JSON.parse(line) as Message;
  } catch {
    return undefined;
  }
  if (!isObject(message) || message.jsonrpc !== '2.0') return undefined;
  const { id, method, params } = message;
  if (method === 'notifications/initialized' && id === undefined && params === undefined) return { replayAfterInitialize: true };
  if (typeof id !== 'number' && typeof id !== 'string') return undefined;
  const respond = (result: object): QuickAnswer => ({ reply: { result, jsonrpc: '2.0', id } });
  if (method === 'ping' && hasOnlyMeta(params)) return respond({});
  if (method === 'tools/list' && hasOnlyMeta(params)) {
    return respond({ tools: selectTools(options.manifest, options.choice).map((entry) => toMcpTool(entry, options.toolList)) });
  }
  if (method === 'initialize' && isInitializeParams(params)) {
    return { ...respond(initializeResult(params.protocolVersion)), initialize: { line, id } };
  }
  return undefined;
}

/** What the SDK's Server answers to initialize (its _oninitialize), for a server made by createMcpServer. */
function initializeResult(requested: string): object {
  return {
    protocolVersion: PROTOCOL_VERSIONS.includes(requested) ? requested : PROTOCOL_VERSIONS[0],
    capabilities: serverCapabilities(false),
    serverInfo: SERVER_INFO,
    instructions: INSTRUCTIONS,
  };
}

/** No params, or only a `_meta` the SDK accepts (an object whose progressToken is a string or a number). */
function hasOnlyMeta(params: unknown): boolean {
  if (params === undefined) return true;
  if (!isObject(params) || !hasOnly(params, ['_meta'])) return false;
  const meta = params._meta;
  if (meta === undefined) return true;
  return isObject(meta) && ['undefined', 'string', 'number'].includes(typeof meta.progressToken);
}

/**
 * What the SDK's initialize schema accepts, checked member by member: the capabilities a client may
 * declare, each an object of the right shape, and clientInfo's name and version. Anything else (another
 * member, an icon list, `_meta`) is left to the SDK, which accepts or refuses it itself.
 */
function isInitializeParams(params: unknown): params is { protocolVersion: string } {
  if (!isObject(params) || !hasOnly(params, ['protocolVersion', 'capabilities', 'clientInfo'])) return false;
  const { protocolVersion, capabilities, clientInfo } = params;
  if (typeof protocolVersion !== 'string' || !isObject(clientInfo) || !isObject(capabilities)) return false;
  if (!hasOnly(clientInfo, ['name', 'version', 'title', 'websiteUrl', 'description'])) return false;
  if (typeof clientInfo.name !== 'string' || typeof clientInfo.version !== 'string') return false;
  if (['title', 'websiteUrl', 'description'].some((key) => !['undefined', 'string'].includes(typeof clientInfo[key]))) return false;
  if (!hasOnly(capabilities, ['experimental', 'sampling', 'elicitation', 'roots', 'tasks'])) return false;
  if (!Object.values(capabilities).every(isObject)) return false;
  const { roots, experimental } = capabilities as Record<string, Record<string, unknown> | undefined>;
  if (roots && (!hasOnly(roots, ['listChanged']) || !['undefined', 'boolean'].includes(typeof roots.listChanged))) return false;
  return !experimental || Object.values(experimental).every(isObject);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOnly(value: Record<string, unknown>, keys: string[]): boolean {
  return Object.keys(value).every((key) => keys.includes(key));
}

/** The ids of the requests among `lines`, to answer them when the SDK server cannot start. */
function requestIds(lines: string[]): Array<string | number> {
  return lines.flatMap((line) => {
    try {
      const { id, method } = JSON.parse(line) as Message;
      return typeof method === 'string' && (typeof id === 'string' || typeof id === 'number') ? [id] : [];
    } catch {
      return [];
    }
  });
}

/**
 * The SDK's output, less its answer to the replayed initialize (the client has had the front's): the
 * first response with the initialize's id. Nothing else can carry that id first, as every other line of
 * the client is held until this answer comes; the SDK's own requests to the client have a `method`.
 */
function withoutReplayAnswer(
  output: Writable,
  id: string | number,
  onAnswered: () => void,
  onRefused: (message: string) => void,
): Writable {
  let answered = false;
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      if (!answered) {
        const message = JSON.parse(chunk.toString()) as Message;
        if (message.id === id && message.method === undefined) {
          answered = true;
          if (message.error !== undefined) onRefused(JSON.stringify(message.error).slice(0, 500));
          onAnswered();
          return done();
        }
      }
      output.write(chunk, done);
    },
  });
}
