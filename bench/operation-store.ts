/**
 * Saves to the shared operation store (a JSON file changed under a lock file), side by side in one
 * run: one process alone (the baseline: no one to wait for), then 5 and 20 processes at once, each
 * saving 18 changes over 3 records (the changes of three operations from start to end). Shows the
 * time per save, lock waits included, and checks that every process's last change is on disk.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const RECORDS = 3;
const SAVES = 18;

function run(script: string, file: string, startAt: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, file, String(RECORDS), String(SAVES), String(startAt)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`worker exited ${code}`))));
  });
}

const percentile = (sorted: number[], share: number) => sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))]!;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'power-agent-bench-store-'));
  try {
    const script = join(dir, 'storeSaves.js');
    await esbuild.build({
      entryPoints: [join(__dirname, 'workers', 'storeSaves.ts')],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile: script,
      logLevel: 'warning',
    });
    console.log('processes  saves  median ms  p90 ms  p99 ms  max ms  wall s  records kept');
    for (const processes of [1, 5, 20]) {
      const file = join(dir, `operations-${processes}.json`);
      const startAt = Date.now() + 1500 + processes * 100;
      const took = (await Promise.all(Array.from({ length: processes }, () => run(script, file, startAt)))).flat().sort((a, b) => a - b);
      const wall = (Date.now() - startAt) / 1000;
      const stored = JSON.parse(readFileSync(file, 'utf8')).operations as Array<{ state: string }>;
      const kept = stored.filter((r) => r.state === 'succeeded').length;
      const row = [
        processes,
        took.length,
        percentile(took, 0.5),
        percentile(took, 0.9),
        percentile(took, 0.99),
        took[took.length - 1]!,
      ].map((v, i) => (i < 2 ? String(v) : v.toFixed(2)));
      console.log(
        `${row[0]!.padStart(9)}  ${row[1]!.padStart(5)}  ${row[2]!.padStart(9)}  ${row[3]!.padStart(6)}  ${row[4]!.padStart(6)}  ${row[5]!.padStart(6)}  ${wall.toFixed(1).padStart(6)}  ${kept}/${processes * RECORDS}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
