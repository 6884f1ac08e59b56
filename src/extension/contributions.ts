import type { ToolManifestEntry } from '../server/manifest';

/** The setting that chooses how the tools reach Copilot: VS Code's MCP client, or Language Model tools. */
export const TOOL_PATH_SETTING = 'powerAgent.toolPath';
export const COMMAND_CATEGORY = 'Power Agent MCP';

/** The command that runs a tool from the palette. */
export function toolCommandId(toolName: string): string {
  return `powerAgent.run.${toolName}`;
}

/**
 * The parts of package.json made from the catalog: one Language Model tool and one palette command per
 * tool. An LM tool shows only when the setting chooses that path (so Copilot sees each tool once),
 * and a tool that changes anything hides in read-only mode.
 */
export function generatedContributions(manifest: readonly ToolManifestEntry[]) {
  return {
    languageModelTools: manifest.map((tool) => ({
      name: tool.name,
      toolReferenceName: tool.name.replace(/^pp_/, 'pp-').replace(/_/g, '-'),
      displayName: tool.title,
      modelDescription: tool.description,
      userDescription: tool.title,
      canBeReferencedInPrompt: true,
      icon: '$(cloud)',
      tags: ['power-platform', tool.annotations.readOnlyHint ? 'read-only' : 'changes-cloud'],
      when: tool.annotations.readOnlyHint
        ? `config.${TOOL_PATH_SETTING} == languageModelTools`
        : `config.${TOOL_PATH_SETTING} == languageModelTools && !config.powerAgent.readOnly`,
      inputSchema: tool.inputSchema,
    })),
    commands: manifest.map((tool) => ({
      command: toolCommandId(tool.name),
      title: tool.title,
      category: COMMAND_CATEGORY,
      ...(tool.annotations.readOnlyHint ? {} : { enablement: '!config.powerAgent.readOnly' }),
    })),
  };
}
