import type { z } from 'zod';
import type { TokenProvider } from '../auth/tokenProvider';
import type { Logger } from '../log';
import type { BapClient } from '../platform/bap';
import type { DataverseClient } from '../platform/dataverse';
import type { Endpoints } from '../platform/endpoints';
import type { HttpClient } from '../platform/http';

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  /** True for every tool that reaches a cloud service; false for local-only tools (pack, unpack). */
  openWorldHint: boolean;
}

export interface ProgressUpdate {
  progress: number;
  total?: number;
  message?: string;
}

/** Settings a handler may need to honour (defaults, safety switches). */
export interface ToolSettings {
  /** Environment used when a tool's `environment` argument is left out. */
  defaultEnvironment?: string;
}

/** Everything a handler may use. Handlers never call fetch or read process.env themselves. */
export interface ToolContext {
  settings: ToolSettings;
  endpoints: Endpoints;
  tokens: TokenProvider;
  http: HttpClient;
  bap: BapClient;
  dataverse(instanceUrl: string): DataverseClient;
  /** Aborts when the MCP request is cancelled. */
  signal: AbortSignal;
  /** Sends an MCP progress notification when the caller asked for progress; otherwise does nothing. */
  progress(update: ProgressUpdate): Promise<void>;
  log: Logger;
}

export interface ToolOutcome<O> {
  /** Returned as structuredContent; must match the output schema. */
  result: O;
  /** One or a few lines for clients and models that read only text. */
  summary: string;
}

export interface ToolDefinition<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: `pp_${string}`;
  title: string;
  /** Written for a model: when to use it, what it changes, what it returns. */
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  handler(args: z.output<I>, context: ToolContext): Promise<ToolOutcome<z.input<O>>>;
}

/** Declares a tool; the identity function exists so TypeScript infers the handler's types from the schemas. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(tool: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return tool;
}

/** Annotations of a tool that only reads from a cloud service. */
export const READ_ONLY_CLOUD: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };

/** A tool of any schema, as the catalog holds them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyToolDefinition = ToolDefinition<any, any>;
