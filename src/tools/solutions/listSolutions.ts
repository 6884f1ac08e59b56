import { z } from 'zod';
import { solutionSummary } from '../../platform/dataverseTables/solutions';
import { resolveDataverseTarget } from '../dataverseTarget';
import { environmentRef } from '../schemas';
import { READ_ONLY_CLOUD, defineTool } from '../types';
import { cloudSolution } from './shared';

export const listSolutions = defineTool({
  name: 'pp_list_solutions',
  toolset: 'solutions',
  title: 'List solutions',
  description:
    "Lists an environment's installed solutions: unique and display name, version, managed, publisher, dates; newest first. " +
    'Reads only.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    managed: z.boolean().optional().describe('Only managed (true) or unmanaged (false).'),
    nameContains: z.string().trim().min(1).max(100).optional().describe('Text in the unique or display name.'),
    includeHidden: z.boolean().default(false).describe('Include hidden system solutions.'),
  }),
  output: z.object({ environmentId: z.string().nullable(), environmentName: z.string(), solutions: z.array(cloudSolution) }),
  annotations: READ_ONLY_CLOUD,
  ui: { environments: { environment: { dataverse: true } } },
  async handler(args, context) {
    const target = await resolveDataverseTarget(args.environment, context);
    const text = args.nameContains?.toLowerCase();
    // Always read anew, which also renews the org's kept list.
    const solutions = (await context.solutionLists.refresh(target.dataverse, target.environmentId, context.signal))
      .filter((s) => args.includeHidden || s.isvisible)
      .map(solutionSummary)
      .filter((s) => args.managed === undefined || s.managed === args.managed)
      .filter((s) => !text || s.uniqueName.toLowerCase().includes(text) || s.displayName.toLowerCase().includes(text));
    const lines = solutions.map(
      (s) =>
        `- ${s.uniqueName} ${s.version} (${s.managed ? 'managed' : 'unmanaged'}${s.publisher ? `, ${s.publisher}` : ''})${s.displayName !== s.uniqueName ? `: ${s.displayName}` : ''}`,
    );
    return {
      result: { environmentId: target.environmentId, environmentName: target.displayName, solutions },
      summary: solutions.length
        ? `${solutions.length} solution(s) in ${target.displayName}:\n${lines.join('\n')}`
        : `No solutions match in ${target.displayName}.`,
    };
  },
});
