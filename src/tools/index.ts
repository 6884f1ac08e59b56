import { getEnvironment, listEnvironments } from './environments';
import { backupEnvironment, listBackups } from './lifecycle/backups';
import { copyEnvironment } from './lifecycle/copyEnvironment';
import { createEnvironment } from './lifecycle/createEnvironment';
import { deleteEnvironment } from './lifecycle/deleteEnvironment';
import { getOperation, listOperations } from './lifecycle/operations';
import { resetEnvironment } from './lifecycle/resetEnvironment';
import { restoreEnvironment } from './lifecycle/restoreEnvironment';
import { addSolutionComponent } from './solutions/addSolutionComponent';
import { applySolutionUpgrade } from './solutions/applySolutionUpgrade';
import { deleteSolution } from './solutions/deleteSolution';
import { exportSolution } from './solutions/exportSolution';
import { importSolution } from './solutions/importSolution';
import { listSolutions } from './solutions/listSolutions';
import { packSolutionTool, unpackSolutionTool } from './solutions/packaging';
import { publishCustomizations } from './solutions/publishCustomizations';
import { setConnectionVariables } from './solutions/setConnectionVariables';
import { setSolutionVersion } from './solutions/setSolutionVersion';
import { solutionChecker } from './solutions/solutionChecker';
import type { AnyToolDefinition } from './types';
import { whoAmI } from './whoami';
import { setGovernanceConfig } from './governance/setGovernanceConfig';
import { updateOrgSettings } from './governance/updateOrgSettings';
import { deployPackage } from './applications/deployPackage';
import { catalogStatus, installCatalog, submitCatalog } from './catalog/catalogTools';
import { exportData } from './data/exportData';
import { downloadPortal, uploadPortal } from './portal/portalTools';
import { importData } from './data/importData';
import { installApplication } from './applications/installApplication';
import { assignGroup } from './security/assignGroup';
import { assignUser } from './security/assignUser';
import { doctor } from './doctor';
import { serverStatus } from './serverStatus';

/** Every tool the product offers, declared once, in the order tools/list shows them. Servers, LM tools and commands derive from it. */
export const allTools: readonly AnyToolDefinition[] = [
  whoAmI,
  doctor,
  serverStatus,
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
  listSolutions,
  exportSolution,
  importSolution,
  unpackSolutionTool,
  packSolutionTool,
  setSolutionVersion,
  addSolutionComponent,
  applySolutionUpgrade,
  deleteSolution,
  publishCustomizations,
  setConnectionVariables,
  solutionChecker,
  setGovernanceConfig,
  updateOrgSettings,
  assignUser,
  assignGroup,
  installApplication,
  deployPackage,
  exportData,
  importData,
  downloadPortal,
  uploadPortal,
  submitCatalog,
  installCatalog,
  catalogStatus,
];
