import * as vscode from 'vscode';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolManifestEntry } from '../server/manifest';
import { toolCommandId } from './contributions';
import { elicitWithInputBoxes } from './elicit';
import { environmentChoices } from './environmentChoices';
import { readableTimes, toolNamesAsCommands } from './format';
import type { PowerAgentHost } from './host';
import { BACK, pickStep } from './multiStep';
import { askArguments } from './palette';
import { describeCall, progressMessage, resultText } from './present';
import type { ResultViewer } from './resultPanel';
import { pageToast, resultPage } from './resultPage';
import { PRODUCT } from './settings';
import { isEnvironmentsNode, presetFromNode } from './treeNodes';

export interface ToolCommandRun {
  args: Record<string, unknown>;
  result: CallToolResult;
}

/** One palette command per tool: asks for the arguments, runs it with progress, shows the result. */
export function registerToolCommands(
  host: PowerAgentHost,
  manifest: readonly ToolManifestEntry[],
  results: ResultViewer,
): vscode.Disposable {
  const titles = new Map(manifest.map((entry) => [entry.name, entry.title]));
  return vscode.Disposable.from(
    ...manifest.map((entry) =>
      vscode.commands.registerCommand(toolCommandId(entry.name), (start?: unknown) =>
        runToolCommand(host, entry, presetFrom(entry, start), { results, titles }),
      ),
    ),
  );
}

/** A command's argument: a view item (environment, solution) or arguments given by another command (Retry). */
function presetFrom(entry: ToolManifestEntry, start: unknown): Record<string, unknown> {
  const properties = (entry.inputSchema.properties ?? {}) as Record<string, unknown>;
  if (isEnvironmentsNode(start)) return presetFromNode(start, properties, (entry.inputSchema.required as string[] | undefined) ?? []);
  if (typeof start !== 'object' || start === null) return {};
  return Object.fromEntries(Object.entries(start).filter(([key]) => key in properties));
}

export async function runToolCommand(
  host: PowerAgentHost,
  entry: ToolManifestEntry,
  preset: Record<string, unknown>,
  show: { results: ResultViewer; titles: ReadonlyMap<string, string> },
): Promise<ToolCommandRun | undefined> {
  const asked = await askArguments(host, entry, preset);
  if (!asked) return undefined;
  const { args, shown } = asked;
  const named = { ...args, ...shown, ...namesOf(host, args) };
  const title = describeCall(entry, named);
  const waits = Object.keys(entry.inputSchema.properties ?? {}).includes('waitSeconds');
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => controller.abort());
      try {
        return await host.callTool(
          entry.name,
          { ...args, ...(waits ? { waitSeconds: 600 } : {}) },
          {
            signal: controller.signal,
            elicit: elicitWithInputBoxes(title),
            sendProgress: (update) =>
              new Promise<void>((resolve) => resolve(progress.report({ message: progressMessage(update.message, entry) }))),
            notify: (message) => void vscode.window.showInformationMessage(message),
          },
          'palette',
        );
      } finally {
        cancel.dispose();
      }
    },
  );
  // Not awaited: a toast's promise settles only when it is closed, and the caller may go on (export, then check).
  const resume = resumeOf(result);
  const again = resume ? () => void runToolCommand(host, entry, { ...args, resume }, show) : undefined;
  void showResult(entry, title, result, show, again);
  return { args, result };
}

/** The id a partial result gives to finish the job with (an import out of time), if it gives one. */
function resumeOf(result: CallToolResult): string | undefined {
  const content = result.structuredContent as { done?: unknown; resume?: unknown } | undefined;
  return content?.done === false && typeof content.resume === 'string' ? content.resume : undefined;
}

/** Environment ids picked in a step shown by name (a preset from a view item has no name yet). */
function namesOf(host: PowerAgentHost, args: Record<string, unknown>): Record<string, string> {
  const names: Record<string, string> = {};
  for (const field of ['environment', 'source', 'targetEnvironment', 'catalog']) {
    const name = typeof args[field] === 'string' ? host.environmentName(args[field]) : undefined;
    if (name) names[field] = name;
  }
  return names;
}

/**
 * A failure shows as an error (VS Code keeps it until closed) with the page one click away; a tool
 * that only reads opens its page at once, since reading it is the point; a change gets a toast. A
 * partial result (an import out of time) offers Continue: the same call with its resume.
 */
async function showResult(
  entry: ToolManifestEntry,
  title: string,
  result: CallToolResult,
  show: { results: ResultViewer; titles: ReadonlyMap<string, string> },
  finish?: () => void,
): Promise<void> {
  const text = readableTimes(toolNamesAsCommands(resultText(result), show.titles, PRODUCT));
  const page = resultPage(title, text, result.structuredContent, Boolean(result.isError));
  if (!result.isError && entry.annotations.readOnlyHint) {
    show.results.show(page);
    return;
  }
  const open = 'Open Result';
  const goOn = 'Continue';
  const actions = finish ? [goOn, open] : [open];
  const toast = pageToast(page, text);
  const choice = result.isError
    ? await vscode.window.showErrorMessage(toast, ...actions)
    : await vscode.window.showInformationMessage(toast, ...actions);
  if (choice === open) show.results.show(page);
  if (choice === goOn) finish?.();
}

/** The default environment: a pick among the environments, the current default pre-selected. */
export async function pickDefaultEnvironment(host: PowerAgentHost): Promise<{ value: string; label: string } | undefined> {
  const items = host.listEnvironments().then((listing) => {
    if ('notSignedIn' in listing) throw new Error('Sign in first: run "Power Agent MCP: Sign In", or use the local sandbox.');
    if ('error' in listing) throw new Error(listing.error);
    const current = host.settings.defaultEnvironment;
    const choices = environmentChoices(listing.environments, undefined, { preferred: [current], defaultEnvironment: current });
    if (choices.empty) throw new Error(choices.empty);
    return choices.items.map((item) => ({ ...item, picked: item === choices.active }));
  });
  try {
    const picked = await pickStep(
      { title: `${PRODUCT}: Default Environment`, step: 1, totalSteps: 1 },
      { placeholder: 'Choose the environment tools use when none is named', items, active: (item) => item.picked, matchOnDetail: true },
    );
    return picked && picked !== BACK ? { value: picked.value, label: picked.label } : undefined;
  } catch (error) {
    void vscode.window.showErrorMessage((error as Error).message);
    return undefined;
  }
}
