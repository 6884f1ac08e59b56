import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { Logger } from '../log';
import { ConfigurationError } from '../platform/endpoints';
import { PlatformError } from '../platform/errors';
import type { Services } from '../services';
import { SolutionFileError } from '../solutions/errors';
import { ToolError } from './errors';
import { describeFileError, fieldForPath } from './fileErrors';
import { hostWords } from './hostWords';
import { keepCachesCurrent } from '../operations/cacheUpdates';
import type { OperationTracker } from '../operations/tracker';
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
}

/**
 * Runs one catalog tool for any adapter (MCP, LM tools, commands): validates the arguments, builds the
 * context, runs the handler, checks the result against the output schema, and turns every failure into
 * an isError result that says what happened and what to do, never a stack trace.
 */
export async function invokeTool(tool: AnyToolDefinition, rawArgs: unknown, call: CallContext, options: InvokeOptions): Promise<CallToolResult> {
  if (options.settings.readOnly && !tool.annotations.readOnlyHint) {
    return errorResult(`${tool.name} was refused: the server runs in read-only mode, so tools that change anything are off. Nothing was changed.\nWhat to do: ${hostWords(options.settings).turnOffReadOnly} if this change is wanted.`);
  }
  const parsed = tool.input.safeParse(rawArgs ?? {});
  if (!parsed.success) return errorResult(`Invalid arguments for ${tool.name}:\n${formatIssues(parsed.error, tool.input)}`);
  try {
    const services = await options.services();
    keepCachesCurrent(options.operations, services);
    const outcome = await tool.handler(parsed.data, {
      ...services,
      operations: options.operations,
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
      options.logger.error(`${tool.name} produced a result that does not match its output schema: ${formatIssues(checked.error, tool.output)}`);
      return errorResult(`${tool.name} produced an unexpected result. This is a bug in Power Agent MCP; please report it.`);
    }
    const result: CallToolResult = { content: [{ type: 'text', text: outcome.summary }], structuredContent: checked.data as Record<string, unknown> };
    for (const link of outcome.links ?? []) result.content.push({ type: 'resource_link', ...link });
    if (outcome.failed) result.isError = true;
    return result;
  } catch (error) {
    return errorResult(describeError(tool.name, error, options.logger, parsed.data, options.settings));
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

/** The fields of the object schema at `path` inside `schema`, through optional, default and nullable wrappers. */
function shapeAt(schema: z.ZodType, path: PropertyKey[]): Record<string, unknown> | undefined {
  let current: any = schema;
  for (const key of [...path, undefined]) {
    while (current && !current.shape && current.def?.innerType) current = current.def.innerType;
    if (key === undefined) return current?.shape;
    current = current?.shape?.[key as string];
  }
  return undefined;
}

/** One line per problem, each starting with the field's name, and the accepted fields for unknown keys. */
export function formatIssues(error: z.ZodError, schema: z.ZodObject): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.length ? issue.path.join('.') : '(arguments)';
      if (issue.code === 'unrecognized_keys') {
        const where = issue.path.length ? issue.path.join('.') : '';
        const keys = issue.keys.map((key) => (where ? `${where}.${key}` : key)).join(', ');
        const accepted = Object.keys(shapeAt(schema, issue.path) ?? {});
        return `- ${keys}: not a field of ${where || 'this tool'}.${accepted.length ? ` Accepted fields: ${accepted.join(', ')}.` : ''}`;
      }
      if (issue.code === 'invalid_type' && issue.input === undefined) return `- ${field}: required.`;
      return `- ${field}: ${issue.message}`;
    })
    .join('\n');
}
