import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { toolCallLine } from '../../src/extension/callLog';
import { fieldLabel, formatTime, readableTimes, regionName, toastText, toolNamesAsCommands } from '../../src/extension/format';
import { healthNodes } from '../../src/extension/healthNodes';
import { environmentItemView, solutionItemView } from '../../src/extension/itemViews';
import { visibleOperations } from '../../src/extension/operationItem';
import { adminCenterUrl, makerPortalUrl } from '../../src/extension/portals';
import { describeCall, progressMessage } from '../../src/extension/present';
import { resultHtml } from '../../src/extension/resultHtml';
import { errorFromText, operationPage, pageToast, resultPage } from '../../src/extension/resultPage';
import { expandFolders } from '../../src/extension/settings';
import { statusView } from '../../src/extension/statusView';
import { Metrics } from '../../src/observability/metrics';
import { serverStatusReport } from '../../src/tools/serverStatus';
import { presetFromNode } from '../../src/extension/treeNodes';
import type { OperationRecord } from '../../src/operations/record';
import type { EnvironmentSummary } from '../../src/platform/environment';
import { ROOT } from '../helpers';
import { manifestEntry } from './manifest';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));

const DEV: EnvironmentSummary = {
  id: '000000e0-0000-4000-8000-000000000002',
  displayName: 'Contoso Dev',
  type: 'Sandbox',
  region: 'unitedstates',
  azureRegion: 'westus',
  state: 'Ready',
  isDefault: false,
  hasDataverse: true,
  url: 'https://contoso-dev.crm.dynamics.com',
  domainName: 'contoso-dev',
  version: '9.2.24101.1',
  organizationId: null,
  createdTime: '2026-11-20T08:30:00Z',
  protectionLevel: null,
};

describe('values as people read them', () => {
  it('regions by name, times in local form, field names as words', () => {
    assert.equal(regionName('unitedstates'), 'United States');
    assert.equal(regionName('mars'), 'Mars');
    assert.equal(formatTime('2026-11-24T10:05:00Z', { locale: 'en-GB', timeZone: 'UTC' }), '24 Nov 2026, 10:05');
    assert.equal(formatTime('not a date'), 'not a date');
    assert.equal(
      readableTimes('Restore Contoso Dev at 2026-12-02T00:10:19.180Z onto Contoso Test', { locale: 'en-GB', timeZone: 'UTC' }),
      'Restore Contoso Dev at 2 Dec 2026, 00:10 onto Contoso Test',
    );
    assert.deepEqual(['displayName', 'zipFile', 'pointInTime', 'azureRegion'].map(fieldLabel), [
      'Display name',
      'Zip file',
      'Point in time',
      'Azure region',
    ]);
  });

  it('toasts keep the headline whole, fold in the list it introduces, and add what to do for a failure', () => {
    const failedImport =
      'Import of ContosoCore into Contoso Test failed. Failed components:\n- Account form: missing dependency\n- View A: bad XML';
    assert.equal(
      toastText(failedImport, true),
      'Import of ContosoCore into Contoso Test failed. Failed components: Account form: missing dependency; View A: bad XML.',
    );
    const refused =
      'Dataverse error (HTTP 403, 0x80040220): Principal user is missing prvReadSolution.\nCorrelation id: abc\nWhat to do: Give the account a security role.';
    assert.equal(
      toastText(refused, true),
      'Dataverse error (HTTP 403, 0x80040220): Principal user is missing prvReadSolution. What to do: Give the account a security role.',
    );
    assert.equal(toastText('Exported ContosoCore.\nFile: file:///w/Core.zip', false), 'Exported ContosoCore.');
    assert.ok(toastText('x'.repeat(900), false).length <= 400);
  });

  it('tool names in text for a person become the commands that run them', () => {
    const titles = new Map([['pp_list_environments', 'List environments']]);
    assert.equal(
      toolNamesAsCommands('Use one (pp_list_environments shows them) or pp_unknown.', titles, 'Power Agent MCP'),
      'Use one ("Power Agent MCP: List environments" shows them) or pp_unknown.',
    );
  });

  it('progress says the state once, not the title again', () => {
    const entry = manifestEntry('pp_create_environment');
    assert.equal(describeCall(entry, { displayName: 'UX Test Env' }), 'Create environment: UX Test Env');
    assert.equal(progressMessage('Create environment UX Test Env: running, Run (3 of 4), 42 s', entry), 'running, Run (3 of 4), 42 s');
    assert.equal(progressMessage('Uploading 3 MB', entry), 'Uploading 3 MB');
    assert.equal(
      describeCall(manifestEntry('pp_export_solution'), { solution: 'Core', environment: 'Contoso Dev' }),
      'Export solution: Core in Contoso Dev',
    );
    assert.equal(
      describeCall(manifestEntry('pp_copy_environment'), { environment: 'Contoso Test', source: 'Contoso Dev' }),
      'Copy environment: Contoso Test from Contoso Dev',
    );
  });
});

describe('result pages', () => {
  it('a list becomes a table with readable cells, and the summary bullets are not repeated', () => {
    const structured = { environments: [{ ...DEV, owner: { pid: 1 } }], matched: 1, truncated: false };
    const page = resultPage(
      'List environments',
      '1 environment(s) match.\n- Contoso Dev (Sandbox, unitedstates, Ready)',
      structured,
      false,
    );
    assert.equal(page.headline, '1 environment(s) match.');
    assert.deepEqual(page.lines, []);
    assert.deepEqual(page.facts, [
      ['Matched', '1'],
      ['Truncated', 'No'],
    ]);
    const table = page.tables[0]!;
    assert.equal(table.heading, 'Environments (1)');
    assert.ok(table.columns.includes('Region') && !table.columns.includes('Owner'));
    assert.equal(table.rows[0]![table.columns.indexOf('Region')], 'United States');
    assert.ok(!JSON.stringify(page.json).includes('pid'), 'internal fields are left out of the JSON view too');
  });

  it('an operation shows its state, times, ids and notes, never its bookkeeping', () => {
    const record: OperationRecord = {
      id: 'op-1',
      kind: 'restore_environment',
      title: 'Restore Contoso Dev backup "before" onto Contoso Test',
      environment: { id: 'env-test', displayName: 'Contoso Test' },
      source: { id: 'env-dev', displayName: 'Contoso Dev' },
      state: 'succeeded',
      createdAt: '2026-11-24T10:00:00.000Z',
      updatedAt: '2026-11-24T10:02:03.000Z',
      finishedAt: '2026-11-24T10:02:03.000Z',
      correlationId: 'corr-1',
      poll: { style: 'ppapi-operation', url: 'https://example.invalid/op' },
      owner: { pid: 4242, startedAt: '2026-11-24T09:00:00.000Z' },
      notes: ['Comes back in administration mode.'],
    };
    const page = operationPage(record as unknown as Record<string, unknown>);
    const facts = Object.fromEntries(page.facts);
    assert.equal(facts.State, 'succeeded');
    assert.equal(facts['Source environment'], 'Contoso Dev');
    assert.equal(facts.Took, '2 min 3 s');
    assert.equal(facts['Correlation id'], 'corr-1');
    assert.deepEqual(page.notes, ['Comes back in administration mode.']);
    const html = resultHtml(page, { nonce: 'n' });
    assert.doesNotMatch(html, /4242|pid|example\.invalid/);
  });

  it("an error shows the service's message, the correlation id and what to do, apart", () => {
    const text =
      'Power Platform API error (HTTP 409, EnvironmentOperationInProgress): Another operation is running.\nCorrelation id: 11111111-2222\nWhat to do: Wait for it to finish, then try again.';
    assert.deepEqual(errorFromText(text), {
      message: 'Power Platform API error (HTTP 409, EnvironmentOperationInProgress): Another operation is running.',
      code: 'EnvironmentOperationInProgress',
      correlationId: '11111111-2222',
      hint: 'Wait for it to finish, then try again.',
    });
    const page = resultPage('Reset environment: Contoso Test', text, undefined, true);
    assert.equal(page.ok, false);
    const html = resultHtml(page, { nonce: 'n', jsonCommand: 'command:x' });
    assert.match(html, /What to do:<\/strong> Wait for it to finish/);
    assert.doesNotMatch(html, /Show the full result as JSON/, 'no JSON link without a structured result');
  });

  it("an operation's toast is its title and state, and for a failure the error and what to do", () => {
    const done = resultPage(
      'Export solution',
      'Export Core from Contoso Dev: succeeded, 3 s\nWritten to /w/Core.zip',
      {
        id: 'op',
        kind: 'export_solution',
        title: 'Export Core from Contoso Dev',
        state: 'succeeded',
        error: null,
      },
      false,
    );
    assert.equal(pageToast(done, ''), 'Export Core from Contoso Dev: succeeded.');
    const failed = resultPage(
      'Reset environment',
      'Reset Contoso Test: failed',
      {
        id: 'op',
        kind: 'reset_environment',
        title: 'Reset Contoso Test',
        state: 'failed',
        error: { message: 'No capacity.', code: null, correlationId: 'c', hint: 'Free some capacity.' },
      },
      true,
    );
    assert.equal(pageToast(failed, ''), 'Reset Contoso Test: failed. No capacity. What to do: Free some capacity.');
  });

  it('the page is escaped, runs no script, and links to the JSON view', () => {
    const page = resultPage('<b>x</b>', 'Done <script>alert(1)</script>', { name: '<img src=x>' }, false);
    const html = resultHtml(page, { nonce: 'abc', jsonCommand: 'command:powerAgent.result.showJson?%5B%22id%22%5D' });
    assert.doesNotMatch(html, /<script|<img|<b>x/);
    assert.match(html, /default-src 'none'; style-src 'nonce-abc'/);
    assert.match(html, /href="command:powerAgent\.result\.showJson\?%5B%22id%22%5D"/);
  });
});

describe('views', () => {
  it("an environment's description and tooltip name its type, region and creation time as people read them", () => {
    const view = environmentItemView(DEV, true, 'Public');
    assert.equal(view.description, 'Sandbox · United States · default');
    assert.match(view.tooltip, /Region: United States \(westus\)/);
    assert.doesNotMatch(view.tooltip, /2026-11-20T08:30/);
    assert.equal(view.contextValue, 'environment.dataverse.sandbox');
    assert.equal(environmentItemView({ ...DEV, state: 'NotReady' }, false, 'Public').description, 'Sandbox · United States · NotReady');
  });

  it('a solution has a tooltip and a context value that says whether it is managed', () => {
    const view = solutionItemView({
      id: 's1',
      uniqueName: 'ContosoCore',
      displayName: 'Contoso Core',
      version: '1.2.0.0',
      managed: false,
      publisher: 'Contoso',
      prefix: 'contoso',
      installedOn: '2026-11-01T00:00:00Z',
      modifiedOn: null,
      description: null,
    });
    assert.equal(view.description, 'ContosoCore · 1.2.0.0');
    assert.equal(view.contextValue, 'solution.unmanaged');
    assert.match(view.tooltip, /Publisher: Contoso/);
  });

  // The menus' `when` clauses must match these context values, or the actions never show.
  const menuShows = (menu: string, command: string, contextValue: string) => {
    const items = (pkg.contributes.menus[menu] as Array<{ command?: string; submenu?: string; when?: string }>).filter(
      (m) => (m.command ?? m.submenu) === command,
    );
    return items.some((m) => {
      const clauses = (m.when ?? '').split('&&').map((c) => c.trim());
      return clauses.every((clause) => {
        const regex = /^viewItem =~ \/(.+)\/$/.exec(clause)?.[1];
        if (regex) return new RegExp(regex).test(contextValue);
        const equal = /^viewItem == (\S+)$/.exec(clause)?.[1];
        if (equal) return equal === contextValue;
        return true;
      });
    });
  };
  const contextOf = (fields: Partial<EnvironmentSummary>) => environmentItemView({ ...DEV, ...fields }, false, 'Public').contextValue;

  it('environment actions show where the tool can run: no delete or backup on the default environment, restore only onto a sandbox', () => {
    const lifecycle = 'powerAgent.environment.lifecycle';
    const defaultEnv = contextOf({ isDefault: true, type: 'Default' });
    const production = contextOf({ type: 'Production' });
    const sandbox = contextOf({});
    const noDataverse = contextOf({ hasDataverse: false, url: null, type: 'Trial' });
    assert.equal(menuShows(lifecycle, 'powerAgent.run.pp_delete_environment', defaultEnv), false);
    assert.equal(menuShows(lifecycle, 'powerAgent.run.pp_delete_environment', noDataverse), true);
    assert.equal(menuShows(lifecycle, 'powerAgent.run.pp_backup_environment', defaultEnv), false);
    assert.equal(menuShows(lifecycle, 'powerAgent.run.pp_backup_environment', production), true);
    assert.equal(menuShows(lifecycle, 'powerAgent.run.pp_restore_environment', sandbox), true);
    assert.equal(menuShows(lifecycle, 'powerAgent.run.pp_restore_environment', production), false);
    assert.equal(menuShows('view/item/context', 'powerAgent.environment.solutions', noDataverse), false);
    assert.equal(menuShows('view/item/context', 'powerAgent.environment.governance', sandbox), true);
  });

  it('solution actions: export, check and set version only for unmanaged solutions; delete and the maker portal for all', () => {
    const menu = 'view/item/context';
    for (const command of ['powerAgent.run.pp_export_solution', 'powerAgent.solution.check', 'powerAgent.run.pp_set_solution_version']) {
      assert.equal(menuShows(menu, command, 'solution.unmanaged'), true, command);
      assert.equal(menuShows(menu, command, 'solution.managed'), false, command);
    }
    assert.equal(menuShows(menu, 'powerAgent.run.pp_delete_solution', 'solution.managed'), true);
    assert.equal(menuShows(menu, 'powerAgent.solution.openMaker', 'solution.managed'), true);
  });

  it('a view item fills the arguments it stands for: an environment is the source of a copy, else the environment', () => {
    const node = { kind: 'environment' as const, env: DEV };
    const props = (name: string) => manifestEntry(name).inputSchema.properties as Record<string, unknown>;
    const required = (name: string) => manifestEntry(name).inputSchema.required as string[];
    assert.deepEqual(presetFromNode(node, props('pp_copy_environment'), required('pp_copy_environment')), { source: DEV.id });
    assert.deepEqual(presetFromNode(node, props('pp_restore_environment'), required('pp_restore_environment')), { environment: DEV.id });
    const solution = {
      kind: 'solution' as const,
      env: DEV,
      solution: {
        id: 's',
        uniqueName: 'Core',
        displayName: 'Core',
        version: '1.0',
        managed: false,
        publisher: null,
        prefix: 'contoso',
        installedOn: null,
        modifiedOn: null,
        description: null,
      },
    };
    assert.deepEqual(presetFromNode(solution, props('pp_export_solution'), required('pp_export_solution')), {
      environment: DEV.id,
      solution: 'Core',
    });
  });

  it('operations: the filter and Clear Finished hide what they should and keep what runs', () => {
    const base = {
      kind: 'create_environment',
      environment: { displayName: 'x' },
      createdAt: '2026-11-24T10:00:00Z',
      updatedAt: '2026-11-24T10:00:00Z',
    } as const;
    const records = [
      { ...base, id: 'a', title: 'a', state: 'running' },
      { ...base, id: 'b', title: 'b', state: 'failed', finishedAt: '2026-11-24T10:01:00Z' },
      { ...base, id: 'c', title: 'c', state: 'succeeded', finishedAt: '2026-11-24T10:05:00Z' },
    ] as OperationRecord[];
    assert.deepEqual(
      visibleOperations(records, 'active').map((r) => r.id),
      ['a'],
    );
    assert.deepEqual(
      visibleOperations(records, 'failed').map((r) => r.id),
      ['b'],
    );
    assert.deepEqual(
      visibleOperations(records, 'all', '2026-11-24T10:02:00Z').map((r) => r.id),
      ['a', 'c'],
    );
  });

  it('the status bar names the account and the environment, and asks to sign in when nobody is', () => {
    const signedIn = statusView({
      sandbox: false,
      account: 'ada@contoso.com',
      defaultEnvironment: DEV.id,
      environmentName: 'Contoso Dev',
      readOnly: false,
    });
    assert.equal(signedIn.text, '$(account) ada@contoso.com · Contoso Dev');
    const sandbox = statusView({ sandbox: true, defaultEnvironment: '', readOnly: true });
    assert.equal(sandbox.text, '$(beaker) Sandbox · no default environment · read-only');
    assert.doesNotMatch(sandbox.tooltip, /service principal|your account/i);
    const unnamed = statusView({ sandbox: false, account: 'ada@contoso.com', defaultEnvironment: DEV.id, readOnly: false });
    assert.equal(unnamed.text, '$(account) ada@contoso.com · 000000e0…');
    const nobody = statusView({ sandbox: false, defaultEnvironment: DEV.id, readOnly: false });
    assert.equal(nobody.signedIn, false);
    assert.equal(nobody.text, '$(sign-in) Power Agent MCP: Sign In');
  });

  it("the status bar's hover shows the server's figures against the thresholds, once tools have run", () => {
    const metrics = new Metrics();
    for (let i = 0; i < 20; i++) metrics.toolCall('pp_list_solutions', 100 + i, i < 2, true);
    const budget = new Headers({
      'x-ms-ratelimit-burst-remaining-xrm-requests': '5,400',
      'x-ms-ratelimit-time-remaining-xrm-requests': '1,100.50',
    });
    metrics.request('dataverse', 'https://contoso.crm.dynamics.com/api/data/v9.2/solutions', 200, 80, budget);
    const view = statusView({ sandbox: true, defaultEnvironment: '', readOnly: false, status: serverStatusReport(metrics.snapshot()) });
    assert.match(view.tooltip, /Server \*\*needs attention\*\*: up 0 min, [\d.]+ MB/);
    assert.match(view.tooltip, /\$\(warning\) tool success rate: 90\.0 % \(18 of 20 calls\)/);
    assert.match(view.tooltip, /\n(?!\$)Dataverse API budget: lowest 90 % left/);
    assert.match(view.tooltip, /simple calls p95: highest 0\.12 s/);
    assert.match(view.tooltip, /Operations: 0 running, 0 succeeded, 0 failed/);
    assert.doesNotMatch(statusView({ sandbox: true, defaultEnvironment: '', readOnly: false }).tooltip, /Server/);
  });

  it('the Server Health view: the checks, then per tool and per service figures; before any call, a note', () => {
    assert.deepEqual(
      healthNodes(undefined).map((node) => node.label),
      ['No figures yet'],
    );
    const metrics = new Metrics();
    for (let i = 0; i < 10; i++) metrics.toolCall('pp_list_solutions', 100 + 10 * i, i === 0, true);
    metrics.request('bap', 'https://api.bap.microsoft.com/providers/x', 429, 30);
    metrics.retry('bap', 'https://api.bap.microsoft.com/providers/x', 2_000);
    const budget = new Headers({ 'x-ms-ratelimit-burst-remaining-xrm-requests': '5,400' });
    metrics.request('dataverse', 'https://contoso.crm.dynamics.com/api/data/v9.2/solutions', 200, 80, budget);
    const nodes = healthNodes(serverStatusReport(metrics.snapshot()));
    assert.equal(nodes[0]!.label, 'Needs attention');
    assert.match(nodes[0]!.description!, /^up 0 min · RSS [\d.]+ MB · heap [\d.]+ MB$/);
    const success = nodes.find((node) => node.label === 'tool success rate')!;
    assert.equal(success.icon, 'warning');
    assert.match(success.tooltip!, /90\.0 % \(9 of 10 calls\) \(threshold: above 95 %\)/);
    const tools = nodes.find((node) => node.label === 'Tools')!.children!;
    assert.deepEqual(
      tools.map((tool) => [tool.label, tool.description]),
      [['pp_list_solutions', '10 calls, 1 error · p50 140 ms · p95 190 ms']],
    );
    const services = nodes.find((node) => node.label === 'Services')!.children!;
    const bap = services.find((service) => service.label === 'bap')!;
    assert.match(bap.description!, /1 request · 1 throttled · 1 retry \(2\.0 s waited\)/);
    assert.equal(bap.icon, 'warning');
    const dataverse = services.find((service) => service.label.startsWith('dataverse'))!;
    assert.match(dataverse.description!, /budget left: 5400 requests$/);
  });

  it('portal links per cloud', () => {
    assert.equal(makerPortalUrl('Public', 'e1', 's1'), 'https://make.powerapps.com/environments/e1/solutions/s1');
    assert.equal(adminCenterUrl('GCCHigh', 'e1'), 'https://high.admin.powerplatform.microsoft.us/environments/environment/e1/hub');
  });
});

describe('settings and the log', () => {
  it('allowed folders: ${workspaceFolder} is every workspace folder, ~ the home folder, relative paths from the first folder', () => {
    const join = (...parts: string[]) => parts.join('/');
    assert.deepEqual(expandFolders(['${workspaceFolder}'], ['/w/a', '/w/b'], '/home/ada', join), ['/w/a', '/w/b']);
    assert.deepEqual(expandFolders(['~/exports', 'out', '/data', '${workspaceFolder}/sub'], ['/w/a'], '/home/ada', join), [
      '/home/ada/exports',
      '/w/a/out',
      '/data',
      '/w/a/sub',
    ]);
    assert.deepEqual(expandFolders(['${workspaceFolder}', 'out'], [], '/home/ada', join), []);
  });

  it('a tool call is one log line: caller, tool, target, outcome, time, correlation id; no other argument', () => {
    const result = { isError: true, content: [{ type: 'text' as const, text: 'Dataverse error (HTTP 400): bad\nCorrelation id: c-9' }] };
    const { failed, line } = toolCallLine({
      tool: 'pp_import_solution',
      args: { environment: 'Contoso Dev', zipFile: '/secret/path.zip', confirm: 'x' },
      origin: 'palette',
      ms: 2345,
      result,
    });
    assert.equal(failed, true);
    assert.equal(
      line,
      'pp_import_solution (palette) · environment=Contoso Dev · failed: Dataverse error (HTTP 400): bad in 2.3 s · correlation id c-9',
    );
    const ok = toolCallLine({
      tool: 'pp_create_environment',
      args: { displayName: 'QA' },
      origin: 'MCP',
      ms: 80,
      result: { content: [], structuredContent: { state: 'running', correlationId: 'c-1' } },
    });
    assert.equal(ok.line, 'pp_create_environment (MCP) · displayName=QA · ok (operation running) in 80 ms · correlation id c-1');
  });
});
