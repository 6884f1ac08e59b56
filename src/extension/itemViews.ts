import type { EnvironmentSummary } from '../platform/environment';
import { formatTime, regionName } from './format';
import type { SolutionSummary } from './treeNodes';

/** How an item shows in a tree: no VS Code types, so it is tested without VS Code. */
export interface ItemView {
  label: string;
  description: string;
  /** A codicon id. */
  icon: string;
  contextValue: string;
  /** Markdown. */
  tooltip: string;
}

/**
 * An environment: "Sandbox · Europe", the default marked, its state only when it is not ready. The
 * context value carries what the menus need: `environment` then `.dataverse`, `.default`, `.<type>`.
 */
export function environmentItemView(env: EnvironmentSummary, isDefaultChoice: boolean, cloud: string): ItemView {
  const ready = /^ready$/i.test(env.state);
  const description = [env.type, regionName(env.region), ...(ready ? [] : [env.state]), ...(isDefaultChoice ? ['default'] : [])].join(
    ' · ',
  );
  const flags = [env.hasDataverse && 'dataverse', env.isDefault && 'default', env.type.toLowerCase()].filter(Boolean);
  const tooltip = [
    `**${md(env.displayName)}**${isDefaultChoice ? ' (your default environment)' : ''}`,
    '',
    `Type: ${env.type}${env.isDefault ? ' (the tenant\u2019s default environment)' : ''}`,
    `Region: ${regionName(env.region)}${env.azureRegion ? ` (${env.azureRegion})` : ''}`,
    `State: ${env.state}`,
    env.url ? `Dataverse: ${env.url}${env.version ? ` (version ${env.version})` : ''}` : 'No Dataverse database',
    ...(env.createdTime ? [`Created: ${formatTime(env.createdTime)}`] : []),
    ...(cloud !== 'Public' ? [`Cloud: ${cloud}`] : []),
    `Id: ${env.id}`,
  ];
  return {
    label: env.displayName,
    description,
    icon: env.type === 'Production' || env.isDefault ? 'server-environment' : 'beaker',
    contextValue: ['environment', ...flags].join('.'),
    tooltip: tooltip.join('  \n'),
  };
}

/** A solution: its display name, with unique name and version; managed ones say so (they cannot be exported or versioned). */
export function solutionItemView(s: SolutionSummary): ItemView {
  const description = [...(s.displayName !== s.uniqueName ? [s.uniqueName] : []), s.version, ...(s.managed ? ['managed'] : [])].join(' · ');
  const tooltip = [
    `**${md(s.displayName)}**`,
    '',
    `Unique name: ${md(s.uniqueName)}`,
    `Version: ${s.version}`,
    s.managed ? 'Managed' : 'Unmanaged',
    ...(s.publisher ? [`Publisher: ${md(s.publisher)}`] : []),
    ...(s.installedOn ? [`Installed: ${formatTime(s.installedOn)}`] : []),
    ...(s.modifiedOn ? [`Modified: ${formatTime(s.modifiedOn)}`] : []),
    ...(s.description ? ['', md(s.description)] : []),
  ];
  return {
    label: s.displayName,
    description,
    icon: s.managed ? 'lock' : 'package',
    contextValue: s.managed ? 'solution.managed' : 'solution.unmanaged',
    tooltip: tooltip.join('  \n'),
  };
}

/** Escapes what Markdown would read as formatting. */
function md(text: string): string {
  return text.replace(/[\\`*_{}[\]<>()#+\-.!|]/g, '\\$&');
}
