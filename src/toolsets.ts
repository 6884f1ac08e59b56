/**
 * The groups tools come in, so a server can offer only the ones a job needs (--toolsets). Each tool
 * names its group on its definition; the names are part of the CLI and of the extension's settings.
 */
export const TOOLSETS = ['environments', 'solutions', 'data', 'security', 'governance', 'apps', 'pages', 'catalog', 'diagnostics'] as const;

export type Toolset = (typeof TOOLSETS)[number];

export const TOOLSET_DESCRIPTIONS: Record<Toolset, string> = {
  environments: 'list, create, delete, back up, restore, copy and reset environments',
  solutions: 'list, export, import, pack, unpack, check, version and upgrade solutions',
  data: 'export and import Configuration Migration data',
  security: 'give users and groups security roles',
  governance: 'managed environment and organization settings',
  apps: 'install application packages and deploy Package Deployer packages',
  pages: 'download and upload Power Pages sites',
  catalog: 'submit, install and list items of the catalog in Power Platform',
  diagnostics: 'who am I, setup checks, and following long-running operations',
};

export function isToolset(name: string): name is Toolset {
  return (TOOLSETS as readonly string[]).includes(name);
}
