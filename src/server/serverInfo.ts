import { VERSION } from '../version';
import { SERVER_ICONS } from './icons';

/**
 * What the server says of itself in initialize, shared by the SDK server and the stdio front (which
 * answers initialize before the SDK is loaded). Nothing here may import the SDK.
 */
export const SERVER_INFO = {
  name: 'power-agent-mcp',
  title: 'Power Agent MCP',
  version: VERSION,
  icons: SERVER_ICONS,
  websiteUrl: 'https://github.com/power-agent/power-agent-mcp',
};

/**
 * The protocol revisions the SDK speaks, newest first; initialize answers the client's revision when it
 * is one of these, else the newest. A test checks that this is the SDK's own list.
 */
export const PROTOCOL_VERSIONS = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05', '2024-10-07'];

/** Sent once per session: what every tool has in common, so no tool description repeats it (tools/list is paid for every turn). */
export const INSTRUCTIONS =
  'Power Agent MCP runs Power Platform admin and ALM operations (environments, solutions, data, governance) on the public APIs. ' +
  'Start with pp_whoami to check sign-in, and pp_list_environments to find environments. ' +
  'Tools that take `environment` accept an id, display name, domain name or Dataverse URL; left out, the default environment is used. ' +
  'Long-running tools wait up to `waitSeconds`, then return the operation (id, state, done); it goes on in the service, ' +
  'so follow it with pp_get_operation rather than starting it again. ' +
  'Local files and folders must be inside the workspace or an allowed folder. ' +
  'Destructive tools ask the user to confirm: never fill in `confirm` yourself.';

/** The server's capabilities; `dynamicTools` when the offered tools can change at run time (the extension's settings). */
export function serverCapabilities(dynamicTools: boolean) {
  return {
    tools: { listChanged: dynamicTools },
    prompts: { listChanged: false },
    resources: { subscribe: true, listChanged: true },
    completions: {},
    logging: {},
    tasks: { list: {}, cancel: {}, requests: { tools: { call: {} } } },
  };
}
