import { z } from 'zod';
import { tablesOf } from '../../platform/dataverseTables';
import { solutionSummary } from '../../platform/dataverseTables/solutions';
import { compareVersions } from '../../solutions/solutionManifest';
import { resolveDataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import { environmentRef } from '../schemas';
import { IDEMPOTENT_CLOUD, defineTool } from '../types';
import { cloudSolution, requireSolution, solutionNameArgument } from './shared';

export const setSolutionVersion = defineTool({
  name: 'pp_set_solution_version',
  toolset: 'solutions',
  title: 'Set solution version',
  description: 'Sets the version of an unmanaged solution in an environment (pac solution online-version), before exporting a release.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    solution: solutionNameArgument,
    version: z
      .string()
      .trim()
      .regex(/^\d{1,9}\.\d{1,9}(\.\d{1,9}){0,2}$/, 'use major.minor[.build[.revision]], numbers only, such as 1.2.0.0')
      .describe('New version, such as 1.2.0.0.'),
  }),
  output: z.object({ previousVersion: z.string(), solution: cloudSolution }),
  annotations: IDEMPOTENT_CLOUD,
  ui: { environments: { environment: { dataverse: true } } },
  async handler(args, context) {
    const target = await resolveDataverseTarget(args.environment, context);
    const before = await requireSolution(target, args.solution, context, { fresh: true });
    if (before.ismanaged) {
      throw new ToolError(
        `${before.uniquename} is managed in ${target.displayName}; a managed solution's version comes from the solution imported. Nothing was changed.`,
        'Set the version in the development environment, export and import again.',
      );
    }
    if (compareVersions(args.version, before.version) < 0)
      context.notify(
        `The new version ${args.version} of ${before.uniquename} is lower than ${before.version}; environments with ${before.version} installed will refuse it as a downgrade.`,
      );
    await tablesOf(target.dataverse).solutions.setVersion(before.solutionid, args.version, context.signal);
    context.solutionLists.drop({ url: target.url });
    const after = await requireSolution(target, args.solution, context, { fresh: true });
    return {
      result: { previousVersion: before.version, solution: solutionSummary(after) },
      summary: `${after.uniquename} in ${target.displayName}: version ${before.version} → ${after.version}.`,
    };
  },
});
