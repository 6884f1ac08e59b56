import { z } from 'zod';
import { tablesOf } from '../../platform/dataverseTables';
import { confirmArgumentFor, requireConfirmation } from '../confirm';
import { resolveDataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import { operationOutput, waitAndReport, waitSecondsArgument } from '../lifecycle/operationReport';
import { environmentRef } from '../schemas';
import { DESTRUCTIVE_CLOUD, defineTool } from '../types';
import { requireSolution, solutionNameArgument } from './shared';
import { beginSolutionJob } from './solutionJob';

export const applySolutionUpgrade = defineTool({
  name: 'pp_apply_solution_upgrade',
  toolset: 'solutions',
  title: 'Apply solution upgrade',
  description:
    'Applies a staged upgrade: <name>_Upgrade replaces <name>, deleting the components and data the new version dropped. ' +
    'Destructive: the user confirms. Returns the operation.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    solution: solutionNameArgument.describe('Installed solution (not _Upgrade).'),
    confirm: confirmArgumentFor('solution name'),
    waitSeconds: waitSecondsArgument,
  }),
  output: operationOutput,
  annotations: DESTRUCTIVE_CLOUD,
  ui: { environments: { environment: { dataverse: true } }, retries: 'apply_solution_upgrade' },
  async handler(args, context) {
    const target = await resolveDataverseTarget(args.environment, context, { current: true });
    const base = await requireSolution(target, args.solution.replace(/_Upgrade$/i, ''), context);
    const holding = await tablesOf(target.dataverse).solutions.find(`${base.uniquename}_Upgrade`, context.signal);
    if (!holding) {
      throw new ToolError(
        `There is no staged upgrade of ${base.uniquename} in ${target.displayName} (no ${base.uniquename}_Upgrade). Nothing was changed.`,
        'Import the new managed version with pp_import_solution mode "holding" first, or use mode "upgrade" to import and apply at once.',
      );
    }
    await requireConfirmation(context, {
      action: 'Apply the upgrade of',
      environment: target.environment ?? undefined,
      subject: { label: 'solution', name: base.uniquename },
      consequence: `${base.uniquename} ${base.version} is replaced by ${holding.version}; components that ${holding.version} no longer has are deleted with their data.`,
      confirm: args.confirm,
    });
    const record = await beginSolutionJob(context, {
      kind: 'apply_solution_upgrade',
      title: `Apply upgrade of ${base.uniquename} ${base.version} → ${holding.version} in ${target.displayName}`,
      target,
      details: { solutionName: base.uniquename, version: holding.version },
      message: 'DeleteAndPromoteAsync',
      send: () => tablesOf(target.dataverse).solutionMessages.deleteAndPromoteAsync(base.uniquename),
    });
    return waitAndReport(context, record, args.waitSeconds);
  },
});
