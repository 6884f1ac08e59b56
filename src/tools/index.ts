import { getEnvironment, listEnvironments } from './environments';
import { backupEnvironment, listBackups } from './lifecycle/backups';
import { copyEnvironment } from './lifecycle/copyEnvironment';
import { createEnvironment } from './lifecycle/createEnvironment';
import { deleteEnvironment } from './lifecycle/deleteEnvironment';
import { getOperation, listOperations } from './lifecycle/operations';
import { resetEnvironment } from './lifecycle/resetEnvironment';
import { restoreEnvironment } from './lifecycle/restoreEnvironment';
import { packSolutionTool, unpackSolutionTool } from './solutions/packaging';
import type { AnyToolDefinition } from './types';
import { whoAmI } from './whoami';

/** The catalog: every tool the product offers, declared once, in the order tools/list shows them. Servers, LM tools and commands derive from it. */
export const catalog: readonly AnyToolDefinition[] = [
  whoAmI,
  listEnvironments,
  getEnvironment,
  createEnvironment,
  deleteEnvironment,
  backupEnvironment,
  listBackups,
  restoreEnvironment,
  copyEnvironment,
  resetEnvironment,
  getOperation,
  listOperations,
  unpackSolutionTool,
  packSolutionTool,
];
