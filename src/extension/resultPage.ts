import { formatElapsed } from './operationItem';
import { fieldLabel, formatTime, readableTimes, regionName, scalarText, toastText } from './format';

/** A tool result or an operation as a page people read: a headline, facts, tables, an error with what to do. No VS Code types. */
export interface ResultPage {
  title: string;
  /** An operation (create, export, restore, …) or another result. */
  kind: 'operation' | 'result';
  ok: boolean;
  headline: string;
  /** The summary's other lines. */
  lines: string[];
  error?: PageError;
  facts: Array<[string, string]>;
  sections: Array<{ heading: string; facts: Array<[string, string]> }>;
  tables: Array<{ heading: string; columns: string[]; rows: string[][] }>;
  notes: string[];
  /** The structured result without internal fields, for the JSON view; undefined when there is none. */
  json?: unknown;
}

export interface PageError {
  message: string;
  code?: string;
  correlationId?: string;
  hint?: string;
}

/** Fields for the product's own bookkeeping, never shown. */
const INTERNAL = new Set(['owner', 'poll', 'details']);
/** Fields of an operation shown in its own way (or not at all). */
const OPERATION_SHOWN_APART = new Set([
  'id',
  'kind',
  'title',
  'state',
  'done',
  'stage',
  'percent',
  'environmentId',
  'environmentName',
  'sourceEnvironmentId',
  'updatedAt',
  'elapsedSeconds',
  'result',
  'error',
  'notes',
  'serviceOperationId',
  'correlationId',
  'createdAt',
  'finishedAt',
]);
const MAX_COLUMNS = 7;

/** The page for a tool's result: its summary text and structured content. */
export function resultPage(title: string, summary: string, structured: unknown, isError: boolean): ResultPage {
  const lines = summary
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim());
  const json = structured === undefined ? undefined : withoutInternal(structured);
  const page: ResultPage = {
    title,
    kind: 'result',
    ok: !isError,
    headline: lines[0] ?? (isError ? 'Failed.' : 'Done.'),
    lines: [],
    facts: [],
    sections: [],
    tables: [],
    notes: [],
    json,
  };
  const data = isRecord(json) ? json : undefined;
  if (data && isOperation(data)) {
    fillOperation(page, data);
    page.lines = lines.slice(1).filter((line) => !/^(Correlation id|What to do):/.test(line));
  } else if (isError) {
    page.error = errorFromText(summary);
    page.headline = `${title}: failed`;
    if (data) fillGeneric(page, data);
  } else {
    page.lines = lines.slice(1).filter((line) => !(data && line.startsWith('- ')));
    if (data) fillGeneric(page, data);
  }
  return page;
}

/** The page for an operation record of the Operations view. */
export function operationPage(record: Record<string, unknown>): ResultPage {
  const data = withoutInternal(record) as Record<string, unknown>;
  const environment = data.environment as { id?: string; displayName?: string } | undefined;
  const source = data.source as { id?: string; displayName?: string } | undefined;
  const flat: Record<string, unknown> = {
    ...data,
    environmentName: environment?.displayName,
    environmentId: environment?.id,
    sourceEnvironmentId: source?.id,
    sourceName: source?.displayName,
  };
  const page: ResultPage = {
    title: readableTimes(String(data.title)),
    kind: 'operation',
    ok: data.state !== 'failed',
    headline: String(data.title),
    lines: [],
    facts: [],
    sections: [],
    tables: [],
    notes: [],
    json: data,
  };
  fillOperation(page, flat);
  return page;
}

function fillOperation(page: ResultPage, op: Record<string, unknown>): void {
  const state = String(op.state);
  page.kind = 'operation';
  page.ok = state !== 'failed' && state !== 'canceled';
  page.headline = `${readableTimes(String(op.title))}: ${state}`;
  const started = typeof op.createdAt === 'string' ? op.createdAt : undefined;
  const finished = typeof op.finishedAt === 'string' ? op.finishedAt : undefined;
  const facts: Array<[string, string | undefined]> = [
    ['State', [state, op.stage, typeof op.percent === 'number' && !finished ? `${op.percent}%` : undefined].filter(Boolean).join(' · ')],
    ['Environment', op.environmentName as string | undefined],
    ['Source environment', op.sourceName as string | undefined],
    ['Started', formatTime(started)],
    ['Ended', formatTime(finished)],
    ['Took', started && finished ? formatElapsed(Math.round((Date.parse(finished) - Date.parse(started)) / 1000)) : undefined],
    ['Service operation id', op.serviceOperationId as string | undefined],
    ['Correlation id', op.correlationId as string | undefined],
    ['Operation id', op.id as string | undefined],
  ];
  page.facts = facts.filter((fact): fact is [string, string] => Boolean(fact[1]));
  for (const [key, value] of Object.entries(op)) {
    if (!OPERATION_SHOWN_APART.has(key) && !['environment', 'source', 'sourceName'].includes(key) && isScalar(value))
      page.facts.push([fieldLabel(key), formatValue(key, value)]);
  }
  if (isRecord(op.result)) fillGeneric(page, op.result, 'Result');
  if (isRecord(op.error)) {
    const error = op.error;
    page.error = {
      message: String(error.message),
      code: optionalText(error.code),
      correlationId: optionalText(error.correlationId),
      hint: optionalText(error.hint),
    };
  }
  if (Array.isArray(op.notes)) page.notes = op.notes.map(String);
}

function fillGeneric(page: ResultPage, data: Record<string, unknown>, heading?: string): void {
  const facts: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(data)) {
    if (isScalar(value)) facts.push([fieldLabel(key), formatValue(key, value)]);
    else if (Array.isArray(value) && value.every(isScalar))
      facts.push([fieldLabel(key), value.length ? value.map((v) => formatValue(key, v)).join(', ') : '—']);
    else if (Array.isArray(value)) page.tables.push(table(fieldLabel(key), value));
    else if (isRecord(value))
      page.sections.push({
        heading: fieldLabel(key),
        facts: Object.entries(value).map(([k, v]) => [fieldLabel(k), isScalar(v) ? formatValue(k, v) : JSON.stringify(v)]),
      });
  }
  if (heading && facts.length) page.sections.unshift({ heading, facts });
  else page.facts.push(...facts);
}

function table(heading: string, rows: unknown[]): ResultPage['tables'][number] {
  const keys: string[] = [];
  for (const row of rows) {
    if (!isRecord(row)) continue;
    for (const [key, value] of Object.entries(row))
      if (!keys.includes(key) && (isScalar(value) || (Array.isArray(value) && value.every(isScalar)))) keys.push(key);
  }
  const filled = keys.filter((key) => rows.some((row) => isRecord(row) && row[key] !== null && row[key] !== undefined && row[key] !== ''));
  const columns = [...filled].sort((a, b) => columnRank(a) - columnRank(b)).slice(0, MAX_COLUMNS);
  return {
    heading: `${heading} (${rows.length})`,
    columns: columns.map(fieldLabel),
    rows: rows.map((row) =>
      columns.map((key) => {
        const value = isRecord(row) ? row[key] : undefined;
        return Array.isArray(value) ? value.map((v) => formatValue(key, v)).join(', ') : formatValue(key, value);
      }),
    ),
  };
}

/** Names first, ids last (they are in the JSON view); otherwise the order the tool gave. */
function columnRank(key: string): number {
  const names = ['displayName', 'name', 'uniqueName', 'label', 'title'];
  if (names.includes(key)) return names.indexOf(key) - names.length;
  return key === 'id' || /Id$/.test(key) ? 1 : 0;
}

/**
 * A toast for the page: an operation's title and state, with the error and what to do when it failed;
 * another result's summary as `toastText` shortens it.
 */
export function pageToast(page: ResultPage, summary: string): string {
  if (page.kind !== 'operation') return toastText(summary, !page.ok);
  const error = page.error ? ` ${page.error.message}${page.error.hint ? ` What to do: ${page.error.hint}` : ''}` : '';
  return toastText(`${page.headline}.${error}`, !page.ok);
}

/** Dates as local times, regions by name, yes and no for booleans. */
export function formatValue(key: string, value: unknown): string {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return formatTime(value);
  if (typeof value === 'string' && /^region$/i.test(key)) return regionName(value);
  return scalarText(value);
}

/** An error text as the tools write it: "<service> error (HTTP 400, code): message", "Correlation id: …", "What to do: …". */
export function errorFromText(text: string): PageError {
  const lines = text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  const take = (prefix: string) =>
    lines
      .find((line) => line.startsWith(prefix))
      ?.slice(prefix.length)
      .trim();
  const message = lines.filter((line) => !/^(Correlation id|What to do):/.test(line)).join('\n');
  const code = /\(HTTP \d+, ([^)]+)\)|\(([A-Za-z][\w.]+)\):/.exec(lines[0] ?? '');
  return {
    message: message || 'The call failed.',
    code: code?.[1] ?? code?.[2],
    correlationId: take('Correlation id:'),
    hint: take('What to do:'),
  };
}

function isOperation(data: Record<string, unknown>): boolean {
  return typeof data.id === 'string' && typeof data.kind === 'string' && typeof data.state === 'string' && typeof data.title === 'string';
}

function withoutInternal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutInternal);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => !INTERNAL.has(key))
      .map(([key, v]) => [key, withoutInternal(v)]),
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isScalar(value: unknown): boolean {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function optionalText(value: unknown): string | undefined {
  return typeof value === 'string' && value ? value : undefined;
}
