import { z } from 'zod';
import { findSolutionRow, listSolutionRows, type SolutionRow } from '../../platform/solutions';
import type { DataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import type { ToolContext } from '../types';

export const solutionNameArgument = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[A-Za-z0-9_]+$/, 'a solution unique name has only letters, digits and underscores')
  .describe('The solution\'s unique name (not its display name), as pp_list_solutions shows it.');

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

/** A solution by unique name, or an error that lists the close matches. */
export async function requireSolution(target: DataverseTarget, uniqueName: string, context: ToolContext): Promise<SolutionRow> {
  const row = await findSolutionRow(target.dataverse, uniqueName, context.signal);
  if (row) return row;
  const all = await listSolutionRows(target.dataverse, { includeHidden: false, signal: context.signal });
  const near = all.filter((s) => s.uniquename.toLowerCase().includes(uniqueName.toLowerCase()) || s.friendlyname.toLowerCase() === uniqueName.toLowerCase());
  const suggestions = (near.length ? near : all).slice(0, 8).map((s) => s.uniquename);
  throw new ToolError(
    `No solution with unique name "${uniqueName}" is installed in ${target.displayName}. Nothing was changed.`,
    suggestions.length ? `Installed solutions include: ${suggestions.join(', ')}. pp_list_solutions lists them all.` : 'pp_list_solutions lists the installed solutions.',
  );
}

