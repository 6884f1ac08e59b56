import * as vscode from 'vscode';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ToolManifestEntry } from '../server/manifest';
import { elicitWithInputBoxes } from './elicit';
import type { PowerAgentHost } from './host';
import { describeCall, resultText } from './present';

/**
 * The catalog as Language Model tools for Copilot chat. The handlers are the catalog's, through the
 * same runtime as the MCP server. Destructive tools get a confirmation naming their target; VS Code
 * shows it before invoke, which then counts as the person's yes (production still asks for the name).
 */
export function registerLanguageModelTools(host: PowerAgentHost, manifest: readonly ToolManifestEntry[]): vscode.Disposable {
  return vscode.Disposable.from(
    ...manifest.map((entry) =>
      vscode.lm.registerTool<Record<string, unknown>>(entry.name, {
        prepareInvocation(options) {
          const what = describeCall(entry, options.input ?? {});
          if (!entry.annotations.destructiveHint) return { invocationMessage: what };
          return {
            invocationMessage: what,
            confirmationMessages: {
              title: `${entry.title}?`,
              message: new vscode.MarkdownString(
                `**${what}**\n\nThis deletes or overwrites data in the cloud and cannot be undone from here.`,
              ),
            },
          };
        },
        async invoke(options, token) {
          const controller = new AbortController();
          const cancel = token.onCancellationRequested(() => controller.abort());
          try {
            const call = {
              signal: controller.signal,
              hostConfirmed: Boolean(entry.annotations.destructiveHint),
              elicit: elicitWithInputBoxes(describeCall(entry, options.input ?? {})),
            };
            const result = await host.callTool(entry.name, options.input ?? {}, call, 'Copilot');
            return toLanguageModelResult(result);
          } finally {
            cancel.dispose();
          }
        },
      }),
    ),
  );
}

/** The text summary and the structured result as compact JSON; a failure is thrown so the model sees it as one. */
export function toLanguageModelResult(result: CallToolResult): vscode.LanguageModelToolResult {
  const text = resultText(result);
  if (result.isError && !result.structuredContent) throw new Error(text);
  const parts = [new vscode.LanguageModelTextPart(result.isError ? `Error: ${text}` : text)];
  if (result.structuredContent) parts.push(new vscode.LanguageModelTextPart(JSON.stringify(result.structuredContent)));
  return new vscode.LanguageModelToolResult(parts);
}
