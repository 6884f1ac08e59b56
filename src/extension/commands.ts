import * as vscode from 'vscode';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolManifestEntry } from '../server/manifest';
import { toolCommandId } from './contributions';
import { elicitWithInputBoxes } from './elicit';
import type { PowerAgentHost } from './host';
import { pathFieldKind } from './pathFields';
import { pickPath, pickSolution } from './pickers';
import { describeCall, resultDocument, resultText } from './present';

interface PropertySchema {
  type?: string;
  enum?: string[];
  description?: string;
  default?: unknown;
  items?: { type?: string };
}

/** Arguments the palette never asks for: confirmation is asked by the tool itself, and waiting is shown as progress. */
const NOT_ASKED = new Set(['confirm', 'waitSeconds']);
const ENVIRONMENT_FIELDS = new Set(['environment', 'source']);

/** One palette command per tool: asks for the arguments, runs it with progress, shows the result. */
export function registerToolCommands(host: PowerAgentHost, manifest: readonly ToolManifestEntry[]): vscode.Disposable {
  return vscode.Disposable.from(
    ...manifest.map((entry) => vscode.commands.registerCommand(toolCommandId(entry.name), (preset?: Record<string, unknown>) => runToolCommand(host, entry, preset ?? {}))),
  );
}

export async function runToolCommand(host: PowerAgentHost, entry: ToolManifestEntry, preset: Record<string, unknown>): Promise<CallToolResult | undefined> {
  const asked = await askArguments(host, entry, preset);
  if (!asked) return undefined;
  const { args, shown } = asked;
  const runtime = await host.runtime();
  const result = await vscode.window.withProgress(
    // Picked environments are shown by name, not by the id the tool is given.
    { location: vscode.ProgressLocation.Notification, title: describeCall(entry, { ...args, ...shown }), cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort());
      try {
        return await runtime.callTool(entry.name, { ...args, ...('waitSeconds' in (entry.inputSchema.properties as object) ? { waitSeconds: 600 } : {}) }, {
          signal: controller.signal,
          elicit: elicitWithInputBoxes,
          sendProgress: async (update) => progress.report({ message: update.message }),
          notify: (message) => void vscode.window.showInformationMessage(message),
        });
      } finally {
        cancel.dispose();
      }
    },
  );
  await showResult(entry, result);
  return result;
}

async function askArguments(host: PowerAgentHost, entry: ToolManifestEntry, preset: Record<string, unknown>): Promise<{ args: Record<string, unknown>; shown: Record<string, string> } | undefined> {
  const properties = (entry.inputSchema.properties ?? {}) as Record<string, PropertySchema>;
  const required = new Set((entry.inputSchema.required as string[] | undefined) ?? []);
  const args: Record<string, unknown> = { ...preset };
  const shown: Record<string, string> = {};
  for (const [name, schema] of Object.entries(properties)) {
    if (name in args || NOT_ASKED.has(name)) continue;
    const isRequired = required.has(name) && schema.default === undefined;
    if (ENVIRONMENT_FIELDS.has(name)) {
      const picked = await pickEnvironment(host, `${entry.title}: ${name === 'source' ? 'source environment' : 'environment'}`, !isRequired);
      if (picked === undefined) return undefined;
      if (picked.value) {
        args[name] = picked.value;
        shown[name] = picked.label;
      }
      continue;
    }
    // Paths first: pp_set_connection_variables' `solution` is a zip or folder, not a solution name.
    const pathKind = pathFieldKind(entry.name, name);
    if (pathKind && (isRequired || name === 'settingsFile' || name === 'schemaFile')) {
      const picked = await pickPath(pathKind, `${entry.title}: ${name}`, !isRequired);
      if (picked === undefined) return undefined;
      if (picked) args[name] = picked;
      continue;
    }
    if (name === 'solution') {
      const picked = await pickSolution(host, args.environment as string | undefined, `${entry.title}: solution`);
      if (picked === undefined) return undefined;
      args[name] = picked;
      continue;
    }
    if (!isRequired) continue;
    const value = await askValue(entry.title, name, schema);
    if (value === undefined) return undefined;
    args[name] = value;
  }
  return { args, shown };
}

async function askValue(title: string, name: string, schema: PropertySchema): Promise<unknown> {
  if (schema.enum) return (await vscode.window.showQuickPick(schema.enum, { title, placeHolder: schema.description ?? name }))?.toString();
  if (schema.type === 'boolean') {
    const picked = await vscode.window.showQuickPick(['Yes', 'No'], { title, placeHolder: schema.description ?? name });
    return picked === undefined ? undefined : picked === 'Yes';
  }
  const text = await vscode.window.showInputBox({
    title,
    prompt: `${name}: ${schema.description ?? ''}`,
    ignoreFocusOut: true,
    validateInput: (value) => (!value.trim() ? `${name} is required.` : schema.type === 'number' || schema.type === 'integer' ? (Number.isFinite(Number(value)) ? undefined : `${name} must be a number.`) : undefined),
  });
  if (text === undefined) return undefined;
  if (schema.type === 'number' || schema.type === 'integer') return Number(text);
  if (schema.type === 'array') return text.split(',').map((t) => t.trim()).filter(Boolean);
  return text.trim();
}

/** A QuickPick of the environments: the id and display name picked; value '' means "the default environment" when that is allowed. */
export async function pickEnvironment(host: PowerAgentHost, title: string, optional: boolean): Promise<{ value: string; label: string } | undefined> {
  const listed = await host.listEnvironments();
  if ('error' in listed) {
    void vscode.window.showErrorMessage(listed.error);
    return undefined;
  }
  const { environments } = listed;
  const items: Array<vscode.QuickPickItem & { value: string }> = environments.map((env) => ({ label: env.displayName, description: `${env.type} · ${env.region}`, detail: env.url ?? 'No Dataverse database', value: env.id }));
  if (optional) items.unshift({ label: '$(star) Default environment', description: host.settings.defaultEnvironment || 'not set', value: '' });
  const picked = await vscode.window.showQuickPick(items, { title, placeHolder: 'Choose an environment', matchOnDescription: true });
  return picked && { value: picked.value, label: picked.label };
}

async function showResult(entry: ToolManifestEntry, result: CallToolResult): Promise<void> {
  const summary = resultText(result);
  const open = 'Open Result';
  const show = result.isError ? vscode.window.showErrorMessage : vscode.window.showInformationMessage;
  const choice = await show(summary.split('\n').slice(0, 2).join(' '), open);
  if (choice === open) {
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: resultDocument(entry.title, summary, result.structuredContent) });
    await vscode.window.showTextDocument(document, { preview: true });
  }
}
