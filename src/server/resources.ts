import { readFile, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeOperation } from '../operations/record';
import type { ToolRuntime } from '../runtime';
import { ToolError } from '../tools/errors';
import { resolveLocalPath } from '../tools/localPaths';
import { ErrorCode, protocolError, type CallToolResult, type ReadResourceResult, type Resource, type ResourceTemplate } from './sdk';

export const ENVIRONMENTS_URI = 'power-agent://environments';
export const OPERATIONS_URI = 'power-agent://operations';
const ENVIRONMENT_PREFIX = `${ENVIRONMENTS_URI}/`;
const OPERATION_PREFIX = `${OPERATIONS_URI}/`;
/** MCP's error code for a resource that does not exist. */
export const RESOURCE_NOT_FOUND = -32002;
/** Files larger than this are not sent through resources/read (base64 makes them a third larger again). */
export const MAX_FILE_RESOURCE_BYTES = 32 * 1024 * 1024;
const JSON_TYPE = 'application/json';

export const RESOURCE_TEMPLATES: ResourceTemplate[] = [
  {
    uriTemplate: `${ENVIRONMENTS_URI}/{environment}`,
    name: 'environment',
    title: 'Environment',
    description: 'One environment, by id, display name, domain name or Dataverse URL, as pp_get_environment reports it.',
    mimeType: JSON_TYPE,
  },
  {
    uriTemplate: `${OPERATIONS_URI}/{id}`,
    name: 'operation',
    title: 'Operation',
    description: 'One long-running operation by id, as pp_get_operation reports it. Subscribe to be told when it changes.',
    mimeType: JSON_TYPE,
  },
];

const FIXED_RESOURCES: Resource[] = [
  {
    uri: ENVIRONMENTS_URI,
    name: 'environments',
    title: 'Environments',
    description: 'The environments this server may work on, as pp_list_environments reports them.',
    mimeType: JSON_TYPE,
  },
  {
    uri: OPERATIONS_URI,
    name: 'operations',
    title: 'Operations',
    description: 'Long-running operations, newest first. Subscribe to be told when any of them changes.',
    mimeType: JSON_TYPE,
  },
];

/** Local files the tools wrote in this server (exports, checker reports, data files), readable through resources/read. */
export class WrittenFiles {
  private readonly paths = new Set<string>();

  /** Remembers the files a tool result links to; true when one was new. */
  addFromResult(result: CallToolResult): boolean {
    let added = false;
    for (const item of result.content ?? []) {
      if (item.type !== 'resource_link' || !item.uri.startsWith('file:')) continue;
      const path = fileURLToPath(item.uri);
      if (!this.paths.has(path)) added = true;
      this.paths.add(path);
    }
    return added;
  }

  has(path: string): boolean {
    return this.paths.has(path);
  }

  list(): string[] {
    return [...this.paths];
  }
}

/**
 * The resources of one MCP server: environments and operations (read through the tools that report
 * them, so allow-lists and sign-in apply alike), and the files the tools wrote. Operations can be
 * subscribed to: every change of one is announced with notifications/resources/updated.
 */
export class ServerResources {
  private readonly subscribed = new Set<string>();
  private readonly seen = new Set<string>();
  private runtime?: ToolRuntime;
  private unsubscribe?: () => void;

  constructor(
    private readonly files: WrittenFiles,
    private readonly send: { updated(uri: string): void; listChanged(): void },
  ) {}

  /** Follows the operations of a (new) runtime. */
  attach(runtime: ToolRuntime): void {
    this.unsubscribe?.();
    this.runtime = runtime;
    for (const record of runtime.operations.list()) this.seen.add(record.id);
    this.unsubscribe = runtime.operations.onDidChange((record) => {
      if (!this.seen.has(record.id)) {
        this.seen.add(record.id);
        this.send.listChanged();
      }
      for (const uri of [`${OPERATION_PREFIX}${record.id}`, OPERATIONS_URI]) if (this.subscribed.has(uri)) this.send.updated(uri);
    });
  }

  close(): void {
    this.unsubscribe?.();
  }

  /** The fixed resources, the operations (once the runtime runs; listing never starts it) and the files written. */
  list(): Resource[] {
    const operations: Resource[] = (this.runtime?.operations.list() ?? []).slice(0, 50).map((record) => ({
      uri: `${OPERATION_PREFIX}${record.id}`,
      name: record.id,
      title: record.title,
      description: describeOperation(record),
      mimeType: JSON_TYPE,
    }));
    const files: Resource[] = this.files
      .list()
      .map((path) => ({ uri: pathToFileURL(path).href, name: basename(path), mimeType: mimeTypeOf(path) }));
    return [...FIXED_RESOURCES, ...operations, ...files];
  }

  async read(uri: string, runtime: ToolRuntime, signal: AbortSignal): Promise<ReadResourceResult> {
    if (uri.startsWith('file:')) return readWrittenFile(uri, runtime, this.files);
    const call = toolFor(uri);
    if (!call)
      throw protocolError(
        RESOURCE_NOT_FOUND,
        `Resource not found: ${uri}. Resources: ${FIXED_RESOURCES.map((r) => r.uri).join(', ')}, the templates of resources/templates/list, and the files the tools wrote.`,
      );
    const result = await runtime.callTool(call.tool, call.args, { signal });
    const text = result.content.map((item) => (item.type === 'text' ? item.text : '')).join('\n');
    if (result.isError) throw protocolError(/^No (environment|operation)/.test(text) ? RESOURCE_NOT_FOUND : ErrorCode.InternalError, text);
    return { contents: [{ uri, mimeType: JSON_TYPE, text: JSON.stringify(result.structuredContent, null, 2) }] };
  }

  /**
   * Any resource may be subscribed to, but only operations change on their own: those are announced
   * at every change. The rest are read again when wanted.
   */
  subscribe(uri: string): void {
    this.subscribed.add(uri);
  }

  forget(uri: string): void {
    this.subscribed.delete(uri);
  }
}

/** The tool and arguments that report a power-agent:// resource. */
function toolFor(uri: string): { tool: string; args: Record<string, unknown> } | undefined {
  if (uri === ENVIRONMENTS_URI) return { tool: 'pp_list_environments', args: { limit: 1000 } };
  if (uri === OPERATIONS_URI) return { tool: 'pp_list_operations', args: { limit: 200 } };
  const rest = (prefix: string) =>
    uri.startsWith(prefix) && uri.length > prefix.length ? safeDecode(uri.slice(prefix.length)) : undefined;
  const environment = rest(ENVIRONMENT_PREFIX);
  if (environment) return { tool: 'pp_get_environment', args: { environment } };
  const id = rest(OPERATION_PREFIX);
  if (id) return { tool: 'pp_get_operation', args: { id, waitSeconds: 0 } };
  return undefined;
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * A file a tool wrote: one a tool result linked to, or the file of an operation's result. It must still
 * be a regular file inside the allowed folders, checked as the tools check a path.
 */
async function readWrittenFile(uri: string, runtime: ToolRuntime, files: WrittenFiles): Promise<ReadResourceResult> {
  let path: string;
  try {
    path = fileURLToPath(uri);
  } catch {
    throw protocolError(RESOURCE_NOT_FOUND, `Resource not found: ${uri} is not a local file URI.`);
  }
  const written = files.has(path) || runtime.operations.list().some((record) => record.result?.file === path);
  if (!written)
    throw protocolError(
      RESOURCE_NOT_FOUND,
      `Resource not found: ${uri} is not a file this server's tools wrote. Only those (exports, checker reports, data files) can be read here.`,
    );
  let checked: string;
  try {
    checked = resolveLocalPath('uri', path, runtime.settings(), 'read-file');
  } catch (error) {
    if (error instanceof ToolError) throw protocolError(RESOURCE_NOT_FOUND, error.describe());
    throw error;
  }
  const { size } = await stat(checked);
  if (size > MAX_FILE_RESOURCE_BYTES) {
    throw protocolError(
      ErrorCode.InvalidParams,
      `${basename(path)} is ${size} bytes, more than resources/read sends (${MAX_FILE_RESOURCE_BYTES}). Open it at ${path} instead.`,
    );
  }
  const bytes = await readFile(checked);
  const mimeType = mimeTypeOf(path);
  if (isText(mimeType)) return { contents: [{ uri, mimeType, text: bytes.toString('utf8') }] };
  return { contents: [{ uri, mimeType, blob: bytes.toString('base64') }] };
}

function mimeTypeOf(path: string): string {
  const ext = extname(path).toLowerCase();
  if (ext === '.zip') return 'application/zip';
  if (ext === '.sarif') return 'application/sarif+json';
  if (ext === '.json') return JSON_TYPE;
  if (ext === '.xml') return 'application/xml';
  if (ext === '.yml' || ext === '.yaml') return 'application/yaml';
  return 'application/octet-stream';
}

function isText(mimeType: string): boolean {
  return mimeType.endsWith('json') || mimeType.endsWith('xml') || mimeType.endsWith('yaml');
}
