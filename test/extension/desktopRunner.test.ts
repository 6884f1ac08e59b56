import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server, type Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { desktopBlocker } from '../desktop/preflight';
import { ROOT } from '../helpers';

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('the desktop runner (npm run test:desktop) where VS Code cannot be downloaded', { timeout: 60_000 }, () => {
  it('says VS Code cannot be downloaded when its update service refuses the connection', async () => {
    const port = await closedPort();
    const blocker = await desktopBlocker({ cached: false, env: { DISPLAY: ':99' }, updateService: `http://127.0.0.1:${port}/stable` });
    assert.match(blocker ?? '', /^VS Code cannot be downloaded: http:\/\/127\.0\.0\.1:\d+\/stable is not reachable \(ECONNREFUSED\)/);
    assert.match(blocker ?? '', /`npm test` runs the same suite in code-server/);
  });

  it('gives up on an update service that never answers instead of hanging', async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as { port: number };
      const blocker = await desktopBlocker({
        cached: false,
        env: { DISPLAY: ':99' },
        updateService: `http://127.0.0.1:${port}/`,
        timeoutMs: 300,
      });
      assert.match(blocker ?? '', /not reachable \(no answer within 0\.3 s\)/);
    } finally {
      sockets.forEach((s) => s.destroy());
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('needs no download with an installed VS Code, and asks for a display on Linux without one', async () => {
    assert.equal(
      await desktopBlocker({ executable: '/opt/vscode/code', cached: false, env: { DISPLAY: ':0' }, platform: 'linux' }),
      undefined,
    );
    assert.match(
      (await desktopBlocker({ executable: '/opt/vscode/code', cached: false, env: {}, platform: 'linux' }))!,
      /needs a display.*xvfb-run/,
    );
    assert.equal(await desktopBlocker({ cached: true, env: {}, platform: 'darwin' }), undefined);
  });

  it('the script stops with the reason and a failing exit code, without building or downloading', async () => {
    const port = await closedPort();
    const emptyCache = mkdtempSync(join(tmpdir(), 'no-vscode-'));
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'desktop', 'run.ts')], {
      cwd: ROOT,
      // No VS Code at hand (an empty cache), and its update service refuses.
      env: {
        PATH: process.env.PATH,
        POWER_AGENT_VSCODE_CACHE: emptyCache,
        POWER_AGENT_VSCODE_UPDATE_SERVICE: `http://127.0.0.1:${port}/`,
        DISPLAY: ':99',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    rmSync(emptyCache, { recursive: true, force: true });
    assert.equal(code, 1);
    assert.match(output, /test:desktop did not run: VS Code cannot be downloaded/);
  });
});
