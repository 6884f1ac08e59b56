/** Where VS Code's builds are listed; a download starts here. */
export const UPDATE_SERVICE = 'https://update.code.visualstudio.com/api/releases/stable';

/**
 * Why the desktop run cannot start, or undefined when it can: no display to open a window on
 * (Linux), or no VS Code at hand and no route to download one. Bounded: the update service gets
 * `timeoutMs` to answer, so a network that drops packets cannot make the run hang.
 */
export async function desktopBlocker(options: {
  executable?: string;
  cached: boolean;
  env: Record<string, string | undefined>;
  platform?: string;
  updateService?: string;
  timeoutMs?: number;
}): Promise<string | undefined> {
  const platform = options.platform ?? process.platform;
  const reasons: string[] = [];
  if (!options.executable && !options.cached) {
    const unreachable = await downloadBlocker(
      options.updateService ?? options.env.POWER_AGENT_VSCODE_UPDATE_SERVICE ?? UPDATE_SERVICE,
      options.timeoutMs ?? 8_000,
    );
    if (unreachable) reasons.push(unreachable);
  }
  if (platform === 'linux' && !options.env.DISPLAY && !options.env.WAYLAND_DISPLAY) {
    reasons.push(
      'VS Code desktop needs a display, and none is set (DISPLAY): run it under a virtual one, xvfb-run -a npm run test:desktop.',
    );
  }
  return reasons.length ? reasons.join(' ') : undefined;
}

async function downloadBlocker(url: string, timeoutMs: number): Promise<string | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await response.body?.cancel();
    if (response.ok) return undefined;
    return `VS Code cannot be downloaded: ${url} answered HTTP ${response.status}.${OFFLINE_HINT}`;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why =
      (error as Error).name === 'TimeoutError'
        ? `no answer within ${timeoutMs / 1000} s`
        : (cause?.code ?? cause?.message ?? (error as Error).message);
    return `VS Code cannot be downloaded: ${url} is not reachable (${why}).${OFFLINE_HINT}`;
  }
}

const OFFLINE_HINT =
  ' Run it where VS Code can be downloaded (a contributor machine, hosted CI), or set VSCODE_EXECUTABLE to an installed VS Code. ' +
  'Offline, `npm test` runs the same suite in code-server.';
