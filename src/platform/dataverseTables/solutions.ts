import type { DataverseClient } from '../dataverse';
import { eq } from '../odata';
import { allRows, firstRow } from './query';

/** The columns of a `solutions` row the tools read (docs/service-notes.md#solutions-in-dataverse). */
const SOLUTION_COLUMNS = [
  'solutionid',
  'uniquename',
  'friendlyname',
  'version',
  'ismanaged',
  'isvisible',
  'installedon',
  'modifiedon',
  'description',
  '_publisherid_value',
];

export interface SolutionRow {
  solutionid: string;
  uniquename: string;
  friendlyname: string;
  version: string;
  ismanaged: boolean;
  isvisible: boolean;
  installedon?: string | null;
  modifiedon?: string | null;
  description?: string | null;
  publisherid?: { uniquename?: string; customizationprefix?: string } | null;
}

export interface SolutionSummary {
  id: string;
  uniqueName: string;
  displayName: string;
  version: string;
  managed: boolean;
  publisher: string | null;
  prefix: string | null;
  installedOn: string | null;
  modifiedOn: string | null;
  description: string | null;
}

export function solutionSummary(row: SolutionRow): SolutionSummary {
  return {
    id: row.solutionid,
    uniqueName: row.uniquename,
    displayName: row.friendlyname,
    version: row.version,
    managed: row.ismanaged,
    publisher: row.publisherid?.uniquename ?? null,
    prefix: row.publisherid?.customizationprefix ?? null,
    installedOn: row.installedon ?? null,
    modifiedOn: row.modifiedon ?? null,
    description: row.description ?? null,
  };
}

const LIST = {
  select: SOLUTION_COLUMNS,
  expand: { publisherid: ['uniquename', 'customizationprefix'] },
};

/** The parameters of AddSolutionComponent. */
export interface NewSolutionComponent {
  componentId: string;
  componentType: number;
  solutionUniqueName: string;
  addRequiredComponents: boolean;
  includeSubcomponents: boolean;
}

export class Solutions {
  constructor(private readonly dv: DataverseClient) {}

  /** Every solution of an org, newest first, or only the visible ones (hidden system solutions such as Active are left out). */
  async list(options: { includeHidden: boolean }, signal?: AbortSignal): Promise<SolutionRow[]> {
    const where = options.includeHidden ? [] : [eq('isvisible', true)];
    return await allRows(this.dv, 'solutions', { ...LIST, where, orderBy: 'createdon desc' }, signal);
  }

  /** One solution by unique name, or undefined. */
  async find(uniqueName: string, signal?: AbortSignal): Promise<SolutionRow | undefined> {
    return await firstRow(this.dv, 'solutions', { ...LIST, where: [eq('uniquename', uniqueName)] }, signal);
  }

  async setVersion(solutionId: string, version: string, signal?: AbortSignal): Promise<void> {
    return await this.dv.update('solutions', solutionId, { version }, signal);
  }

  /** Adds an existing component to an unmanaged solution; answers the solutioncomponent id when the service gives it. */
  async addComponent(component: NewSolutionComponent, signal?: AbortSignal): Promise<string | undefined> {
    const response = await this.dv.action<{ id?: string }>(
      'AddSolutionComponent',
      {
        ComponentId: component.componentId,
        ComponentType: component.componentType,
        SolutionUniqueName: component.solutionUniqueName,
        AddRequiredComponents: component.addRequiredComponents,
        DoNotIncludeSubcomponents: !component.includeSubcomponents,
        IncludedComponentSettingsValues: null,
      },
      // Adding what is already there changes nothing, so a lost answer may be asked again.
      { signal, idempotent: true },
    );
    return response.body?.id;
  }
}
