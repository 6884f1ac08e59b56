import type { DataverseClient } from '../dataverse';
import { AsyncOperations } from './asyncOperations';
import { BusinessUnits } from './businessUnits';
import { CatalogItems } from './catalogItems';
import { ConnectionReferences } from './connectionReferences';
import { EntityDefinitions } from './entityDefinitions';
import { EnvironmentVariables } from './environmentVariables';
import { ImportJobs } from './importJobs';
import { Organizations, OrgSettings } from './organizations';
import { Roles } from './roles';
import { SolutionMessages } from './solutionMessages';
import { Solutions } from './solutions';
import { SystemUsers } from './systemUsers';
import { Teams } from './teams';

/** The Dataverse tables and messages the tools use, as typed methods: no caller writes OData query text. */
export interface DataverseTables {
  asyncOperations: AsyncOperations;
  businessUnits: BusinessUnits;
  catalogItems: CatalogItems;
  connectionReferences: ConnectionReferences;
  entityDefinitions: EntityDefinitions;
  environmentVariables: EnvironmentVariables;
  importJobs: ImportJobs;
  organizations: Organizations;
  orgSettings: OrgSettings;
  roles: Roles;
  solutions: Solutions;
  solutionMessages: SolutionMessages;
  systemUsers: SystemUsers;
  teams: Teams;
}

/** The typed tables of one org, on its client (cheap: nothing is read until a method is called). */
export function tablesOf(dv: DataverseClient): DataverseTables {
  return {
    asyncOperations: new AsyncOperations(dv),
    businessUnits: new BusinessUnits(dv),
    catalogItems: new CatalogItems(dv),
    connectionReferences: new ConnectionReferences(dv),
    entityDefinitions: new EntityDefinitions(dv),
    environmentVariables: new EnvironmentVariables(dv),
    importJobs: new ImportJobs(dv),
    organizations: new Organizations(dv),
    orgSettings: new OrgSettings(dv),
    roles: new Roles(dv),
    solutions: new Solutions(dv),
    solutionMessages: new SolutionMessages(dv),
    systemUsers: new SystemUsers(dv),
    teams: new Teams(dv),
  };
}
