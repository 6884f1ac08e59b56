/**
 * How refusals name the switches that would allow a call. The CLI's words are its flags and
 * environment variables; a host with its own settings (the VS Code extension) passes its own words.
 */
export interface HostWords {
  /** Completes "What to do: … if this change is wanted." */
  turnOffReadOnly: string;
  /** Completes "This server is limited to the environments in …". */
  allowedEnvironments: string;
  /** Completes "Use one of the allowed environments, or …". */
  allowEnvironment: string;
  /** Completes "Use a path inside the workspace, or …". */
  allowFolder: string;
  /** Completes "Pass `environment`, or …" (and the doctor's fix). */
  setDefaultEnvironment: string;
}

export const CLI_WORDS: HostWords = {
  turnOffReadOnly: 'ask the person who runs the server to turn read-only mode off (--read-only, POWERAGENT_READ_ONLY)',
  allowedEnvironments: 'POWERAGENT_ALLOWED_ENVIRONMENTS',
  allowEnvironment:
    'ask the person who runs the server to add this one to the list (--allowed-environments, POWERAGENT_ALLOWED_ENVIRONMENTS)',
  allowFolder: 'ask the person who runs the server to add the folder (--allowed-folders, POWERAGENT_ALLOWED_FOLDERS)',
  setDefaultEnvironment: 'set a default environment (--environment, POWERAGENT_ENVIRONMENT)',
};

/** The host's words from the tool settings (`ToolSettings.words`), else the CLI's. */
export function hostWords(settings: { words?: HostWords }): HostWords {
  return settings.words ?? CLI_WORDS;
}
