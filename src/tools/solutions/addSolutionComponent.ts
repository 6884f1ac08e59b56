import { z } from 'zod';
import type { DataverseClient } from '../../platform/dataverse';
import { tablesOf } from '../../platform/dataverseTables';
import { GUID } from '../../platform/odata';
import { resolveDataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import { environmentRef } from '../schemas';
import { IDEMPOTENT_CLOUD, defineTool } from '../types';
import { requireSolution, solutionNameArgument } from './shared';

/** solutioncomponent.componenttype codes by the names people use (docs/service-notes.md#solutions-in-dataverse). */
export const COMPONENT_TYPES: Record<string, number> = {
  entity: 1,
  table: 1,
  attribute: 2,
  column: 2,
  relationship: 10,
  optionset: 9,
  choice: 9,
  role: 20,
  securityrole: 20,
  savedquery: 26,
  view: 26,
  workflow: 29,
  flow: 29,
  process: 29,
  emailtemplate: 36,
  ribbon: 50,
  systemform: 60,
  form: 60,
  webresource: 61,
  sitemap: 62,
  pluginassembly: 91,
  sdkmessageprocessingstep: 92,
  appmodule: 80,
  modeldrivenapp: 80,
  canvasapp: 300,
  environmentvariabledefinition: 380,
  environmentvariable: 380,
};

export const addSolutionComponent = defineTool({
  name: 'pp_add_solution_component',
  toolset: 'solutions',
  title: 'Add component to solution',
  description:
    'Adds an existing component (table, column, form, view, flow, web resource, app, role, ...) to an unmanaged solution. ' +
    'Already there: no change.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    solution: solutionNameArgument,
    componentType: z
      .union([z.number().int().min(1).max(100_000), z.string().trim().min(1).max(60)])
      .describe('Type name (table, column, form, view, flow, webresource, role, …) or number.'),
    component: z.string().trim().min(1).max(200).describe("Component id, or a table's logical name."),
    addRequiredComponents: z.boolean().default(false).describe('Also add the components it needs.'),
    includeSubcomponents: z.boolean().default(true).describe('Table: with its columns, forms and views.'),
  }),
  output: z.object({
    solution: z.string(),
    componentType: z.number(),
    componentId: z.string(),
    solutionComponentId: z.string().nullable(),
  }),
  annotations: IDEMPOTENT_CLOUD,
  ui: { environments: { environment: { dataverse: true } } },
  async handler(args, context) {
    const type =
      typeof args.componentType === 'number'
        ? args.componentType
        : COMPONENT_TYPES[args.componentType.toLowerCase().replace(/[\s_-]/g, '')];
    if (type === undefined) {
      throw new ToolError(
        `componentType: "${args.componentType}" is not a component type this tool knows. Nothing was changed.`,
        `Use one of ${Object.keys(COMPONENT_TYPES).join(', ')}, or the type number.`,
      );
    }
    const target = await resolveDataverseTarget(args.environment, context);
    const solution = await requireSolution(target, args.solution, context);
    if (solution.ismanaged)
      throw new ToolError(
        `${solution.uniquename} is managed in ${target.displayName}; components are added to unmanaged solutions only. Nothing was changed.`,
      );
    const componentId = await componentIdOf(args.component, type, target.dataverse, context.signal);
    const solutionComponentId = await tablesOf(target.dataverse).solutions.addComponent(
      {
        componentId,
        componentType: type,
        solutionUniqueName: solution.uniquename,
        addRequiredComponents: args.addRequiredComponents,
        includeSubcomponents: args.includeSubcomponents,
      },
      context.signal,
    );
    // The solution's modifiedon moved: its kept row is out of date.
    context.solutionLists.drop({ url: target.url });
    return {
      result: { solution: solution.uniquename, componentType: type, componentId, solutionComponentId: solutionComponentId ?? null },
      summary: `Added component ${args.component} (type ${type}) to ${solution.uniquename} in ${target.displayName}.`,
    };
  },
});

async function componentIdOf(component: string, type: number, dataverse: DataverseClient, signal: AbortSignal): Promise<string> {
  const bare = component.replace(/^\{|\}$/g, '');
  if (GUID.test(bare)) return bare.toLowerCase();
  if (type !== 1)
    throw new ToolError(
      `component: "${component}" is not a GUID. Only tables can be named (by logical name); give other components by id. Nothing was changed.`,
    );
  if (!/^[a-z_][a-z0-9_]*$/i.test(component))
    throw new ToolError(`component: "${component}" is not a table logical name. Nothing was changed.`);
  const metadataId = await tablesOf(dataverse).entityDefinitions.metadataId(component.toLowerCase(), signal);
  if (metadataId) return metadataId;
  throw new ToolError(
    `component: no table named "${component}" exists in this environment. Nothing was changed.`,
    "Use the table's logical name (lower case, with its publisher prefix), such as contoso_project.",
  );
}
