import { z } from 'zod';
import type { SolutionRow } from '../../platform/dataverseTables/solutions';
import { cacheLifetimeMs } from '../../cacheLifetime';
import type { DataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import type { ToolContext } from '../types';

export const solutionNameArgument = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_]+$/, 'a solution unique name has only letters, digits and underscores')
  .describe('Solution unique name (not display name).');

export const cloudSolution = z.object({
  id: z.string(),
  uniqueName: z.string(),
  displayName: z.string(),
  version: z.string(),
  managed: z.boolean(),
  publisher: z.string().nullable(),
  prefix: z.string().nullable().describe("The publisher's customization prefix."),
  installedOn: z.string().nullable(),
  modifiedOn: z.string().nullable(),
  description: z.string().nullable(),
});

/**
 * A solution by unique name, or an error that lists the close matches. Looked up in the org's solutions
 * as last read (kept for `environmentCacheSeconds`), and in a fresh list when the kept one does not have
 * it; `fresh` reads anew in any case, for tools that decide on the solution's present version.
 */
export async function requireSolution(
  target: DataverseTarget,
  uniqueName: string,
  context: ToolContext,
  options: { fresh?: boolean } = {},
): Promise<SolutionRow> {
  const maxAgeMs = options.fresh ? 0 : cacheLifetimeMs(context.settings.environmentCacheSeconds);
  const { row, rows } = await context.solutionLists.find(target.dataverse, target.environmentId, uniqueName, maxAgeMs, context.signal);
  if (row) return row;
  const all = rows.filter((s) => s.isvisible);
  const near = all.filter(
    (s) => s.uniquename.toLowerCase().includes(uniqueName.toLowerCase()) || s.friendlyname.toLowerCase() === uniqueName.toLowerCase(),
  );
  const suggestions = (near.length ? near : all).slice(0, 8).map((s) => s.uniquename);
  throw new ToolError(
    `No solution with unique name "${uniqueName}" is installed in ${target.displayName}. Nothing was changed.`,
    suggestions.length
      ? `Installed solutions include: ${suggestions.join(', ')}. pp_list_solutions lists them all.`
      : 'pp_list_solutions lists the installed solutions.',
  );
}
