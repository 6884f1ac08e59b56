import { ErrorCode, protocolError, type GetPromptResult, type Prompt } from './sdk';

/** What completes a prompt argument: environment names, the solutions of the environment another argument names, or fixed values. */
export type ArgumentCompletion =
  { kind: 'environment' } | { kind: 'solution'; environmentArgument: string } | { kind: 'values'; values: string[] };

export interface PromptArgumentDefinition {
  name: string;
  description: string;
  required?: boolean;
  completion?: ArgumentCompletion;
}

export interface PromptDefinition {
  name: string;
  title: string;
  description: string;
  arguments: PromptArgumentDefinition[];
  /** The message to the model; `args` holds every required argument, trimmed. */
  text(args: Record<string, string>): string;
}

const environment = (name: string, description: string): PromptArgumentDefinition => ({
  name,
  description,
  required: true,
  completion: { kind: 'environment' },
});
const solution = (environmentArgument: string): PromptArgumentDefinition => ({
  name: 'solution',
  description: "The solution's unique name.",
  required: true,
  completion: { kind: 'solution', environmentArgument },
});

/**
 * The common ALM workflows as prompts (VS Code and Claude show them as slash commands). Each is a short
 * plan naming the tools to use, in order, with the stops a careful person would make.
 */
export const PROMPTS: readonly PromptDefinition[] = [
  {
    name: 'promote_solution',
    title: 'Promote a solution',
    description: 'Export a solution as managed from one environment, check it, and import it into another with a deployment settings file.',
    arguments: [
      solution('source'),
      environment('source', 'The environment to export from (development).'),
      environment('target', 'The environment to import into (test or production).'),
      {
        name: 'settingsFile',
        description: 'Deployment settings file for the import (connection references, environment variables), if there is one.',
      },
    ],
    text: (a) =>
      [
        `Promote the solution ${a.solution} from ${a.source} to ${a.target}:`,
        `1. Export it as managed from ${a.source} with pp_export_solution (managed: true) to a zip in the workspace.`,
        '2. Check the zip with pp_solution_checker. If it reports critical or high issues, stop and show them to me.',
        a.settingsFile
          ? `3. Import the zip into ${a.target} with pp_import_solution and settingsFile ${a.settingsFile}.`
          : `3. Make a deployment settings file for the zip with pp_set_connection_variables, ask me for any values it still lacks, then import the zip into ${a.target} with pp_import_solution and that settingsFile.`,
        `4. Confirm with pp_list_solutions the version now in ${a.target}.`,
        'Follow long operations with pp_get_operation, and tell me what changed.',
      ].join('\n'),
  },
  {
    name: 'backup_then_upgrade',
    title: 'Back up, then upgrade a solution',
    description: 'Take a labelled backup of an environment, then upgrade a managed solution in it from a zip.',
    arguments: [
      environment('environment', 'The environment to back up and upgrade.'),
      solution('environment'),
      { name: 'zipFile', description: 'The zip of the new managed version, in the workspace.', required: true },
    ],
    text: (a) =>
      [
        `Upgrade the solution ${a.solution} in ${a.environment} from ${a.zipFile}, safely:`,
        `1. Back up ${a.environment} with pp_backup_environment, label "before ${a.solution} upgrade", and wait until the backup has succeeded. If it fails, stop.`,
        `2. Import ${a.zipFile} into ${a.environment} with pp_import_solution, mode "upgrade".`,
        `3. Check with pp_list_solutions that ${a.solution} has the new version.`,
        'If the upgrade fails, tell me the error and the backup label, so I can decide whether to restore it with pp_restore_environment.',
      ].join('\n'),
  },
  {
    name: 'add_user_with_role',
    title: 'Bring a person into an environment',
    description: 'Add a person to an environment and give them a security role.',
    arguments: [
      environment('environment', 'The environment to add the person to.'),
      { name: 'user', description: 'Their Entra object id, or their sign-in name if the environment knows them already.', required: true },
      {
        name: 'role',
        description: 'The security role to give, e.g. Basic User or System Customizer.',
        required: true,
        completion: { kind: 'values', values: ['Basic User', 'System Customizer', 'Environment Maker', 'System Administrator'] },
      },
    ],
    text: (a) =>
      [
        `Give ${a.user} access to ${a.environment} with the security role "${a.role}": call pp_assign_user with these three.`,
        'If the user cannot be found, ask me to check the name or give the Entra object id. Tell me the role they have afterwards, and whether they had it already.',
      ].join('\n'),
  },
  {
    name: 'check_environment',
    title: "Check an environment's health",
    description:
      'Report the state of an environment: sign-in, version, protection, running operations, backups and solutions. Changes nothing.',
    arguments: [environment('environment', 'The environment to check.')],
    text: (a) =>
      [
        `Check the health of ${a.environment} and change nothing:`,
        '1. pp_get_environment: state, type, version and managed-environment protection.',
        '2. pp_whoami: that sign-in works, and who the server acts as.',
        `3. pp_list_operations with environment ${a.environment} and state "active": anything still running or stuck.`,
        '4. pp_list_backups: the newest backup and how old it is.',
        '5. pp_list_solutions: unmanaged solutions in a Production environment deserve a warning.',
        'End with a short list of what needs attention, most urgent first.',
      ].join('\n'),
  },
  {
    name: 'move_pages_site',
    title: 'Move a Power Pages site',
    description: 'Download a Power Pages site from one environment and upload it to another.',
    arguments: [
      { name: 'site', description: "The site's name or website id.", required: true },
      environment('source', 'The environment the site is in.'),
      environment('target', 'The environment to move it to.'),
      { name: 'folder', description: 'The workspace folder to download into (default: pages/<site>).' },
    ],
    text: (a) =>
      [
        `Move the Power Pages site ${a.site} from ${a.source} to ${a.target}:`,
        `1. Download it from ${a.source} with pp_download_portal into the folder ${a.folder || `pages/${a.site}`}.`,
        `2. Upload that folder to ${a.target} with pp_upload_portal. The site's tables must already exist in ${a.target}; if the upload says they do not, stop and tell me.`,
        '3. Tell me what was created, updated and left as it was.',
      ].join('\n'),
  },
];

/** A prompt argument names a thing or a path; nothing longer belongs in a prompt. */
const MAX_ARGUMENT_LENGTH = 1000;

export function listPrompts(): Prompt[] {
  return PROMPTS.map((prompt) => ({
    name: prompt.name,
    title: prompt.title,
    description: prompt.description,
    arguments: prompt.arguments.map((arg) => ({ name: arg.name, description: arg.description, required: arg.required ?? false })),
  }));
}

/** The prompt's message, or an InvalidParams error that names what is missing. */
export function getPrompt(name: string, given: Record<string, string> = {}): GetPromptResult {
  const prompt = PROMPTS.find((p) => p.name === name);
  if (!prompt) throw protocolError(ErrorCode.InvalidParams, `Unknown prompt "${name}". Prompts: ${PROMPTS.map((p) => p.name).join(', ')}.`);
  const args = Object.fromEntries(prompt.arguments.map((arg) => [arg.name, (given[arg.name] ?? '').trim()]));
  const tooLong = prompt.arguments.filter((arg) => args[arg.name]!.length > MAX_ARGUMENT_LENGTH).map((arg) => arg.name);
  if (tooLong.length) throw protocolError(ErrorCode.InvalidParams, `${tooLong.join(', ')}: at most ${MAX_ARGUMENT_LENGTH} characters.`);
  const missing = prompt.arguments.filter((arg) => arg.required && !args[arg.name]).map((arg) => arg.name);
  if (missing.length) throw protocolError(ErrorCode.InvalidParams, `${prompt.name} needs ${missing.join(', ')}.`);
  const unknown = Object.keys(given).filter((key) => !prompt.arguments.some((arg) => arg.name === key));
  if (unknown.length)
    throw protocolError(
      ErrorCode.InvalidParams,
      `${unknown.join(', ')}: not an argument of ${prompt.name}. Arguments: ${prompt.arguments.map((arg) => arg.name).join(', ')}.`,
    );
  return { description: prompt.description, messages: [{ role: 'user', content: { type: 'text', text: prompt.text(args) } }] };
}
