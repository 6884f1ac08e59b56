import type { ToolRuntime } from '../runtime';
import { Completions } from './completions';
import type { ToolManifestEntry } from './manifest';
import { getPrompt, listPrompts } from './prompts';
import { RESOURCE_TEMPLATES, ServerResources, WrittenFiles } from './resources';
import { followRoots } from './roots';
import { INSTRUCTIONS, SERVER_INFO, serverCapabilities } from './serverInfo';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  ElicitResultSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  Server,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  protocolError,
  type CallToolResult,
} from './sdk';
import { OperationTasks, type TaskStart } from './tasks';
import { toMcpTool, type ToolListStyle } from './toolList';
import { selectTools, whyNotOffered, type ToolChoice } from './toolSelection';

export interface McpServerOptions {
  manifest: readonly ToolManifestEntry[];
  /** Loads the tool runtime; called on the first tools/call (or resource read, completion), never for tools/list. */
  runtime: () => Promise<ToolRuntime>;
  /** Leave out every tool that changes anything (read-only mode). A function is read at every tools/list. */
  readOnly?: boolean | (() => boolean);
  /** Offer only these toolsets or tools (--toolsets, --tools). A function is read at every tools/list. */
  toolsets?: Omit<ToolChoice, 'readOnly'> | (() => Omit<ToolChoice, 'readOnly'>);
  /**
   * Told the folders the client offers as roots, and again when they change (undefined when it offers
   * none). Given when no allowed folders were set, so the roots become the allowed folders.
   */
  onRoots?: (folders: string[] | undefined) => void;
  /** How tools/list presents the tools (icons). */
  toolList?: ToolListStyle;
  /** Where server-level problems are written (the client's roots could not be read). */
  warn?: (message: string) => void;
}

/** A person may take a while to answer a confirmation form. */
const ELICIT_TIMEOUT_MS = 10 * 60_000;

/**
 * The MCP server for one connection (stdio, or one HTTP session). It answers tools/list from the
 * manifest made at build time and hands tools/call to the runtime; it also offers the ALM prompts,
 * environments, operations and written files as resources, completions, tasks for long-running
 * tools, and follows the client's roots.
 */
export function createMcpServer(options: McpServerOptions): Server {
  let runtimeInUse: ToolRuntime | undefined;
  const runtime = async (): Promise<ToolRuntime> => {
    const current = await options.runtime();
    if (current !== runtimeInUse) {
      runtimeInUse = current;
      resources.attach(current);
      tasks.attach(current);
    }
    return current;
  };
  const files = new WrittenFiles();
  const completions = new Completions(runtime);
  const tasks = new OperationTasks(
    runtime,
    (task) => void server.notification({ method: 'notifications/tasks/status', params: task }).catch(() => undefined),
  );
  const resources = new ServerResources(files, {
    updated: (uri) => void server.sendResourceUpdated({ uri }).catch(() => undefined),
    listChanged: () => void server.sendResourceListChanged().catch(() => undefined),
  });

  const dynamic = typeof options.readOnly === 'function' || typeof options.toolsets === 'function';
  const server = new Server(SERVER_INFO, {
    capabilities: serverCapabilities(dynamic),
    instructions: INSTRUCTIONS,
    taskStore: tasks,
  });

  const choice = (): ToolChoice => ({
    readOnly: typeof options.readOnly === 'function' ? options.readOnly() : Boolean(options.readOnly),
    ...(typeof options.toolsets === 'function' ? options.toolsets() : options.toolsets),
  });
  const roots = options.onRoots && followRoots(server, options.onRoots, options.warn ?? (() => undefined));
  server.oninitialized = () => roots?.start();
  server.onclose = () => {
    resources.close();
    tasks.close();
  };

  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: selectTools(options.manifest, choice()).map((entry) => toMcpTool(entry, options.toolList)),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args, _meta, task } = request.params;
    const current = choice();
    const entry = selectTools(options.manifest, current).find((offered) => offered.name === name);
    if (!entry) {
      const known = options.manifest.find((tool) => tool.name === name);
      throw protocolError(
        ErrorCode.InvalidParams,
        known ? whyNotOffered(known, current) : `Unknown tool "${name}". Call tools/list for the tools this server offers.`,
      );
    }
    if (task && !entry.execution) {
      throw protocolError(ErrorCode.MethodNotFound, `${name} does not run as a task: it answers at once. Call it without task.`);
    }
    await roots?.ready();
    const ready = await runtime();
    const progressToken = _meta?.progressToken;
    // A task answers at once with the operation, which the client then follows; the tool does not wait for it.
    const callArgs = task ? { ...(args ?? {}), waitSeconds: 0 } : args;
    const result = await ready.callTool(name, callArgs, {
      signal: extra.signal,
      sendProgress:
        progressToken === undefined
          ? undefined
          : (update) => extra.sendNotification({ method: 'notifications/progress', params: { progressToken, ...update } }),
      elicit: canShowForms(server)
        ? (params) =>
            extra.sendRequest({ method: 'elicitation/create', params: { mode: 'form', ...params } }, ElicitResultSchema, {
              timeout: ELICIT_TIMEOUT_MS,
            })
        : undefined,
      // Not tied to the request: it must still arrive when the caller has cancelled it.
      notify: (message) =>
        void server.sendLoggingMessage({ level: 'notice', logger: 'operations', data: message }, extra.sessionId).catch(() => undefined),
    });
    if (files.addFromResult(result)) await server.sendResourceListChanged().catch(() => undefined);
    if (!task) return result;
    return { task: await extra.taskStore!.createTask({ ttl: task.ttl, context: taskStart(result, ready) }) };
  });

  server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: listPrompts() }));
  server.setRequestHandler(GetPromptRequestSchema, (request) => getPrompt(request.params.name, request.params.arguments));
  server.setRequestHandler(CompleteRequestSchema, async (request) => ({
    completion: await completions.complete(request.params.ref, request.params.argument, request.params.context?.arguments),
  }));

  server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: resources.list() }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: RESOURCE_TEMPLATES }));
  server.setRequestHandler(ReadResourceRequestSchema, async (request, extra) =>
    resources.read(request.params.uri, await runtime(), extra.signal),
  );
  server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    resources.subscribe(request.params.uri);
    await runtime(); // so changes of operations reach the subscriber
    return {};
  });
  server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    resources.forget(request.params.uri);
    return {};
  });
  return server;
}

/** The operation a task-augmented call started, or its result when it started none (refused, invalid, nothing to do). */
function taskStart(result: CallToolResult, runtime: ToolRuntime): TaskStart {
  const id = (result.structuredContent as { id?: unknown } | undefined)?.id;
  return typeof id === 'string' && runtime.operations.get(id) ? { operationId: id } : { result };
}

/** Form elicitation: `elicitation: {}` (2025-06-18) or `elicitation: { form: {} }` (later revisions). */
function canShowForms(server: Server): boolean {
  const elicitation = server.getClientCapabilities()?.elicitation as { form?: object; url?: object } | undefined;
  return Boolean(elicitation && (elicitation.form || !elicitation.url));
}
