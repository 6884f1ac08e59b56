import type { SolutionSummary } from '../platform/dataverseTables/solutions';
import type { EnvironmentSummary } from '../platform/environment';

/** A solution as pp_list_solutions returns it. */
export type { SolutionSummary } from '../platform/dataverseTables/solutions';

/** What the Environments view shows; its context menus pass these to the commands. */
export type EnvironmentsNode =
  | { kind: 'environment'; env: EnvironmentSummary }
  | { kind: 'solution'; env: EnvironmentSummary; solution: SolutionSummary }
  | { kind: 'message'; text: string; tooltip?: string; command?: string };

/**
 * The arguments a tool command starts with when run from a view item: an environment fills the
 * source of a copy (what is copied), else the environment; a solution fills its environment and name.
 */
export function presetFromNode(
  node: EnvironmentsNode,
  properties: Record<string, unknown>,
  required: readonly string[],
): Record<string, unknown> {
  if (node.kind === 'message') return {};
  const preset: Record<string, unknown> = {};
  if ('source' in properties && required.includes('source') && node.kind === 'environment') preset.source = node.env.id;
  else if ('environment' in properties) preset.environment = node.env.id;
  if (node.kind === 'solution' && 'solution' in properties) preset.solution = node.solution.uniqueName;
  return preset;
}

export function isEnvironmentsNode(value: unknown): value is EnvironmentsNode {
  return (
    typeof value === 'object' && value !== null && ['environment', 'solution', 'message'].includes((value as { kind?: string }).kind ?? '')
  );
}
