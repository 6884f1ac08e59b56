import { entities } from './entities';
import { filePerElement, singleFile } from './files';
import { canvasApps, connectors, customControls, pluginAssemblies, webResources, workflows } from './payloads';
import { relationships } from './relationships';
import { reports } from './reports';
import { templates } from './templates';
import type { ComponentKind } from './types';

export type { ComponentKind, JoinContext, SplitContext } from './types';
export { fileNameOf } from './types';

const byFormId = (folder: string, container = folder) => filePerElement({ container, folder, key: (doc, e) => doc.childText(e, 'FormId') });

/**
 * The kinds SolutionPackager splits into files, by container name. Containers not listed stay inline
 * in Other/Customizations.xml (connection references, languages, image configurations, AI models…).
 */
export const COMPONENT_KINDS: ComponentKind[] = [
  entities,
  relationships,
  workflows,
  webResources,
  canvasApps,
  pluginAssemblies,
  customControls,
  connectors,
  reports,
  templates,
  byFormId('Dashboards'),
  byFormId('InteractionCentricDashboards'),
  byFormId('Dialogs'),
  filePerElement({
    container: 'EntityDataSources',
    folder: 'EntityDataSources',
    key: (doc, e) => doc.attr(e, 'EntityDataSourceId') ?? doc.childText(e, 'Name'),
  }),
  filePerElement({ container: 'EnvironmentVariables', folder: 'EnvironmentVariables', key: (doc, e) => doc.childText(e, 'SchemaName') }),
  filePerElement({
    container: 'SdkMessageProcessingSteps',
    folder: 'SdkMessageProcessingSteps',
    key: (doc, e) => doc.attr(e, 'SdkMessageProcessingStepId') ?? '',
  }),
  filePerElement({ container: 'Roles', folder: 'Roles', key: (doc, e) => doc.attr(e, 'name') ?? doc.attr(e, 'id') ?? '' }),
  filePerElement({ container: 'optionsets', folder: 'OptionSets', key: (doc, e) => doc.attr(e, 'Name') ?? '' }),
  filePerElement({
    container: 'AppModules',
    folder: 'AppModules',
    key: (doc, e) => doc.childText(e, 'UniqueName'),
    twin: true,
    fileInFolder: 'AppModule.xml',
    xsi: false,
  }),
  filePerElement({
    container: 'AppModuleSiteMaps',
    folder: 'AppModuleSiteMaps',
    key: (doc, e) => doc.childText(e, 'SiteMapUniqueName'),
    twin: true,
    fileInFolder: 'AppModuleSiteMap.xml',
  }),
  singleFile('SiteMap', 'Other/SiteMap.xml', true),
  singleFile('EntityMaps', 'Other/EntityMaps.xml'),
  singleFile('ConnectionRoles', 'Other/ConnectionRoles.xml'),
  singleFile('FieldSecurityProfiles', 'Other/FieldSecurityProfiles.xml'),
  singleFile('ServiceEndpoints', 'PluginAssemblies/ServiceEndpoints.xml'),
];

export function kindOf(container: string): ComponentKind | undefined {
  return COMPONENT_KINDS.find((kind) => kind.container === container);
}
