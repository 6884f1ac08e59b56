import * as vscode from 'vscode';
import type { ToolSettings } from '../tools/types';

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
  confirmDestructive: 'always' | 'production';
  toolPath: 'mcp' | 'languageModelTools';
  logLevel: string;
}

export function readSettings(): ExtensionSettings {
  const c = vscode.workspace.getConfiguration('powerAgent');
  return {
    sandbox: c.get('sandbox', true),
    signInWith: c.get('signInWith', 'microsoftAccount'),
    tenantId: c.get('servicePrincipal.tenantId', '').trim(),
    applicationId: c.get('servicePrincipal.applicationId', '').trim(),
    cloud: c.get('cloud', 'Public'),
    defaultEnvironment: c.get('defaultEnvironment', '').trim(),
    readOnly: c.get('readOnly', false),
    toolsets: c.get<string[]>('toolsets', []).map((t) => t.trim()).filter(Boolean),
    allowedEnvironments: c.get<string[]>('allowedEnvironments', []).map((e) => e.trim()).filter(Boolean),
    confirmDestructive: c.get('confirmDestructive', 'always'),
    toolPath: c.get('toolPath', 'mcp'),
    logLevel: c.get('logLevel', 'info'),
  };
}

/** `folders`: where tools may read and write local files (the workspace folders). */
export function toolSettings(settings: ExtensionSettings, folders: string[]): ToolSettings {
  return {
    allowedFolders: folders,
    defaultEnvironment: settings.defaultEnvironment || undefined,
    readOnly: settings.readOnly,
    allowedEnvironments: settings.allowedEnvironments.length ? settings.allowedEnvironments : undefined,
    confirmDestructive: settings.confirmDestructive,
  };
}

/** Settings that change how the server signs in: a change builds a new runtime (and, in sandbox mode, a fresh sandbox). */
export const SIGN_IN_SETTINGS = ['sandbox', 'signInWith', 'servicePrincipal', 'cloud'];
/** Settings that change what the server offers: applied to the running runtime, keeping sign-in, the sandbox and operations. */
export const SAFETY_SETTINGS = ['defaultEnvironment', 'readOnly', 'toolsets', 'allowedEnvironments', 'confirmDestructive', 'toolPath'];
