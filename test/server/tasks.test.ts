import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CallToolResultSchema,
  CreateTaskResultSchema,
  ErrorCode,
  McpError,
  RELATED_TASK_META_KEY,
  TaskStatusNotificationSchema,
  type CallToolResult,
  type Task,
} from '@modelcontextprotocol/sdk/types.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { silentLogger } from '../../src/log';
import { createRuntime } from '../../src/runtime';
import { createMcpServer } from '../../src/server/mcpServer';
import { text, manifestOfAllTools } from '../helpers';
import { structured, withHarness, type Session } from '../lifecycle/harness';

/** A task-augmented tools/call, as a client that supports MCP tasks sends it. */
async function callAsTask(session: Pick<Session, 'client'>, name: string, args: Record<string, unknown>): Promise<Task> {
  const { task } = await session.client.request(
    { method: 'tools/call', params: { name, arguments: args, task: { ttl: 10 * 60_000 } } },
    CreateTaskResultSchema,
  );
  return task;
}

const manifest = manifestOfAllTools();

const LONG_RUNNING = [
  'pp_create_environment',
  'pp_delete_environment',
  'pp_backup_environment',
  'pp_restore_environment',
  'pp_copy_environment',
  'pp_reset_environment',
  'pp_export_solution',
  'pp_import_solution',
  'pp_apply_solution_upgrade',
  'pp_delete_solution',
  'pp_solution_checker',
  'pp_set_governance_config',
  'pp_install_application',
  'pp_submit_catalog',
  'pp_install_catalog',
];

describe('MCP tasks on operation records, through the SDK client', () => {
  it('the long-running tools, and only they, take task-augmented calls', async () => {
    await withHarness(async (h) => {
      const { client } = await h.connect();
      assert.deepEqual(client.getServerCapabilities()?.tasks, { list: {}, cancel: {}, requests: { tools: { call: {} } } });
      const { tools } = await client.listTools();
      assert.deepEqual(
        tools
          .filter((t) => t.execution?.taskSupport === 'optional')
          .map((t) => t.name)
          .sort(),
        [...LONG_RUNNING].sort(),
      );
    });
  });

  it('a task is the operation: tasks/get follows it, tasks/result waits for it and answers as pp_get_operation, tasks/list lists it', async () => {
    await withHarness(async (h) => {
      const session = await h.connect();
      const { client } = session;
      const statuses: string[] = [];
      client.setNotificationHandler(TaskStatusNotificationSchema, (n) => void statuses.push(n.params.status));
      const task = await callAsTask(session, 'pp_create_environment', { displayName: 'Contoso Tasks' });
      assert.equal(task.status, 'working');
      assert.ok(task.pollInterval! > 0 && task.ttl === 10 * 60_000);

      // The task id is the operation id: a client without tasks follows the same operation.
      const operation = structured(await h.call(session, 'pp_get_operation', { id: task.taskId, waitSeconds: 0 }));
      assert.equal(operation.title, 'Create environment Contoso Tasks');
      assert.equal((await client.experimental.tasks.getTask(task.taskId)).status, 'working');

      const result: CallToolResult = await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema, { timeout: 60_000 });
      assert.equal(result.isError, undefined, text(result));
      assert.equal(structured(result).state, 'succeeded');
      assert.equal(structured(result).id, task.taskId);
      assert.deepEqual(result._meta?.[RELATED_TASK_META_KEY], { taskId: task.taskId });
      const done = await client.experimental.tasks.getTask(task.taskId);
      assert.equal(done.status, 'completed');
      assert.match(done.statusMessage ?? '', /^Create environment Contoso Tasks: succeeded/);
      assert.deepEqual(
        (await client.experimental.tasks.listTasks()).tasks.map((t) => t.taskId),
        [task.taskId],
      );
      assert.ok(statuses.includes('working') && statuses.at(-1) === 'completed', `status notifications: ${statuses.join(', ')}`);
    });
  });

  it("the SDK client's task stream shows the task created, its statuses and the result", async () => {
    await withHarness(async (h) => {
      const { client } = await h.connect();
      const seen: string[] = [];
      let result: CallToolResult | undefined;
      for await (const message of client.experimental.tasks.callToolStream(
        { name: 'pp_create_environment', arguments: { displayName: 'Contoso Stream' } },
        CallToolResultSchema,
        { task: { ttl: 60_000 } },
      )) {
        seen.push(message.type === 'taskStatus' ? `status:${message.task.status}` : message.type);
        if (message.type === 'result') result = message.result;
        if (message.type === 'error') throw message.error;
      }
      assert.equal(seen[0], 'taskCreated');
      assert.ok(seen.includes('status:working') && seen.includes('status:completed'), seen.join(', '));
      assert.equal(structured(result!).state, 'succeeded');
    });
  });

  it('tasks/cancel stops the waiting, says the operation goes on in the service, and the operation does go on', async () => {
    await withHarness(async (h) => {
      const session = await h.connect();
      const { client } = session;
      const task = await callAsTask(session, 'pp_create_environment', { displayName: 'Contoso Cancelled' });
      const cancelled = await client.experimental.tasks.cancelTask(task.taskId);
      assert.equal(cancelled.status, 'cancelled');
      assert.match(
        cancelled.statusMessage ?? '',
        /^Stopped waiting\. "Create environment Contoso Cancelled" \((queued|running)\) goes on in the service, which offers no way to stop it from here\. Follow it with pp_get_operation \(id [0-9a-f-]{36}\)/,
      );
      const report: CallToolResult = await client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
      assert.match(text(report), /^Stopped waiting\./);
      // The operation itself is still followed, and ends in the service.
      const later = structured(await h.call(session, 'pp_get_operation', { id: task.taskId, waitSeconds: 60 }));
      assert.equal(later.state, 'succeeded');
      assert.equal((await client.experimental.tasks.getTask(task.taskId)).status, 'cancelled', 'a task that ended stays as it ended');
      const again = (await client.experimental.tasks.cancelTask(task.taskId).catch((e: unknown) => e)) as McpError;
      assert.equal(again.code, ErrorCode.InvalidParams);
    });
  });

  it('a task-augmented call that starts nothing is a task that already failed, with the tool’s answer as its result', async () => {
    await withHarness(async (h) => {
      const session = await h.connect();
      const task = await callAsTask(session, 'pp_create_environment', { displayName: 'Contoso Bad', region: 42 });
      assert.equal(task.status, 'failed');
      assert.equal(task.statusMessage, 'Invalid arguments for pp_create_environment:');
      const result: CallToolResult = await session.client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema);
      assert.equal(result.isError, true);
      assert.match(text(result), /- region: expected string, received number 42\./);
    });
  });

  it('a tool that answers at once refuses a task-augmented call with -32601', async () => {
    await withHarness(async (h) => {
      const session = await h.connect();
      const refused = (await callAsTask(session, 'pp_list_environments', {}).catch((e: unknown) => e)) as McpError;
      assert.equal(refused.code, ErrorCode.MethodNotFound);
      assert.match(refused.message, /pp_list_environments does not run as a task: it answers at once/);
    });
  });

  it('an unknown task id is an InvalidParams error, and another session of the same runtime does not see this one’s tasks', async () => {
    await withHarness(async (h) => {
      const runtime = createRuntime({
        env: { ...h.sandbox.env(), POWERAGENT_STATE_DIR: h.stateDir, POWERAGENT_POLL_INTERVAL_MS: '100' },
        sandbox: false,
        settings: {},
        logger: silentLogger,
        http: { extraCaCerts: [h.sandbox.certificatePem] },
      });
      const connect = async () => {
        const server = createMcpServer({ manifest, runtime: async () => runtime });
        const client = new Client({ name: 'test', version: '1' });
        const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
        await server.connect(serverSide);
        await client.connect(clientSide);
        return { client, stderr: () => '', close: () => client.close() };
      };
      const first = await connect();
      const second = await connect();
      try {
        const task = await callAsTask(first, 'pp_create_environment', { displayName: 'Contoso Mine' });
        const missing = (await second.client.experimental.tasks.getTask(task.taskId).catch((e: unknown) => e)) as McpError;
        assert.equal(missing.code, ErrorCode.InvalidParams);
        assert.deepEqual((await second.client.experimental.tasks.listTasks()).tasks, []);
        assert.equal(runtime.operations.get(task.taskId)?.title, 'Create environment Contoso Mine', 'the operation itself is shared');
        await first.client.experimental.tasks.getTaskResult(task.taskId, CallToolResultSchema, { timeout: 60_000 });
      } finally {
        await first.close();
        await second.close();
        await runtime.close();
      }
    });
  });
});
