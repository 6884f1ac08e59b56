import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import * as esbuild from 'esbuild';
import { ROOT } from '../helpers';

/** The worker as one plain script: twenty processes start in seconds instead of compiling TypeScript each. */
async function bundleWorker(dir: string): Promise<string> {
  const outfile = join(dir, 'storeWorker.js');
  await esbuild.build({
    entryPoints: [join(ROOT, 'test', 'operations', 'storeWorker.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile,
    logLevel: 'warning',
  });
  return outfile;
}

interface WorkerReport {
  operations: Array<{ id: string; state: string }>;
  /** Milliseconds each save took, lock wait included. */
  saves: number[];
}

/** Runs the worker; resolves with what its client saw. */
function worker(script: string, file: string, count: number, startAt: number): Promise<WorkerReport> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, file, String(count), String(startAt)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker exited ${code}: ${err}`))));
  });
}

describe('operation store shared by several servers', () => {
  it(
    '20 processes starting 60 operations: every record is kept, and none stays running after its client saw it end',
    { timeout: 120_000 },
    async (t) => {
      const dir = mkdtempSync(join(tmpdir(), 'power-agent-store-'));
      const file = join(dir, 'operations.json');
      try {
        const script = await bundleWorker(dir);
        // Every process starts its operations at the same moment, so their saves overlap.
        const startAt = Date.now() + 3000;
        const reports = await Promise.all(Array.from({ length: 20 }, () => worker(script, file, 3, startAt)));
        const seen = reports.flatMap((r) => r.operations);
        const saves = reports.flatMap((r) => r.saves).sort((a, b) => a - b);
        const at = (share: number) => saves[Math.min(saves.length - 1, Math.floor(share * saves.length))]!.toFixed(1);
        t.diagnostic(
          `20 processes, ${seen.length} operations, ${saves.length} saves; save with lock wait: median ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`,
        );
        assert.equal(seen.length, 60);
        assert.ok(
          seen.every((op) => op.state === 'succeeded'),
          'every client saw its operation succeed',
        );
        const stored = new Map(
          (JSON.parse(readFileSync(file, 'utf8')).operations as Array<{ id: string; state: string }>).map((op) => [op.id, op.state]),
        );
        const lost = seen.filter((op) => !stored.has(op.id));
        const stale = seen.filter((op) => stored.has(op.id) && stored.get(op.id) !== 'succeeded');
        t.diagnostic(`records lost: ${lost.length}; records left in another state: ${stale.length}`);
        assert.equal(lost.length, 0, 'no record is lost');
        assert.equal(stale.length, 0, 'no record is left as it was before it ended');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
