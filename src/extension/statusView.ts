import type { ServerStatusReport } from '../tools/serverStatus';
import { uptimeText } from './format';
import { PRODUCT } from './settings';

export interface StatusFacts {
  sandbox: boolean;
  /** The application id when signing in as a service principal. */
  servicePrincipal?: string;
  account?: string;
  /** As set: an id, name or URL. */
  defaultEnvironment: string;
  /** Its display name, once the environments were read. */
  environmentName?: string;
  readOnly: boolean;
  /** The server's figures against the thresholds (pp_server_status), once the tools have run. */
  status?: Pick<ServerStatusReport, 'healthy' | 'uptimeSeconds' | 'memory' | 'operations' | 'checks'>;
}

/** The status bar item's text and tooltip: who the tools run as and on which environment, by name. No VS Code types. */
export function statusView(facts: StatusFacts): { text: string; tooltip: string; signedIn: boolean; named: boolean } {
  const who = facts.sandbox
    ? 'Sandbox'
    : facts.servicePrincipal !== undefined
      ? `App ${facts.servicePrincipal.slice(0, 8) || '(not set)'}`
      : facts.account;
  if (!who) {
    return {
      text: `$(sign-in) ${PRODUCT}: Sign In`,
      tooltip: `**${PRODUCT}**  \nNot signed in. Click to sign in, or use the local sandbox.`,
      signedIn: false,
      named: false,
    };
  }
  const icon = facts.sandbox ? '$(beaker)' : facts.servicePrincipal !== undefined ? '$(key)' : '$(account)';
  const named = Boolean(facts.environmentName);
  const environment = facts.environmentName ?? (facts.defaultEnvironment ? shortRef(facts.defaultEnvironment) : 'no default environment');
  const lines = [
    `**${PRODUCT}**`,
    '',
    facts.sandbox
      ? 'Working in the local sandbox: an emulator of the Power Platform APIs, no tenant and no sign-in.'
      : `Signed in as ${who}.`,
    `Default environment: ${facts.environmentName ? `${facts.environmentName} (${facts.defaultEnvironment})` : facts.defaultEnvironment || 'none'}`,
    ...(facts.readOnly ? ['Read-only: tools that change anything are off.'] : []),
    ...(facts.status ? ['', ...statusLines(facts.status)] : []),
    '',
    'Click to pick the default environment.',
  ];
  return {
    text: `${icon} ${who} · ${environment}${facts.readOnly ? ' · read-only' : ''}`,
    tooltip: lines.join('  \n'),
    signedIn: true,
    named,
  };
}

/** The server's health in a few lines: the checks against the thresholds, operations, uptime and memory. */
function statusLines(status: NonNullable<StatusFacts['status']>): string[] {
  const { running, succeeded, failed } = status.operations;
  return [
    `Server ${status.healthy ? 'healthy' : '**needs attention**'}: up ${uptimeText(status.uptimeSeconds)}, ${status.memory.rssMb} MB`,
    // Tool names carry underscores, which Markdown would read as emphasis.
    ...status.checks.map((c) => `${c.status === 'warning' ? '$(warning) ' : ''}${c.check}: ${c.value.replace(/[_*]/g, '\\$&')}`),
    `Operations: ${running} running, ${succeeded} succeeded, ${failed} failed`,
  ];
}

/** A GUID shortened to its first block, so an unnamed environment does not fill the status bar. */
function shortRef(ref: string): string {
  return /^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(ref) ? `${ref.slice(0, 8)}…` : ref;
}
