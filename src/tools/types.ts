import type { z } from 'zod';
import type { ResumeStore } from '../data/resumeStore';
import type { Logger } from '../log';
import type { OperationTracker } from '../operations/tracker';
import type { Services } from '../services';
import type { Metrics } from '../observability/metrics';
import type { OperationKind } from '../operations/record';
import type { HostWords } from './hostWords';
import { withStringLimits } from './schemas';
import type { Toolset } from '../toolsets';
import type { ProgressUpdate } from '../progress';

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  /** True for every tool that reaches a cloud service; false for local-only tools (pack, unpack). */
  openWorldHint: boolean;
}

export type { ProgressUpdate };

/** Settings a handler may need to honour (defaults, safety switches). */
export interface ToolSettings {
  /** Environment used when a tool's `environment` argument is left out. */
  defaultEnvironment?: string;
  /** Refuse every tool that changes anything (and leave it out of tools/list). */
  readOnly?: boolean;
  /** When set, tools work only on these environments (ids, names, domain names or URLs). */
  allowedEnvironments?: string[];
  /**
   * Which destructive calls need a person's confirmation: `always` (default), or `production` for
   * unattended pipelines (Production and Default environments still always need it).
   */
  confirmDestructive?: 'always' | 'production';
  /** Folders local files may be read from and written to (solution zips, unpacked folders). Default: the working directory. */
  allowedFolders?: string[];
  /** How refusals name the settings that would allow a call: the host's words (VS Code settings), else the CLI's flags. */
  words?: HostWords;
  /** How long the lists of environments and of each org's solutions are kept, in seconds (0: read them every time). */
  environmentCacheSeconds?: number;
}

/** A form the client shows to its user (MCP elicitation); resolves with what the user did. */
export interface ElicitRequest {
  message: string;
  requestedSchema: {
    type: 'object';
    properties: Record<string, { type: 'string'; title?: string; description?: string }>;
    required?: string[];
  };
}
export interface ElicitResult {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, unknown>;
}

/**
 * Everything a handler may use: the signed-in clients of `Services`, and this call's settings and
 * channels. Handlers never call fetch or read process.env themselves.
 */
export interface ToolContext extends Omit<Services, 'close'> {
  settings: ToolSettings;
  operations: OperationTracker;
  /** The server's own figures (tool calls, requests, throttling, budgets), for pp_server_status and pp_doctor. */
  metrics: Metrics;
  /** Where partial imports' progress is kept for the call that finishes them. */
  resumes: ResumeStore;
  /** Asks the person at the client; undefined when the client cannot show forms. */
  elicit?: (request: ElicitRequest) => Promise<ElicitResult>;
  /** The host (VS Code) already got the person's yes for this call. */
  hostConfirmed?: boolean;
  /** Tells the client something outside the tool's result (an MCP log message). */
  notify(message: string): void;
  /** Aborts when the MCP request is cancelled. */
  signal: AbortSignal;
  /** Sends an MCP progress notification when the caller asked for progress; otherwise does nothing. */
  progress: (update: ProgressUpdate) => Promise<void>;
  log: Logger;
}

export interface ToolOutcome<O> {
  /** Returned as structuredContent; must match the output schema. */
  result: O;
  /** One or a few lines for clients and models that read only text. */
  summary: string;
  /** The call worked but what it reports is a failure (an operation that failed): marks the result isError. */
  failed?: boolean;
  /** Files the call wrote, returned as MCP resource links rather than their bytes. */
  links?: Array<{ uri: string; name: string; mimeType?: string; description?: string }>;
}

/** A local path argument and the dialog a person picks it with. */
export interface LocalPathUi {
  /** open: an existing file; save: a file to write; folder: an existing folder; outputFolder: a folder to write into; fileOrFolder: either to read. */
  dialog: 'open' | 'save' | 'folder' | 'outputFolder' | 'fileOrFolder';
  /** The file types the dialog shows, e.g. { 'Solution zip': ['zip'] }. */
  filters?: Record<string, string[]>;
}

/** An environment argument: what the picker calls it and which environments can run the tool. */
export interface EnvironmentUi {
  /** "Target environment (overwritten)"; default "Environment". */
  label?: string;
  /** Only environments with a Dataverse database. */
  dataverse?: boolean;
  /** Only these environment types (e.g. Sandbox for a target that is overwritten). */
  types?: string[];
  /** Not the tenant's default environment. */
  notDefault?: boolean;
}

/** What a person-facing client (the VS Code palette) needs to ask for a tool's arguments well. MCP never sees it. */
export interface ToolUi {
  /** Every argument that is a local path. */
  paths?: Record<string, LocalPathUi>;
  /** Environment arguments. `environment` is one even when not listed; list it to narrow the choice. */
  environments?: Record<string, EnvironmentUi>;
  /** Optional arguments the palette asks for, in this order, with the schema's default chosen. */
  ask?: string[];
  /**
   * Arguments with a picker of their own. restorePoint: a backup of the source or a point in time (sets
   * `backup` or `pointInTime`); orgSettings: an organization setting of the environment and its new value.
   */
  pickers?: Record<string, 'restorePoint' | 'orgSettings'>;
  /** A failed operation of this kind can be started again with this tool (Retry in the Operations view). */
  retries?: OperationKind;
}

export interface ToolDefinition<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject> {
  name: `pp_${string}`;
  /** The group it is offered in (--toolsets). */
  toolset: Toolset;
  title: string;
  /** Written for a model: when to use it, what it changes, what it returns. */
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  ui?: ToolUi;
  handler(args: z.output<I>, context: ToolContext): Promise<ToolOutcome<z.input<O>>>;
}

/**
 * Declares a tool; TypeScript infers the handler's types from the schemas. Every input string without a
 * limit of its own gets the default maxLength, so no argument is unbounded.
 */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject>(tool: ToolDefinition<I, O>): ToolDefinition<I, O> {
  return { ...tool, input: withStringLimits(tool.input) };
}

/** Annotations of a tool that only reads from a cloud service. */
export const READ_ONLY_CLOUD: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true };
/** A tool that adds something in the cloud and destroys nothing (create, backup). */
export const ADDITIVE_CLOUD: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true };
/** A tool that deletes or overwrites something in the cloud; it asks for confirmation. */
export const DESTRUCTIVE_CLOUD: ToolAnnotations = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true,
};

/** A tool that changes something in the cloud, or writes a local file, to a state that repeating it keeps (set version, add component, publish, export). */
export const IDEMPOTENT_CLOUD: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true };

/** A tool that only reads and writes local files (pack, unpack). */
export const LOCAL_FILES: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false };

/** A tool of any schema, as the catalog holds them. */
export type AnyToolDefinition = ToolDefinition<z.ZodObject, z.ZodObject>;
