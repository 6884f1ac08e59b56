import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { ResumeStore } from '../data/resumeStore';
import type { Logger } from '../log';
import { ConfigurationError } from '../platform/endpoints';
import { PlatformError } from '../platform/errors';
import type { Services } from '../services';
import { SolutionFileError } from '../solutions/errors';
import { ToolError } from './errors';
import { describeFileError, fieldForPath } from './fileErrors';
import { hostWords } from './hostWords';
import { keepCachesCurrent } from '../operations/cacheUpdates';
import type { SchemaDef, SchemaParts } from './schemas';
import type { OperationTracker } from '../operations/tracker';
import { Metrics } from '../observability/metrics';
import type { AnyToolDefinition, ElicitRequest, ElicitResult, ProgressUpdate, ToolSettings } from './types';

export interface CallContext {
  signal: AbortSignal;
  /** Present when the caller asked for progress notifications. */
  sendProgress?: (update: ProgressUpdate) => Promise<void>;
  /** Present when the client can show a form to its user (MCP elicitation). */
  elicit?: (request: ElicitRequest) => Promise<ElicitResult>;
  /** Sends a message to the client outside the result (MCP logging). */
  notify?: (message: string) => void;
  /**
   * The host already asked the person and they said yes (VS Code's confirmation of a Copilot tool
   * call). Enough for non-production targets; production still needs the typed name.
   */
  hostConfirmed?: boolean;
}

export interface InvokeOptions {
  settings: ToolSettings;
  services: () => Promise<Services>;
  operations: OperationTracker;
  logger: Logger;
  /** Counts the call, its outcome and duration; pp_server_status reports it. */
  metrics?: Metrics;
  /** Where partial imports' progress is kept for the call that finishes them. */
  resumes: ResumeStore;
}

/**
 * Runs one catalog tool for any adapter (MCP, LM tools, commands): validates the arguments, builds the
 * context, runs the handler, checks the result against the output schema, and turns every failure into
 * an isError result that says what happened and what to do, never a stack trace.
 */
export async function invokeTool(
  tool: AnyToolDefinition,
  rawArgs: unknown,
  call: CallContext,
  options: InvokeOptions,
): Promise<CallToolResult> {
  const metrics = options.metrics ?? new Metrics();
  const started = performance.now();
  const run = () => invokeCounted(tool, rawArgs, call, options, metrics);
  const result = await (metrics.tracing ? metrics.tracing.toolCall(tool.name, run) : run());
  metrics.toolCall(tool.name, performance.now() - started, result.isError === true, isSimple(tool));
  return result;
}

/** A tool that reads and starts no operation: the guide expects its calls to answer within 30 s. */
function isSimple(tool: AnyToolDefinition): boolean {
  return tool.annotations.readOnlyHint && !('waitSeconds' in tool.input.shape);
}

async function invokeCounted(
  tool: AnyToolDefinition,
  rawArgs: unknown,
  call: CallContext,
  options: InvokeOptions,
  metrics: Metrics,
): Promise<CallToolResult> {
  if (options.settings.readOnly && !tool.annotations.readOnlyHint) {
    return errorResult(
      `${tool.name} was refused: the server runs in read-only mode, so tools that change anything are off. Nothing was changed.\nWhat to do: ${hostWords(options.settings).turnOffReadOnly} if this change is wanted.`,
    );
  }
  // Zod 4 leaves the received value out of an issue unless asked; the message needs it to say what came instead.
  const parsed = tool.input.safeParse(rawArgs ?? {}, { reportInput: true });
  if (!parsed.success)
    return errorResult(shortenEchoes(`Invalid arguments for ${tool.name}:\n${formatIssues(parsed.error, tool.input)}`, rawArgs));
  try {
    const services = await options.services();
    keepCachesCurrent(options.operations, services);
    const outcome = await tool.handler(parsed.data, {
      ...services,
      operations: options.operations,
      metrics,
      resumes: options.resumes,
      settings: options.settings,
      signal: call.signal,
      log: options.logger,
      elicit: call.elicit,
      hostConfirmed: call.hostConfirmed ?? false,
      notify: (message) => {
        options.logger.info(message);
        call.notify?.(message);
      },
      progress: async (update) => {
        await call.sendProgress?.(update).catch(() => undefined);
      },
    });
    const checked = tool.output.safeParse(outcome.result);
    if (!checked.success) {
      options.logger.error(
        `${tool.name} produced a result that does not match its output schema: ${formatIssues(checked.error, tool.output)}`,
      );
      return errorResult(`${tool.name} produced an unexpected result. This is a bug in Power Agent MCP; please report it.`);
    }
    const result: CallToolResult = { content: [{ type: 'text', text: outcome.summary }], structuredContent: checked.data };
    for (const link of outcome.links ?? []) result.content.push({ type: 'resource_link', ...link });
    if (outcome.failed) result.isError = true;
    return result;
  } catch (error) {
    return errorResult(shortenEchoes(describeError(tool.name, error, options.logger, parsed.data, options.settings), rawArgs));
  }
}

/**
 * What went wrong, for the caller. Our own errors describe themselves; a file system error is about a
 * path the caller gave and is explained as such, naming the field; anything else is a bug.
 */
export function describeError(toolName: string, error: unknown, logger: Logger, args?: unknown, settings: ToolSettings = {}): string {
  if (error instanceof SolutionFileError) return withField(error.describe(), args, settings);
  if (error instanceof PlatformError || error instanceof ToolError) return error.describe();
  if (error instanceof ConfigurationError) return `${error.message}`;
  const fileProblem = describeFileError(error, args, settings);
  if (fileProblem) {
    logger.debug(`${toolName}: ${(error as Error).message}`);
    return fileProblem;
  }
  logger.error(`${toolName} failed unexpectedly: ${(error as Error)?.stack ?? String(error)}`);
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return `${toolName} failed unexpectedly: ${message}. This is a bug in Power Agent MCP; please report it with the server log.`;
}

/** Prefixes the name of the argument a message is about (its path appears in it), unless it starts with one already. */
function withField(text: string, args: unknown, settings: ToolSettings): string {
  if (/^[A-Za-z][\w.]*: /.test(text)) return text;
  const owner = fieldForPath(undefined, text.split('\n')[0]!, args, settings);
  return owner ? `${owner.field}: ${text}` : text;
}

function errorResult(text: string): CallToolResult {
  return { isError: true, content: [{ type: 'text', text }] };
}

/** The schema of the value at `path` inside `schema`, through optional, default, nullable and pipe wrappers. */
function schemaAt(schema: z.ZodType, path: PropertyKey[]): SchemaParts | undefined {
  let current: SchemaParts | undefined = unwrap(schema as unknown as SchemaParts);
  for (const key of path) {
    const def: SchemaDef | undefined = current?._zod.def;
    if (def?.type === 'object') current = def.shape![key as string];
    else if (def?.type === 'array') current = def.element;
    else if (def?.type === 'record') current = def.valueType;
    else return undefined;
    current = current && unwrap(current);
  }
  return current;
}

function unwrap(schema: SchemaParts): SchemaParts {
  let current = schema;
  for (;;) {
    const def = current._zod.def;
    if (def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else return current;
  }
}

/** The JSON Schema name of the type a schema takes: an integer-only number is "integer". */
function expectedType(schema: SchemaParts | undefined, fallback: string): string {
  const type = schema?._zod.def.type;
  if (type === 'number') return schema!.isInt ? 'integer' : 'number';
  if (type === 'record') return 'object';
  return type === 'string' || type === 'boolean' || type === 'object' || type === 'array' ? type : typeName(fallback);
}

/**
 * One line per problem, each starting with the field's name: a wrong type names the expected and the
 * received type, a value outside an enum lists the allowed ones, unknown keys list the accepted fields.
 * Values said back are cut to ECHO_LIMIT characters.
 */
export function formatIssues(error: z.ZodError, schema: z.ZodObject): string {
  return error.issues.map((issue) => `- ${describeIssue(issue, schema)}`).join('\n');
}

function describeIssue(issue: z.core.$ZodIssue, schema: z.ZodObject): string {
  const field = issue.path.length ? issue.path.join('.') : '(arguments)';
  switch (issue.code) {
    case 'unrecognized_keys': {
      const where = issue.path.length ? issue.path.join('.') : '';
      const keys = issue.keys.map((key) => (where ? `${where}.${key}` : key)).join(', ');
      const accepted = Object.keys(schemaAt(schema, issue.path)?._zod.def.shape ?? {});
      return `${keys}: not a field of ${where || 'this tool'}.${accepted.length ? ` Accepted fields: ${accepted.join(', ')}.` : ''}`;
    }
    case 'invalid_type':
      if (issue.input === undefined) return `${field}: required.`;
      return `${field}: expected ${expectedType(schemaAt(schema, issue.path), issue.expected)}, received ${received(issue.input)}.`;
    case 'invalid_union': {
      const options = schemaAt(schema, issue.path)?._zod.def.options ?? [];
      const expected = [...new Set(options.map((option) => expectedType(unwrap(option), 'a value')))];
      if (expected.length && issue.input !== undefined)
        return `${field}: expected ${expected.join(' or ')}, received ${received(issue.input)}.`;
      return `${field}: ${issue.message}`;
    }
    case 'invalid_value': {
      const allowed = `Allowed values: ${issue.values.map((value) => echo(value)).join(', ')}.`;
      if (issue.input === undefined) return `${field}: required. ${allowed}`;
      const types = [...new Set(issue.values.map((value) => jsonType(value)))];
      if (!types.includes(jsonType(issue.input)))
        return `${field}: expected ${types.join(' or ')}, received ${received(issue.input)}. ${allowed}`;
      return `${field}: ${echo(issue.input)} is not allowed. ${allowed}`;
    }
    case 'too_big':
    case 'too_small':
      return `${field}: ${bound(issue)}`;
    default:
      return `${field}: ${issue.message}`;
  }
}

/** A value over or under a limit: the limit and what came, in the unit of the limit. */
function bound(issue: z.core.$ZodIssueTooBig | z.core.$ZodIssueTooSmall): string {
  const big = issue.code === 'too_big';
  const limit = issue.code === 'too_big' ? issue.maximum : issue.minimum;
  const most = `${big ? 'at most' : 'at least'} ${limit}${issue.inclusive === false ? ' (not included)' : ''}`;
  const input = issue.input;
  if (issue.origin === 'string' && typeof input === 'string') return `${most} characters, received ${input.length}.`;
  if (issue.origin === 'array' && Array.isArray(input)) return `${most} items, received ${input.length}.`;
  if (typeof input === 'number' || typeof input === 'bigint') return `${most}, received ${input}.`;
  return issue.message;
}

/** The JSON type of a received value, with the value itself when it is short enough to help. */
function received(value: unknown): string {
  const type = jsonType(value);
  return type === 'object' || type === 'array' || type === 'null' ? type : `${type} ${echo(value)}`;
}

function jsonType(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** Zod's name for a type, in JSON Schema's words. */
function typeName(expected: string): string {
  return expected === 'int' ? 'integer' : expected === 'record' ? 'object' : expected;
}

/** Values said back in errors are cut to this many characters. */
export const ECHO_LIMIT = 200;

function echo(value: unknown): string {
  return shorten(JSON.stringify(value) ?? String(value));
}

/** A long text cut to ECHO_LIMIT characters: its start and its end, which tells most about a path. */
export function shorten(text: string, max = ECHO_LIMIT): string {
  if (text.length <= max) return text;
  const tail = Math.floor(max / 4);
  return `${text.slice(0, max - tail - 1)}…${text.slice(-tail)}`;
}

/** Every long string argument said back in `text` is cut, so an error never repeats a huge value whole. */
function shortenEchoes(text: string, args: unknown): string {
  const long = new Set<string>();
  const collect = (value: unknown, depth: number) => {
    if (typeof value === 'string' && value.length > ECHO_LIMIT) long.add(value);
    else if (value && typeof value === 'object' && depth < 4)
      for (const inner of Object.values(value).slice(0, 100)) collect(inner, depth + 1);
  };
  collect(args, 0);
  for (const value of [...long].sort((a, b) => b.length - a.length)) text = text.split(value).join(shorten(value));
  return text;
}
