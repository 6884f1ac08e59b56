import { PassThrough, Writable, type Readable } from 'node:stream';
import type { ToolManifestEntry } from './manifest';
import { INSTRUCTIONS, PROTOCOL_VERSIONS, SERVER_INFO, serverCapabilities } from './serverInfo';
import { toMcpTool } from './toolList';
import { selectTools, type ToolChoice } from './toolSelection';

/** The SDK server the front hands the connection to: it reads `input` and writes whole messages to `output`. */
export type SdkServerStarter = (input: Readable, output: Writable) => Promise<void>;

export interface StdioFrontOptions {
  /** Lines of JSON-RPC, one message per chunk (MessageSizeLimit's output). */
  input: Readable;
  output: Writable;
  manifest: readonly ToolManifestEntry[];
  choice: ToolChoice;
  /** Loads the SDK server and connects it; called once, on the first message the front does not answer. */
  startSdkServer: SdkServerStarter;
}

/** The id the replayed initialize carries, so that the SDK's answer to it can be recognised and dropped. */
const REPLAYED_INITIALIZE_ID = 'power-agent-mcp:replayed-initialize';

type Message = { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };

/**
 * Answers `initialize`, `ping` and `tools/list` from the built manifest, exactly as the SDK server would,
 * so that a client that only starts the server and lists its tools never waits for the SDK to load (it
 * builds hundreds of zod schemas when imported). On the first other message, or anything it is not
 * sure of, the front loads the SDK server and replays the initialize it saw so the SDK knows the client.
 * It drops the SDK's answer to that replay, then passes on the initialized notification and every later
 * line straight through. From then on the SDK server owns the connection.
 */
export function startStdioFront(options: StdioFrontOptions): { handedOver: () => boolean } {
  const { input, output } = options;
  let initializeReplay: string | undefined;
  const seen: string[] = [];
  let sdkInput: PassThrough | undefined;
  /** Lines held back until the SDK has answered the replayed initialize, as a client waits for its answer. */
  let held: string[] | undefined;

  const release = (): void => {
    for (const line of held ?? []) sdkInput!.write(line);
    held = undefined;
  };
  const handOver = (line: string): void => {
    sdkInput = new PassThrough();
    held = [...seen, line];
    void options.startSdkServer(sdkInput, dropReplayedAnswer(output, release));
    if (initializeReplay) sdkInput.write(initializeReplay);
    else release();
  };

  const onLine = (chunk: Buffer | string): void => {
    const line = chunk.toString();
    if (held) return void held.push(line);
    if (sdkInput) return void sdkInput.write(line);
    const answer = quickAnswer(line, options);
    if (answer === undefined) return handOver(line);
    if (answer.initializeReplay !== undefined) initializeReplay = answer.initializeReplay;
    if (answer.replay !== undefined) seen.push(answer.replay);
    if (answer.reply !== undefined) output.write(`${JSON.stringify(answer.reply)}\n`);
  };
  input.on('data', onLine);
  input.on('end', () => sdkInput?.end());
  return { handedOver: () => sdkInput !== undefined };
}

interface QuickAnswer {
  /** The response to write, if the message was a request. */
  reply?: object;
  /** The client's initialize, to give the SDK first when it takes over. */
  initializeReplay?: string;
  /** A line to give the SDK after the initialize when it takes over. */
  replay?: string;
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
  if (typeof message !== 'object' || message === null || message.jsonrpc !== '2.0') return undefined;
  const { id, method, params } = message;
  if (method === 'notifications/initialized' && id === undefined) return { replay: line };
  if (typeof id !== 'number' && typeof id !== 'string') return undefined;
  const respond = (result: object): QuickAnswer => ({ reply: { result, jsonrpc: '2.0', id } });
  if (method === 'ping' && hasNoParams(params)) return respond({});
  if (method === 'tools/list' && hasNoParams(params)) {
    return respond({ tools: selectTools(options.manifest, options.choice).map(toMcpTool) });
  }
  if (method === 'initialize' && isInitializeParams(params)) {
    const initializeReplay = `${JSON.stringify({ ...message, id: REPLAYED_INITIALIZE_ID })}\n`;
    return { ...respond(initializeResult(params.protocolVersion)), initializeReplay };
  }
  return undefined;
}

/** What the SDK's Server answers to initialize (its _oninitialize), for a server made by createMcpServer. */
export function initializeResult(requested: string): object {
  return {
    protocolVersion: PROTOCOL_VERSIONS.includes(requested) ? requested : PROTOCOL_VERSIONS[0],
    capabilities: serverCapabilities(false),
    serverInfo: SERVER_INFO,
    instructions: INSTRUCTIONS,
  };
}

/** Params the front answers without the SDK: none, or only `_meta` (a cursor or anything else goes to the SDK). */
function hasNoParams(params: unknown): boolean {
  if (params === undefined) return true;
  return isObject(params) && Object.keys(params).every((key) => key === '_meta');
}

/** The shape the SDK's InitializeRequestSchema requires; anything less is left to the SDK to refuse. */
function isInitializeParams(params: unknown): params is { protocolVersion: string } {
  if (!isObject(params) || typeof params.protocolVersion !== 'string' || !isObject(params.capabilities)) return false;
  const client = params.clientInfo;
  return isObject(client) && typeof client.name === 'string' && typeof client.version === 'string';
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The SDK's output, less its answer to the replayed initialize (the client has had the front's); `onDropped` when it came. */
function dropReplayedAnswer(output: Writable, onDropped: () => void): Writable {
  let dropped = false;
  return new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      if (!dropped && chunk.toString().includes(REPLAYED_INITIALIZE_ID)) {
        const message = JSON.parse(chunk.toString()) as Message;
        if (message.id === REPLAYED_INITIALIZE_ID) {
          dropped = true;
          onDropped();
          return done();
        }
      }
      output.write(chunk, done);
    },
  });
}
