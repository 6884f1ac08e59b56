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
    limit: z.number().int().min(1).max(1000).default(100).describe('Most to return.'),
  }),
  output: z.object({
    environmentId: z.string().nullable(),
    environmentName: z.string(),
    solutions: z.array(cloudSolution),
    matched: z.number().int().describe('How many solutions matched the filters.'),
    truncated: z.boolean().describe('True when more solutions matched than `limit`.'),
  }),
  annotations: READ_ONLY_CLOUD,
  ui: { environments: { environment: { dataverse: true } } },
  async handler(args, context) {
    const target = await resolveDataverseTarget(args.environment, context);
    const text = args.nameContains?.toLowerCase();
    // Always read anew, which also renews the org's kept list.
    const matching = (await context.solutionLists.refresh(target.dataverse, target.environmentId, context.signal))
      .filter((s) => args.includeHidden || s.isvisible)
      .map(solutionSummary)
      .filter((s) => args.managed === undefined || s.managed === args.managed)
      .filter((s) => !text || s.uniqueName.toLowerCase().includes(text) || s.displayName.toLowerCase().includes(text));
    const solutions = matching.slice(0, args.limit);
    const lines = solutions.map(
      (s) =>
        `- ${s.uniqueName} ${s.version} (${s.managed ? 'managed' : 'unmanaged'}${s.publisher ? `, ${s.publisher}` : ''})${s.displayName !== s.uniqueName ? `: ${s.displayName}` : ''}`,
    );
    return {
      result: {
        environmentId: target.environmentId,
        environmentName: target.displayName,
        solutions,
        matched: matching.length,
        truncated: matching.length > solutions.length,
      },
      summary: solutions.length
        ? `${matching.length} solution(s) in ${target.displayName}:\n${lines.join('\n')}${more(matching.length - solutions.length)}`
        : `No solutions match in ${target.displayName}.`,
    };
  },
});

function more(left: number): string {
  return left > 0 ? `\n… and ${left} more (raise \`limit\`, or narrow with \`nameContains\`).` : '';
}
