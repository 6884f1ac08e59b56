/**
 * One of many server processes sharing an operation store (run by store.test.ts): at the given moment
 * it starts `count` operations through a real tracker whose service is a fake that moves each one
 * through four stages, waits for them to end, and prints what its client saw and how long each save took, as JSON.
 */
import { silentLogger } from '../../src/log';
import { resolveEndpoints } from '../../src/platform/endpoints';
import { FileOperationStore } from '../../src/operations/store';
import { OperationTracker } from '../../src/operations/tracker';
import type { Services } from '../../src/services';

const [file, countText, startAtText] = process.argv.slice(2);
const endpoints = resolveEndpoints({});
const polls = new Map<string, number>();
const STAGES = ['Validate', 'Prepare', 'Run', 'Finalize'];

/** An operation document one stage further on at each read; then the environment, ready. */
function answer(url: string): unknown {
  if (url.includes('/environments/env-'))
    return { name: url.split('/environments/')[1]!.split('?')[0], properties: { displayName: 'Worker', provisioningState: 'Succeeded' } };
  const seen = (polls.get(url) ?? 0) + 1;
  polls.set(url, seen);
  const done = Math.min(seen, STAGES.length);
  return {
    operationId: url.split('/operations/')[1]!.split('?')[0],
    status: done === STAGES.length ? 'Succeeded' : 'InProgress',
    stageStatuses: STAGES.map((name, index) => ({ name, status: index < done ? 'Succeeded' : 'NotStarted' })),
  };
}

const services = {
  endpoints,
  http: { send: async (request: { url: string }) => ({ status: 200, headers: new Headers(), body: answer(request.url) }) },
} as unknown as Services;

async function main(): Promise<void> {
  const store = new FileOperationStore(file!);
  const saves: number[] = [];
  const save = store.save.bind(store);
  store.save = (record) => {
    const started = performance.now();
    save(record);
    saves.push(performance.now() - started);
  };
  const tracker = new OperationTracker({ store, services: async () => services, logger: silentLogger, defaultPollIntervalMs: 5 });
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startAtText) - Date.now())));
  const started = await Promise.all(
    Array.from({ length: Number(countText) }, (_, index) => {
      const id = `env-${process.pid}-${index}`;
      return tracker.begin({
        kind: 'reset_environment',
        title: `Reset ${id}`,
        environment: { id, displayName: id },
        start: async () => ({
          kind: 'poll',
          style: 'ppapi-operation',
          url: `${endpoints.powerPlatformUrl}/environmentmanagement/operations/${id}?api-version=2024-10-01`,
          retryAfterMs: 5,
        }),
      });
    }),
  );
  const ended = await Promise.all(started.map((record) => tracker.wait(record.id, { waitMs: 60_000 })));
  tracker.close();
  process.stdout.write(JSON.stringify({ operations: ended.map(({ record }) => ({ id: record.id, state: record.state })), saves }));
}

void main();
