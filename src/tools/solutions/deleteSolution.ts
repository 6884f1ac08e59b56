import { z } from 'zod';
import { confirmArgumentFor, requireConfirmation } from '../confirm';
import { tablesOf } from '../../platform/dataverseTables';
import { resolveDataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import { operationOutput, waitAndReport, waitSecondsArgument } from '../lifecycle/operationReport';
import { environmentRef } from '../schemas';
import { DESTRUCTIVE_CLOUD, defineTool } from '../types';
import { requireSolution, solutionNameArgument } from './shared';
import { beginSolutionJob } from './solutionJob';

const SYSTEM_SOLUTIONS = new Set(['default', 'system', 'active', 'basic']);

export const deleteSolution = defineTool({
  name: 'pp_delete_solution',
  toolset: 'solutions',
  title: 'Delete solution',
  description:
    'Uninstalls a solution: managed, with its components and data; unmanaged, only the container. Destructive: ' +
    'the user confirms. Returns the operation.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    solution: solutionNameArgument,
    confirm: confirmArgumentFor('solution name'),
    waitSeconds: waitSecondsArgument,
  }),
  output: operationOutput,
  annotations: DESTRUCTIVE_CLOUD,
  ui: { environments: { environment: { dataverse: true } }, retries: 'delete_solution' },
  async handler(args, context) {
    const target = await resolveDataverseTarget(args.environment, context, { current: true });
    const solution = await requireSolution(target, args.solution, context);
    if (SYSTEM_SOLUTIONS.has(solution.uniquename.toLowerCase()))
      throw new ToolError(`${solution.uniquename} is a system solution and cannot be deleted. Nothing was changed.`);
    await requireConfirmation(context, {
      action: 'Delete',
      environment: target.environment ?? undefined,
      subject: { label: 'solution', name: solution.uniquename },
      consequence: solution.ismanaged
        ? `${solution.uniquename} ${solution.version} is managed: its tables, columns, flows and apps are removed, with their data.`
        : `${solution.uniquename} is unmanaged: the solution goes, its components stay in the environment.`,
      confirm: args.confirm,
    });
    const record = await beginSolutionJob(context, {
      kind: 'delete_solution',
      title: `Delete solution ${solution.uniquename} ${solution.version} from ${target.displayName}`,
      target,
      details: { solutionName: solution.uniquename, version: solution.version },
      message: 'UninstallSolutionAsync',
      send: () => tablesOf(target.dataverse).solutionMessages.uninstallAsync(solution.uniquename),
    });
    return waitAndReport(context, record, args.waitSeconds);
  },
});
