import type { EnvironmentSummary } from '../platform/environment';
import type { EnvironmentUi } from '../tools/types';
import { regionName } from './format';

export interface EnvironmentChoice {
  label: string;
  description: string;
  detail: string;
  /** The environment id, passed to the tool. */
  value: string;
  environment: EnvironmentSummary;
}

export interface EnvironmentChoices {
  items: EnvironmentChoice[];
  /** The item to pre-select: the first of `preferred` that is offered, else the first item. */
  active?: EnvironmentChoice;
  /** Why the list is empty, or undefined when it is not. */
  empty?: string;
}

/** True when the environment can run a tool whose environment argument needs `need`. */
export function canRun(env: EnvironmentSummary, need: EnvironmentUi | undefined): boolean {
  if (!need) return true;
  if (need.dataverse && !env.hasDataverse) return false;
  if (need.types && !need.types.includes(env.type)) return false;
  if (need.notDefault && env.isDefault) return false;
  return true;
}

/** "Sandbox environments with a Dataverse database, other than the default environment". */
export function describeNeed(need: EnvironmentUi | undefined): string {
  const kinds = need?.types?.length ? `${need.types.join(' or ')} environments` : 'environments';
  const parts = [kinds];
  if (need?.dataverse) parts.push('with a Dataverse database');
  if (need?.notDefault) parts.push('other than the default environment');
  return parts.join(' ');
}

/** Does `ref` (an id, display name, domain name or URL) name this environment? */
export function matchesEnvironment(env: EnvironmentSummary, ref: string | undefined): boolean {
  const wanted = ref?.trim().toLowerCase().replace(/\/+$/, '');
  if (!wanted) return false;
  return [env.id, env.displayName, env.domainName, env.url].some((candidate) => candidate?.toLowerCase().replace(/\/+$/, '') === wanted);
}

/**
 * The environments a picker offers for one argument: only those that can run the tool, named by
 * display name with type and region, the default environment marked; `preferred` (the value chosen
 * before, the other side of a restore, the default environment) decides which one is pre-selected;
 * `exclude` leaves one out (the source of a copy cannot be its target).
 */
export function environmentChoices(
  environments: readonly EnvironmentSummary[],
  need: EnvironmentUi | undefined,
  options: { preferred: ReadonlyArray<string | undefined>; defaultEnvironment?: string; exclude?: string },
): EnvironmentChoices {
  const { preferred, defaultEnvironment, exclude } = options;
  const items = environments
    .filter((env) => canRun(env, need) && !matchesEnvironment(env, exclude))
    .map((env) => ({
      label: env.displayName,
      description: [env.type, regionName(env.region), ...(matchesEnvironment(env, defaultEnvironment) ? ['default'] : [])].join(' · '),
      detail: env.url ?? 'No Dataverse database',
      value: env.id,
      environment: env,
    }));
  if (!items.length) {
    return {
      items,
      empty: environments.length
        ? `None of the ${environments.length} environment(s) can run this: it needs ${describeNeed(need)}.`
        : 'No environments are visible to this sign-in.',
    };
  }
  const active = preferred.map((ref) => items.find((item) => matchesEnvironment(item.environment, ref))).find(Boolean) ?? items[0];
  return { items, active };
}
