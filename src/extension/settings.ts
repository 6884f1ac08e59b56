import type * as vscode from 'vscode';
import type { HostWords } from '../tools/hostWords';
import type { ToolSettings } from '../tools/types';

export const PRODUCT = 'Power Agent MCP';

export interface ExtensionSettings {
  sandbox: boolean;
  signInWith: 'microsoftAccount' | 'servicePrincipal';
  tenantId: string;
  applicationId: string;
  cloud: string;
  defaultEnvironment: string;
  readOnly: boolean;
  /** Toolsets offered to MCP clients; empty (or absent) means all. */
  toolsets?: string[];
  allowedEnvironments: string[];
  /** As written in the setting; `${workspaceFolder}` stands for every workspace folder. */
  allowedFolders: string[];
  confirmDestructive: 'always' | 'production';
  toolPath: 'mcp' | 'languageModelTools';
  logLevel: string;
  environmentCacheSeconds?: number;
}

/** The settings from `vscode.workspace.getConfiguration('powerAgent')`. */
export function readSettings(c: Pick<vscode.WorkspaceConfiguration, 'get'>): ExtensionSettings {
  return {
    sandbox: c.get('sandbox', true),
    signInWith: c.get('signInWith', 'microsoftAccount'),
    tenantId: c.get('servicePrincipal.tenantId', '').trim(),
    applicationId: c.get('servicePrincipal.applicationId', '').trim(),
    cloud: c.get('cloud', 'Public'),
    defaultEnvironment: c.get('defaultEnvironment', '').trim(),
    readOnly: c.get('readOnly', false),
    toolsets: c
      .get<string[]>('toolsets', [])
      .map((t) => t.trim())
      .filter(Boolean),
    allowedEnvironments: c
      .get<string[]>('allowedEnvironments', [])
      .map((e) => e.trim())
      .filter(Boolean),
    allowedFolders: c
      .get<string[]>('allowedFolders', [WORKSPACE_FOLDER])
      .map((e) => e.trim())
      .filter(Boolean),
    confirmDestructive: c.get('confirmDestructive', 'always'),
    toolPath: c.get('toolPath', 'mcp'),
    logLevel: c.get('logLevel', 'info'),
    environmentCacheSeconds: c.get('environmentCacheSeconds', 120),
  };
}

export const WORKSPACE_FOLDER = '${workspaceFolder}';

/** How refusals name what would allow a call, in VS Code's words: settings and commands, not flags. */
export const VSCODE_WORDS: HostWords = {
  turnOffReadOnly: `turn off the setting "${PRODUCT} › Read Only" (powerAgent.readOnly)`,
  allowedEnvironments: `the setting "${PRODUCT} › Allowed Environments" (powerAgent.allowedEnvironments)`,
  allowEnvironment: `add it to the setting "${PRODUCT} › Allowed Environments" (powerAgent.allowedEnvironments)`,
  allowFolder: `add the folder to the setting "${PRODUCT} › Allowed Folders" (powerAgent.allowedFolders)`,
  setDefaultEnvironment: `pick a default environment with "${PRODUCT}: Pick Default Environment"`,
};

/** `folders`: where tools may read and write local files, already expanded. */
export function toolSettings(settings: ExtensionSettings, folders: string[]): ToolSettings {
  return {
    allowedFolders: folders,
    defaultEnvironment: settings.defaultEnvironment || undefined,
    readOnly: settings.readOnly,
    allowedEnvironments: settings.allowedEnvironments.length ? settings.allowedEnvironments : undefined,
    confirmDestructive: settings.confirmDestructive,
    words: VSCODE_WORDS,
    environmentCacheSeconds: settings.environmentCacheSeconds,
  };
}

/**
 * The allowed folders as paths: `${workspaceFolder}` becomes every workspace folder, `~` the home
 * folder, a relative path is taken from the first workspace folder. Empty when nothing is left.
 */
export function expandFolders(entries: string[], workspaceFolders: string[], home: string, join: (...parts: string[]) => string): string[] {
  const expanded = entries.flatMap((entry) => {
    if (entry === WORKSPACE_FOLDER) return workspaceFolders;
    const withHome = entry === '~' ? home : entry.startsWith('~/') ? join(home, entry.slice(2)) : entry;
    if (withHome.startsWith(`${WORKSPACE_FOLDER}/`))
      return workspaceFolders.map((folder) => join(folder, withHome.slice(WORKSPACE_FOLDER.length + 1)));
    if (/^([a-zA-Z]:)?[\\/]/.test(withHome)) return [withHome];
    return workspaceFolders.length ? [join(workspaceFolders[0]!, withHome)] : [];
  });
  return [...new Set(expanded)];
}

/** Settings that change how the server signs in: a change builds a new runtime (and, in sandbox mode, a fresh sandbox). */
export const SIGN_IN_SETTINGS = ['sandbox', 'signInWith', 'servicePrincipal', 'cloud'];
/** Settings that change what the server offers: applied to the running runtime, keeping sign-in, the sandbox and operations. */
export const SAFETY_SETTINGS = [
  'defaultEnvironment',
  'readOnly',
  'toolsets',
  'allowedEnvironments',
  'allowedFolders',
  'confirmDestructive',
  'toolPath',
  'environmentCacheSeconds',
];
