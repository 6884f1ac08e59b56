import type { EnvironmentDirectory } from '../platform/environmentDirectory';
import type { SolutionCache } from '../platform/solutionCache';
import { isTerminal, type OperationKind, type OperationRecord } from './record';
import type { OperationTracker } from './tracker';

export interface Caches {
  environments: EnvironmentDirectory;
  solutionLists: SolutionCache;
}

/** Operations that change an environment's record (its name, state, settings) or remove it. */
const CHANGES_ENVIRONMENT: ReadonlySet<OperationKind> = new Set([
  'create_environment',
  'delete_environment',
  'restore_environment',
  'copy_environment',
  'reset_environment',
  'set_governance',
]);
/** Operations that change which solutions an org has, or their versions. */
const CHANGES_SOLUTIONS: ReadonlySet<OperationKind> = new Set([
  'import_solution',
  'apply_solution_upgrade',
  'delete_solution',
  'install_application',
  'catalog_install',
  'delete_environment',
  'restore_environment',
  'copy_environment',
  'reset_environment',
]);

const followed = new WeakMap<OperationTracker, WeakSet<Caches>>();

/** Keeps the caches in step with the operations this tracker runs; does nothing when it already does. */
export function keepCachesCurrent(operations: OperationTracker, caches: Caches): void {
  let known = followed.get(operations);
  if (!known) followed.set(operations, (known = new WeakSet()));
  if (known.has(caches)) return;
  known.add(caches);
  operations.onDidChange((record) => applyOperation(record, caches));
}

/**
 * What an operation of ours changed, applied to the caches once it ends (or we lose track of it): its
 * environment is read again by id (or forgotten when deleted), and its org's solution list dropped.
 * Lists read while it ran may show the state before, so nothing is done before the end.
 */
export function applyOperation(record: OperationRecord, caches: Caches): void {
  if (!isTerminal(record.state) && record.state !== 'unknown') return;
  const id = record.environment.id;
  if (CHANGES_ENVIRONMENT.has(record.kind)) {
    if (!id) caches.environments.forget();
    else if (record.kind === 'delete_environment' && record.state === 'succeeded') caches.environments.remove(id);
    else caches.environments.reload(id);
  }
  if (CHANGES_SOLUTIONS.has(record.kind)) {
    // A catalog install's instanceUrl is the catalog's org, not the one installed into.
    const url = record.kind === 'catalog_install' ? undefined : (record.details?.instanceUrl as string | undefined);
    caches.solutionLists.drop(id || url ? { environmentId: id, url } : {});
  }
}
