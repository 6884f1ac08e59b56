import { elapsedSeconds, isTerminal, type OperationRecord } from '../operations/record';
import { formatTime, readableTimes } from './format';

export interface OperationItemView {
  label: string;
  description: string;
  /** A codicon id; `~spin` animates it. */
  icon: string;
  /** A theme color id, or undefined for the default. */
  color?: string;
  contextValue: string;
  tooltip: string;
}

const ICONS: Record<OperationRecord['state'], { icon: string; color?: string }> = {
  starting: { icon: 'loading~spin' },
  queued: { icon: 'clock' },
  running: { icon: 'loading~spin' },
  succeeded: { icon: 'pass', color: 'testing.iconPassed' },
  failed: { icon: 'error', color: 'testing.iconFailed' },
  canceled: { icon: 'circle-slash' },
  unknown: { icon: 'question', color: 'list.warningForeground' },
};

/**
 * How an operation shows in the Operations view: no VS Code types, so it is tested without VS Code.
 * `waiting` is how many calls (chat, palette) wait for the operation; they can be told to stop.
 * `past` marks one of a sandbox closed earlier: shown, but nothing can be done with it.
 */
export function operationItemView(record: OperationRecord, now = Date.now(), waiting = 0, past = false): OperationItemView {
  const parts: string[] = [record.state];
  if (record.stage && (record.state === 'running' || record.state === 'queued' || record.state === 'starting')) parts.push(record.stage);
  if (record.percent !== undefined && record.state === 'running') parts.push(`${record.percent}%`);
  parts.push(formatElapsed(elapsedSeconds(record, now)));
  if (waiting && !isTerminal(record.state)) parts.push(waiting === 1 ? 'a call waits' : `${waiting} calls wait`);
  if (past) parts.push('earlier sandbox');
  const title = readableTimes(record.title);
  const lines = [`**${title}**`, '', `State: ${record.state}`, `Started: ${formatTime(record.createdAt)}`];
  if (record.finishedAt) lines.push(`Ended: ${formatTime(record.finishedAt)}`);
  if (past) lines.push('', 'From a sandbox closed earlier in this window.');
  if (record.error)
    lines.push(
      '',
      `Error${record.error.code ? ` (${record.error.code})` : ''}: ${record.error.message}`,
      ...(record.error.hint ? [`What to do: ${record.error.hint}`] : []),
    );
  lines.push('', `Operation id: ${record.id}`);
  if (record.serviceOperationId) lines.push(`Service operation id: ${record.serviceOperationId}`);
  const contextValue = past ? 'operation.past' : `operation.${record.state}${waiting && !isTerminal(record.state) ? '.waiting' : ''}`;
  return { label: title, description: parts.join(' · '), ...ICONS[record.state], contextValue, tooltip: lines.join('  \n') };
}

export function formatElapsed(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** What the Operations view's filter can show. */
export type OperationFilter = 'all' | 'active' | 'failed' | 'succeeded';

export const OPERATION_FILTERS: Record<OperationFilter, string> = {
  all: 'All operations',
  active: 'Running or queued',
  failed: 'Failed, canceled or unknown',
  succeeded: 'Succeeded',
};

/** The operations the view shows: those the filter keeps, less the finished ones cleared before `clearedBefore` (an ISO time). */
export function visibleOperations(records: readonly OperationRecord[], filter: OperationFilter, clearedBefore?: string): OperationRecord[] {
  return records.filter((record) => {
    if (clearedBefore && isTerminal(record.state) && (record.finishedAt ?? record.updatedAt) <= clearedBefore) return false;
    switch (filter) {
      case 'active':
        return !isTerminal(record.state);
      case 'failed':
        return record.state === 'failed' || record.state === 'canceled' || record.state === 'unknown';
      case 'succeeded':
        return record.state === 'succeeded';
      default:
        return true;
    }
  });
}
