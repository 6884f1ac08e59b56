import { z } from 'zod';
import type { BapEnvironment } from '../platform/bap';
import { toEnvironmentSummary } from '../platform/environment';
import { PlatformError } from '../platform/errors';
import { dataverseOrgRoot, isDataverseUrl } from '../platform/serviceHosts';
import { isAllowed, urlIsAllowed } from './allowList';
import { hostWords } from './hostWords';
import { findByUrl, isEnvironmentUrl, shownUrl } from './resolveEnvironment';
import { environmentRef } from './schemas';
import { budgetLeftPercent } from '../observability/metrics';
import { THRESHOLDS } from './serverStatus';
import { READ_ONLY_CLOUD, defineTool, type ToolContext } from './types';

type Status = 'ok' | 'warning' | 'failed' | 'skipped';

interface Check {
  check: string;
  status: Status;
  detail: string;
  fix: string | null;
}

/** Clock differences above this make tokens look expired or not yet valid. */
const MAX_SKEW_SECONDS = 300;

const check = z.object({
  check: z.string(),
  status: z.enum(['ok', 'warning', 'failed', 'skipped']),
  detail: z.string(),
  fix: z.string().nullable().describe('What to do, when the check did not pass.'),
});

export const doctor = defineTool({
  name: 'pp_doctor',
  toolset: 'diagnostics',
  title: 'Diagnose setup',
  description:
    "Diagnoses sign-in and permission failures: each service's sign-in, admin rights, the Dataverse user, the clock, " +
    'the safety settings; says what to fix. Reads only.',
  input: z.strictObject({ environment: environmentRef.optional().describe('Environment to check access to.') }),
  output: z.object({ checks: z.array(check), passed: z.number().int(), warnings: z.number().int(), failed: z.number().int() }),
  annotations: READ_ONLY_CLOUD,
  async handler(args, context) {
    const checks: Check[] = [settingsCheck(context)];
    const signIn = await signInChecks(context);
    checks.push(...signIn.checks);
    const environments = signIn.bap ? await adminChecks(context, checks) : undefined;
    checks.push(await dataverseCheck(context, args.environment, environments));
    checks.push(...budgetChecks(context));
    const count = (status: Status) => checks.filter((c) => c.status === status).length;
    const symbol: Record<Status, string> = { ok: 'ok  ', warning: 'WARN', failed: 'FAIL', skipped: 'skip' };
    const lines = checks.map((c) => `${symbol[c.status]} ${c.check}: ${c.detail}${c.fix ? `\n     Fix: ${c.fix}` : ''}`);
    return {
      result: { checks, passed: count('ok'), warnings: count('warning'), failed: count('failed') },
      summary: `${count('failed') ? `${count('failed')} problem(s) to fix` : 'Ready'}: ${count('ok')} passed, ${count('warning')} warning(s), ${count('failed')} failed.\n${lines.join('\n')}`,
    };
  },
});

function settingsCheck(context: ToolContext): Check {
  const s = context.settings;
  const parts = [
    `signed in as ${context.tokens.description}`,
    s.readOnly ? 'read-only (tools that change anything are off)' : 'changes allowed',
    s.allowedEnvironments?.length ? `limited to ${s.allowedEnvironments.map(shownUrl).join(', ')}` : 'every environment allowed',
    `local files in ${(s.allowedFolders?.length ? s.allowedFolders : [process.cwd()]).join(', ')}`,
    `confirmation: ${s.confirmDestructive ?? 'always'}`,
    `default environment: ${s.defaultEnvironment ?? 'none'}`,
  ];
  return { check: 'settings', status: 'ok', detail: parts.join('; '), fix: null };
}

async function signInChecks(context: ToolContext): Promise<{ checks: Check[]; bap: boolean }> {
  const services: Array<[string, string]> = [
    ['sign-in: Power Platform admin API (BAP)', context.endpoints.bapResource],
    ['sign-in: Power Platform API', context.endpoints.powerPlatformResource],
  ];
  const checks: Check[] = [];
  for (const [name, resource] of services) {
    try {
      await context.tokens.getToken(resource, context.signal);
      checks.push({ check: name, status: 'ok', detail: `a token for ${resource}`, fix: null });
    } catch (error) {
      checks.push(failure(name, error, 'Check the sign-in settings (tenant, application id, secret or certificate) and sign in again.'));
    }
  }
  return { checks, bap: checks[0]!.status === 'ok' };
}

/** Lists environments with the admin API: reachability, admin permission and the clock in one call. */
async function adminChecks(context: ToolContext, checks: Check[]): Promise<BapEnvironment[] | undefined> {
  const url = `${context.endpoints.bapUrl}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?api-version=2023-06-01`;
  try {
    const response = await context.http.send<{ value?: BapEnvironment[] }>({
      service: 'bap',
      method: 'GET',
      url,
      resource: context.endpoints.bapResource,
      signal: context.signal,
    });
    const environments = response.body?.value ?? [];
    checks.push({
      check: 'admin API: reachable and allowed',
      status: 'ok',
      detail: `${environments.length} environment(s) listed`,
      fix: null,
    });
    checks.push(clockCheck(response.headers.get('date')));
    const unknown = (context.settings.allowedEnvironments ?? []).filter(
      (entry) => !isEnvironmentUrl(entry) && !environments.some((env) => isAllowed(env, { allowedEnvironments: [entry] })),
    );
    if (unknown.length) {
      checks.push({
        check: 'allowed environments',
        status: 'warning',
        detail: `no environment matches ${unknown.map((u) => `"${u}"`).join(', ')}`,
        fix: `Correct the names in ${hostWords(context.settings).allowedEnvironments} (ids, display names, domain names or URLs from pp_list_environments).`,
      });
    }
    return environments;
  } catch (error) {
    const forbidden = error instanceof PlatformError && error.status === 403;
    checks.push(
      failure(
        'admin API: reachable and allowed',
        error,
        forbidden
          ? 'Sign in as a Power Platform administrator, or register the application as a management application (admin center, or pac admin application register); admin permission can take a few minutes to apply.'
          : 'Check the network and the cloud setting (POWERPLATFORM_CLOUD).',
      ),
    );
    return undefined;
  }
}

function clockCheck(date: string | null): Check {
  const serverTime = date ? Date.parse(date) : NaN;
  if (Number.isNaN(serverTime)) return { check: 'clock', status: 'skipped', detail: 'the service sent no Date header', fix: null };
  const skew = Math.round((Date.now() - serverTime) / 1000);
  if (Math.abs(skew) <= MAX_SKEW_SECONDS)
    return { check: 'clock', status: 'ok', detail: `within ${Math.max(1, Math.abs(skew))} s of the service`, fix: null };
  return {
    check: 'clock',
    status: 'warning',
    detail: `this machine's clock is ${Math.abs(skew)} s ${skew > 0 ? 'ahead of' : 'behind'} the service`,
    fix: 'Synchronise the clock (NTP): tokens are refused as expired or not yet valid when clocks differ by minutes.',
  };
}

async function dataverseCheck(context: ToolContext, ref: string | undefined, environments: BapEnvironment[] | undefined): Promise<Check> {
  const name = 'Dataverse access';
  const wanted = ref?.trim() || context.settings.defaultEnvironment;
  if (!wanted)
    return {
      check: name,
      status: 'skipped',
      detail: 'no environment given and no default environment set',
      fix: `Pass environment to check one, or ${hostWords(context.settings).setDefaultEnvironment}.`,
    };
  const byUrl = isEnvironmentUrl(wanted);
  // An org given by URL and not found among the environments (or not on the cloud's domains) gets no request.
  if (byUrl && (environments ? !findByUrl(environments, wanted) : !isDataverseUrl(wanted, context.endpoints))) {
    const why = environments
      ? 'no environment of this tenant has this Dataverse URL'
      : `it is not a Dataverse URL of the ${context.endpoints.cloud} cloud`;
    return {
      check: name,
      status: 'failed',
      detail: `${shownUrl(wanted)}: ${why}. Nothing was sent to it.`,
      fix: 'Pass the URL, name or id of an environment from pp_list_environments.',
    };
  }
  if (byUrl && !environments && !urlIsAllowed(wanted, context.settings))
    return { check: name, status: 'skipped', detail: `${shownUrl(wanted)} is not on the list of allowed environments`, fix: null };
  let url: string | null | undefined = byUrl && !environments ? dataverseOrgRoot(wanted, context.endpoints) : undefined;
  let label = shownUrl(wanted);
  if (!url) {
    const w = wanted.toLowerCase();
    const env = byUrl
      ? findByUrl(environments!, wanted)
      : environments?.find((e) =>
          [e.name, e.properties?.displayName, e.properties?.linkedEnvironmentMetadata?.domainName].some((v) => v?.toLowerCase() === w),
        );
    if (!env)
      return {
        check: name,
        status: environments ? 'failed' : 'skipped',
        detail: environments ? `no environment matches "${wanted}"` : 'the environment could not be looked up without the admin API',
        fix: environments ? 'Use an id, display name or domain name from pp_list_environments.' : 'Pass the Dataverse URL instead.',
      };
    if (!isAllowed(env, context.settings))
      return {
        check: name,
        status: 'skipped',
        detail: `${env.properties?.displayName ?? env.name} is outside the allowed environments`,
        fix: null,
      };
    const summary = toEnvironmentSummary(env);
    label = summary.displayName;
    url = summary.url;
    if (!url) return { check: name, status: 'skipped', detail: `${label} has no Dataverse database`, fix: null };
  }
  const check = `${name}: ${label}`;
  try {
    const who = await context.dataverse(url).whoAmI(context.signal);
    return { check, status: 'ok', detail: `user ${who.UserId} in business unit ${who.BusinessUnitId}`, fix: null };
  } catch (error) {
    const notMember = error instanceof PlatformError && error.status === 403;
    return failure(
      check,
      error,
      notMember
        ? 'Add the signed-in user to the environment with a security role (pp_assign_user), or for a service principal create its application user (admin center: Settings > Users + permissions > Application users).'
        : 'Check that the environment is ready (pp_get_environment) and reachable from this machine.',
    );
  }
}

/** Dataverse's service protection budget left, as the last answer of each org this server called said. */
function budgetChecks(context: ToolContext): Check[] {
  return context.metrics
    .snapshot()
    .services.filter((s) => s.org && s.budget)
    .map((s) => {
      const budget = s.budget!;
      const left = budgetLeftPercent(budget);
      const requests = budget.requestsRemaining ?? '?';
      const seconds = budget.secondsRemaining ?? '?';
      const detail = `${requests} requests and ${seconds} s of execution time left in the 5-minute window (${Math.round(left)} %)`;
      const low = left < THRESHOLDS.budgetPercent;
      const fix = 'Fewer calls at once for a few minutes: Dataverse refuses requests (429) once the budget is spent.';
      return { check: `Dataverse API budget: ${s.org}`, status: low ? 'warning' : 'ok', detail, fix: low ? fix : null };
    });
}

function failure(check: string, error: unknown, fix: string): Check {
  const e = error instanceof PlatformError ? error : undefined;
  const detail = e
    ? `${e.message}${e.code ? ` (${e.code})` : ''}${e.correlationId ? `, correlation id ${e.correlationId}` : ''}`
    : ((error as Error)?.message ?? String(error));
  return { check, status: 'failed', detail, fix: e?.hint ? `${fix} (${e.hint})` : fix };
}
