import { randomUUID } from 'node:crypto';
import { describeOperation, isTerminal, type OperationRecord } from '../operations/record';
import type { ToolRuntime } from '../runtime';
import type { CallToolResult, CreateTaskOptions, Result, Task, TaskStore } from './sdk';

/** How long a task is kept when the client asks for no lifetime, and the longest it may ask for. */
const DEFAULT_TTL_MS = 24 * 60 * 60_000;
const MAX_TTL_MS = 7 * 24 * 60 * 60_000;
const PAGE_SIZE = 50;

/** What a task-augmented tool call became: an operation to follow, or a result known at once (a refusal, a bad argument). */
export type TaskStart = { operationId: string } | { result: CallToolResult };

interface TaskEntry {
  taskId: string;
  createdAt: string;
  ttl: number;
  pollInterval: number;
  operationId?: string;
  /** The result, once known: at once for a call that started nothing, else when the operation ended. */
  result?: CallToolResult;
  /** A status that no longer changes (terminal), with its message. */
  final?: { status: Task['status']; statusMessage?: string; at: string };
}

/**
 * MCP tasks (2025-11-25) on top of operation records: a task-augmented call of a long-running tool
 * starts its operation as usual and answers with a task whose id is the operation id. tasks/get reads
 * the operation, tasks/result waits for it to end and answers as pp_get_operation would, tasks/cancel
 * stops the waiting (an operation in the service cannot be stopped from here) and says so.
 * One store per MCP server, that is per session: a session sees only the tasks it created.
 */
export class OperationTasks implements TaskStore {
  private readonly entries = new Map<string, TaskEntry>();
  private unsubscribe?: () => void;

  constructor(
    private readonly runtime: () => Promise<ToolRuntime>,
    /** Sends notifications/tasks/status when an operation behind a task changes. */
    private readonly notify: (task: Task) => void,
  ) {}

  /** Follows the operations of a (new) runtime, to tell the client when a task's status changes. */
  attach(runtime: ToolRuntime): void {
    this.unsubscribe?.();
    this.unsubscribe = runtime.operations.onDidChange((record) => {
      const entry = this.entries.get(record.id);
      if (entry && !entry.final) this.notify(this.taskOf(entry, record));
    });
  }

  close(): void {
    this.unsubscribe?.();
  }

  async createTask(params: CreateTaskOptions): Promise<Task> {
    const start = params.context as TaskStart | undefined;
    if (!start) throw new Error('A task starts from a tool call.');
    const runtime = await this.runtime();
    const now = new Date().toISOString();
    const operationId = 'operationId' in start ? start.operationId : undefined;
    const existing = operationId ? this.entries.get(operationId) : undefined;
    if (existing) return this.taskOf(existing, runtime.operations.get(existing.operationId!));
    const entry: TaskEntry = {
      taskId: operationId ?? randomUUID(),
      createdAt: now,
      ttl: Math.min(params.ttl ?? DEFAULT_TTL_MS, MAX_TTL_MS),
      pollInterval: params.pollInterval ?? runtime.pollIntervalMs,
      operationId,
    };
    if ('result' in start) {
      entry.result = start.result;
      entry.final = { status: start.result.isError ? 'failed' : 'completed', statusMessage: firstLine(start.result), at: now };
    }
    this.entries.set(entry.taskId, entry);
    return this.taskOf(entry, operationId ? runtime.operations.get(operationId) : undefined);
  }

  async getTask(taskId: string): Promise<Task | null> {
    const entry = this.live(taskId);
    if (!entry) return null;
    if (entry.final || !entry.operationId) return this.taskOf(entry);
    const runtime = await this.runtime();
    return this.taskOf(entry, runtime.operations.get(entry.operationId));
  }

  storeTaskResult(taskId: string, status: 'completed' | 'failed', result: Result): Promise<void> {
    const entry = this.live(taskId);
    if (entry) {
      entry.result = result as CallToolResult;
      entry.final = { status, at: new Date().toISOString() };
    }
    return Promise.resolve();
  }

  /** The result as the tool would have answered: the operation's report, read again when the task ended. */
  async getTaskResult(taskId: string): Promise<Result> {
    const entry = this.live(taskId);
    if (!entry) throw new Error(`No task ${taskId}.`);
    if (entry.result) return entry.result;
    const runtime = await this.runtime();
    const report = await runtime.callTool(
      'pp_get_operation',
      { id: entry.operationId, waitSeconds: 0 },
      { signal: AbortSignal.timeout(60_000) },
    );
    const record = runtime.operations.get(entry.operationId!);
    if (record?.state === 'unknown') report.isError = true;
    if (entry.final?.status === 'cancelled' && record && !isTerminal(record.state)) {
      report.content.unshift({ type: 'text', text: entry.final.statusMessage ?? 'Stopped waiting.' });
      return report;
    }
    if (entry.final) entry.result = report;
    return report;
  }

  /**
   * Only a cancel comes here from the client: the waiting stops, the operation goes on in the service
   * and stays followed (pp_get_operation), and the task says so.
   */
  async updateTaskStatus(taskId: string, status: Task['status'], statusMessage?: string): Promise<void> {
    const entry = this.live(taskId);
    if (!entry || entry.final) return;
    const now = new Date().toISOString();
    if (status !== 'cancelled' || !entry.operationId) {
      entry.final = isTerminalStatus(status) ? { status, statusMessage, at: now } : undefined;
      return;
    }
    const runtime = await this.runtime();
    runtime.operations.release(entry.operationId);
    const record = runtime.operations.get(entry.operationId);
    const what = record ? `"${record.title}" (${record.state})` : 'The operation';
    const goesOn =
      record && isTerminal(record.state) ? 'had already ended' : 'goes on in the service, which offers no way to stop it from here';
    entry.final = {
      status: 'cancelled',
      statusMessage: `Stopped waiting. ${what} ${goesOn}. Follow it with pp_get_operation (id ${entry.operationId}) or the operations resource.`,
      at: now,
    };
  }

  async listTasks(cursor?: string): Promise<{ tasks: Task[]; nextCursor?: string }> {
    const start = cursor ? Number(cursor) : 0;
    if (!Number.isInteger(start) || start < 0) throw new Error(`Invalid cursor ${cursor}.`);
    const all = [...this.entries.keys()].map((id) => this.live(id)).filter((entry): entry is TaskEntry => Boolean(entry));
    all.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const page = all.slice(start, start + PAGE_SIZE);
    const runtime = page.some((entry) => entry.operationId && !entry.final) ? await this.runtime() : undefined;
    const tasks = page.map((entry) => this.taskOf(entry, entry.operationId ? runtime?.operations.get(entry.operationId) : undefined));
    return { tasks, nextCursor: start + PAGE_SIZE < all.length ? String(start + PAGE_SIZE) : undefined };
  }

  /** The entry, unless its lifetime is over (then it is forgotten; the operation itself stays known). */
  private live(taskId: string): TaskEntry | undefined {
    const entry = this.entries.get(taskId);
    if (entry && Date.parse(entry.createdAt) + entry.ttl < Date.now()) {
      this.entries.delete(taskId);
      return undefined;
    }
    return entry;
  }

  /** The task as the client sees it; a status that reached an end is kept, as a task may not leave one. */
  private taskOf(entry: TaskEntry, record?: OperationRecord): Task {
    const base = { taskId: entry.taskId, ttl: entry.ttl, createdAt: entry.createdAt, pollInterval: entry.pollInterval };
    if (entry.final)
      return {
        ...base,
        status: entry.final.status,
        lastUpdatedAt: record?.updatedAt ?? entry.final.at,
        statusMessage: entry.final.statusMessage,
      };
    if (!record) return { ...base, status: 'working', lastUpdatedAt: entry.createdAt };
    const status = taskStatus(record);
    const task: Task = { ...base, status, lastUpdatedAt: record.updatedAt, statusMessage: statusMessage(record) };
    if (isTerminalStatus(status)) entry.final = { status, statusMessage: task.statusMessage, at: record.updatedAt };
    return task;
  }
}

/**
 * An operation's state as a task status. `unknown` (the status could not be read; it may still run) is
 * an end for the task, with a message that says so; `canceled` means the service or a restart ended it.
 */
function taskStatus(record: OperationRecord): Task['status'] {
  switch (record.state) {
    case 'succeeded':
      return 'completed';
    case 'failed':
    case 'unknown':
      return 'failed';
    case 'canceled':
      return 'cancelled';
    default:
      return 'working';
  }
}

function statusMessage(record: OperationRecord): string {
  const line = describeOperation(record);
  if (record.state === 'unknown') return `${line}. Its status could not be read and it may still run; pp_get_operation reads it again.`;
  return record.error ? `${line}: ${record.error.message}` : line;
}

function isTerminalStatus(status: Task['status']): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

function firstLine(result: CallToolResult): string | undefined {
  const first = result.content.find((item) => item.type === 'text');
  return first?.type === 'text' ? first.text.split('\n')[0] : undefined;
}
