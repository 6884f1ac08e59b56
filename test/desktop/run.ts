import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { desktopBlocker } from './preflight';

/**
 * `npm run test:desktop`: the in-extension suite that the code-server run drives (test/e2e/probe/suite.js),
 * in a VS Code desktop that @vscode/test-electron downloads. Where VS Code cannot be downloaded (no
 * route to its update service) or cannot start (no display), it stops at once and says so.
 *
 * VSCODE_EXECUTABLE uses an installed VS Code instead of a download; VSCODE_VERSION picks the version
 * (default stable); a download is kept in .cache/vscode-test (POWER_AGENT_VSCODE_CACHE).
 */
const ROOT = join(__dirname, '..', '..');
const CACHE = process.env.POWER_AGENT_VSCODE_CACHE || join(ROOT, '.cache', 'vscode-test');
const RUN_LIMIT_MS = Number(process.env.POWER_AGENT_DESKTOP_TIMEOUT_MS) || 15 * 60_000;

async function main(): Promise<number> {
  const cached = existsSync(CACHE) && readdirSync(CACHE).some((entry) => entry.startsWith('vscode-'));
  const blocker = await desktopBlocker({ executable: process.env.VSCODE_EXECUTABLE, cached, env: process.env });
  if (blocker) {
    console.error(`test:desktop did not run: ${blocker}`);
    return 1;
  }
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  const vscodeExecutablePath =
    process.env.VSCODE_EXECUTABLE ||
    (await downloadAndUnzipVSCode({ version: process.env.VSCODE_VERSION || 'stable', cachePath: CACHE, timeout: 30_000 }));

  const work = mkdtempSync(join(tmpdir(), 'power-agent-desktop-'));
  const [userData, workspace] = ['user-data', 'workspace'].map((d) => join(work, d)) as [string, string];
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(workspace);
  // Nobody clicks here: tool confirmations are approved by the settings instead of a person.
  const settings = {
    'security.workspace.trust.enabled': false,
    'workbench.startupEditor': 'none',
    'powerAgent.sandbox': true,
    'chat.tools.autoApprove': true,
    'chat.tools.global.autoApprove': true,
  };
  writeFileSync(join(userData, 'User', 'settings.json'), JSON.stringify(settings));
  const report = join(work, 'report.json');
  const limit = setTimeout(() => {
    console.error(`test:desktop stopped: the run took longer than ${RUN_LIMIT_MS / 1000} s. Its last report: ${report}`);
    process.exit(1);
  }, RUN_LIMIT_MS);
  try {
    return await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: ROOT,
      extensionTestsPath: join(__dirname, 'suite.js'),
      extensionTestsEnv: { POWER_AGENT_PROBE_REPORT: report },
      launchArgs: [
        workspace,
        '--user-data-dir',
        userData,
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
      ],
    });
  } catch (error) {
    console.error(`test:desktop failed: ${(error as Error).message}`);
    return 1;
  } finally {
    clearTimeout(limit);
    rmSync(work, { recursive: true, force: true });
  }
}

void main().then((code) => process.exit(code));
