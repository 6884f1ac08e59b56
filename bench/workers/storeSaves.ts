/**
 * One process of bench/operation-store.ts: at the given moment it saves `saves` changes spread over
 * `records` operation records in a shared FileOperationStore, and prints how long each save took.
 */
import { FileOperationStore } from '../../src/operations/store';
import type { OperationRecord } from '../../src/operations/record';

const [file, recordsText, savesText, startAtText] = process.argv.slice(2);
const store = new FileOperationStore(file!);
const now = new Date().toISOString();
const records: OperationRecord[] = Array.from({ length: Number(recordsText) }, (_, index) => ({
  id: `${process.pid}-${index}`,
  kind: 'reset_environment',
  title: `Reset bench ${process.pid}-${index}`,
  environment: { id: `env-${process.pid}-${index}`, displayName: 'Bench' },
  state: 'running',
  details: { dataverse: true, operationName: 'Reset' },
  poll: {
    style: 'ppapi-operation',
    url: `https://api.powerplatform.com/environmentmanagement/operations/${process.pid}-${index}?api-version=2024-10-01`,
  },
  createdAt: now,
  updatedAt: now,
  owner: { pid: process.pid, startedAt: now },
}));

setTimeout(
  () => {
    const took: number[] = [];
    const saves = Number(savesText);
    for (let n = 0; n < saves; n++) {
      const record = records[n % records.length]!;
      record.percent = Math.round((100 * (n + 1)) / saves);
      if (n >= saves - records.length) record.state = 'succeeded';
      const started = performance.now();
      store.save(record);
      took.push(performance.now() - started);
    }
    process.stdout.write(JSON.stringify(took));
  },
  Math.max(0, Number(startAtText) - Date.now()),
);
