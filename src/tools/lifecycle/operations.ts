import { z } from 'zod';
import { OPERATION_STATES, describeOperation, isTerminal } from '../../operations/record';
import { ToolError } from '../errors';
import { READ_ONLY_CLOUD, defineTool } from '../types';
import { fileLinks, operationOutput, summarize, toOperationOutput, waitAndReport } from './operationReport';

export const getOperation = defineTool({
  name: 'pp_get_operation',
  toolset: 'diagnostics',
  title: 'Get operation',
  description:
    'Reports an operation a tool of this server started: state, stage, then result or error. ' +
    'Waits up to waitSeconds for the end, so one call replaces polling.',
  input: z.strictObject({
    id: z.string().trim().min(1).max(100).describe('Operation id a tool returned.'),
    waitSeconds: z.number().int().min(0).max(600).default(30).describe('Seconds to wait for the end; 0 answers at once.'),
  }),
  output: operationOutput,
  annotations: READ_ONLY_CLOUD,
  async handler(args, context) {
    const record = context.operations.refresh(args.id);
    if (!record) {
      const recent = context.operations
        .list()
        .slice(0, 5)
        .map((op) => `${op.id} (${op.title})`)
        .join(', ');
      throw new ToolError(
        `No operation with id ${args.id} is known to this server.`,
        recent ? `Recent operations: ${recent}. pp_list_operations lists them all.` : 'pp_list_operations lists the known operations.',
      );
    }
    if (isTerminal(record.state) || args.waitSeconds === 0)
      return {
        result: toOperationOutput(record),
        summary: summarize(record, 'now'),
        failed: record.state === 'failed',
        links: fileLinks(record),
      };
    return waitAndReport(context, record, args.waitSeconds);
  },
});

export const listOperations = defineTool({
  name: 'pp_list_operations',
  toolset: 'diagnostics',
  title: 'List operations',
  description:
    'Lists the operations this server started or followed, newest first, with state and stage; filter by state or environment. ' +
    'Reads only.',
  input: z.strictObject({
    state: z
      .enum(['active', ...OPERATION_STATES] as [string, ...string[]])
      .optional()
      .describe('active (not ended) or one state.'),
    environment: z.string().trim().min(1).max(200).optional().describe('Environment id or display name.'),
    limit: z.number().int().min(1).max(200).default(20).describe('Most to return.'),
  }),
  output: z.object({ operations: z.array(operationOutput), matched: z.number().int() }),
  annotations: READ_ONLY_CLOUD,
  handler(args, context) {
    const env = args.environment?.toLowerCase();
    const matching = context.operations.list().filter((op) => {
      if (args.state === 'active' ? isTerminal(op.state) : args.state && op.state !== args.state) return false;
      if (
        env &&
        ![op.environment.id, op.environment.displayName, op.source?.id, op.source?.displayName].some((v) => v?.toLowerCase() === env)
      )
        return false;
      return true;
    });
    const shown = matching.slice(0, args.limit);
    return Promise.resolve({
      result: { operations: shown.map(toOperationOutput), matched: matching.length },
      summary: shown.length
        ? `${matching.length} operation(s):\n${shown.map((op) => `- ${op.id} ${describeOperation(op)}`).join('\n')}`
        : 'No operations match.',
    });
  },
});
