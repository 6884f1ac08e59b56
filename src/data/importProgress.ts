import { z } from 'zod';

/** The passes of an import, in order: records, their lookups and party lists, their states, the N:N links. */
export const STAGES = ['records', 'lookups', 'states', 'associations'] as const;
export type Stage = (typeof STAGES)[number];

/** A set of whole numbers kept as sorted, merged ranges [from, to). */
export class RangeSet {
  constructor(private ranges: Array<[number, number]> = []) {}

  has(n: number): boolean {
    let lo = 0;
    let hi = this.ranges.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const [from, to] = this.ranges[mid]!;
      if (n < from) hi = mid - 1;
      else if (n >= to) lo = mid + 1;
      else return true;
    }
    return false;
  }

  add(n: number): void {
    const ranges = this.ranges;
    let i = 0;
    while (i < ranges.length && ranges[i]![1] < n) i++;
    if (i < ranges.length && ranges[i]![0] <= n && n < ranges[i]![1]) return;
    if (i < ranges.length && ranges[i]![1] === n) {
      ranges[i]![1] = n + 1;
      if (i + 1 < ranges.length && ranges[i + 1]![0] === n + 1) {
        ranges[i]![1] = ranges[i + 1]![1];
        ranges.splice(i + 1, 1);
      }
    } else if (i < ranges.length && ranges[i]![0] === n + 1) ranges[i]![0] = n;
    else ranges.splice(i, 0, [n, n + 1]);
  }

  toJSON(): Array<[number, number]> {
    return this.ranges.map(([a, b]) => [a, b]);
  }
}

export interface TableCounts {
  /** Records of the table in the file. */
  records: number;
  imported: number;
  failed: number;
  lookupsSet: number;
  lookupsFailed: number;
  lookupsUnresolved: number;
  statesSet: number;
  statesFailed: number;
}

export const emptyCounts = (): TableCounts => ({
  records: 0,
  imported: 0,
  failed: 0,
  lookupsSet: 0,
  lookupsFailed: 0,
  lookupsUnresolved: 0,
  statesSet: 0,
  statesFailed: 0,
});

export interface RecordFailure {
  table: string;
  id: string;
  message: string;
  correlationId: string | null;
}

const counts = z.object({
  records: z.number(),
  imported: z.number(),
  failed: z.number(),
  lookupsSet: z.number(),
  lookupsFailed: z.number(),
  lookupsUnresolved: z.number(),
  statesSet: z.number(),
  statesFailed: z.number(),
});

/** Records matched by updateCompare fields, kept so that every call of one import writes the same records. */
export const savedMatchesSchema = z.strictObject({
  /** A file record's id → the environment's record it matched. */
  ids: z.record(z.string(), z.string()),
  /** A file record's id → why it is not imported. */
  refused: z.record(z.string(), z.string()),
  tables: z.record(z.string(), z.object({ matched: z.number(), newIds: z.number(), circular: z.number(), fields: z.array(z.string()) })),
  notes: z.array(z.string()),
});
export type SavedMatches = z.infer<typeof savedMatchesSchema>;

/** What the next call of a partial import needs to finish the job, kept by the server (resumeStore.ts). */
export const resumeSchema = z.strictObject({
  version: z.literal(1),
  fingerprint: z.string(),
  /** The Dataverse URL the records went into. */
  environment: z.string(),
  stage: z.enum(STAGES),
  done: z.record(z.string(), z.array(z.tuple([z.number().int(), z.number().int()]))),
  counts: z.record(z.string(), counts),
  associations: z.object({ created: z.number(), existing: z.number(), failed: z.number() }),
  failedIds: z.array(z.string()),
  failures: z.array(z.object({ table: z.string(), id: z.string(), message: z.string(), correlationId: z.string().nullable() })),
  requests: z.number(),
  calls: z.number(),
  /** Records refused in all: `failures` keeps the first 100 of them. */
  failureCount: z.number().int(),
  matches: savedMatchesSchema.optional(),
});
export type ResumeState = z.infer<typeof resumeSchema>;

/** How far an import has got, across calls: done items per pass and table, counts, refused records. */
export class ImportProgress {
  stage: Stage = 'records';
  readonly counts = new Map<string, TableCounts>();
  readonly associations = { created: 0, existing: 0, failed: 0 };
  readonly failedIds = new Set<string>();
  readonly failures: RecordFailure[] = [];
  failureCount = 0;
  requests = 0;
  calls = 1;
  /** The records updateCompare fields matched, once worked out (given back by a resumed import). */
  matches: SavedMatches | undefined;
  /** Per pass and table (in the resume state as `pass:table`): the ordinals of the records done. */
  private readonly done = new Map<Stage, Map<string, RangeSet>>();
  /** Whether an earlier call did part of the import: only then can a record be done before it is reached. */
  private resumed = false;

  constructor(
    readonly fingerprint: string,
    readonly environment: string,
  ) {}

  static resume(state: ResumeState): ImportProgress {
    const progress = new ImportProgress(state.fingerprint, state.environment);
    progress.resumed = true;
    progress.stage = state.stage;
    for (const [key, ranges] of Object.entries(state.done)) {
      // Keys are `pass:table`; no other kind is written.
      const colon = key.indexOf(':');
      if (colon === -1) continue;
      const stage = STAGES.find((s) => s === key.slice(0, colon));
      if (!stage) continue;
      progress.doneIn(stage).set(key.slice(colon + 1), new RangeSet(ranges.map(([a, b]) => [a, b])));
    }
    for (const [table, c] of Object.entries(state.counts)) progress.counts.set(table, { ...c, records: 0 });
    Object.assign(progress.associations, state.associations);
    for (const id of state.failedIds) progress.failedIds.add(id);
    progress.failures.push(...state.failures);
    progress.failureCount = state.failureCount;
    progress.requests = state.requests;
    progress.calls = state.calls + 1;
    progress.matches = state.matches;
    return progress;
  }

  table(name: string): TableCounts {
    let c = this.counts.get(name);
    if (!c) this.counts.set(name, (c = emptyCounts()));
    return c;
  }

  /** Whether an earlier call did this item of a pass (each pass reaches each item once a call). */
  isDone(stage: Stage, table: string, ordinal: number): boolean {
    if (!this.resumed) return false;
    return STAGES.indexOf(stage) < STAGES.indexOf(this.stage) || (this.done.get(stage)?.get(table)?.has(ordinal) ?? false);
  }

  markDone(stage: Stage, table: string, ordinal: number): void {
    const tables = this.doneIn(stage);
    let set = tables.get(table);
    if (!set) tables.set(table, (set = new RangeSet()));
    set.add(ordinal);
  }

  private doneIn(stage: Stage): Map<string, RangeSet> {
    let tables = this.done.get(stage);
    if (!tables) this.done.set(stage, (tables = new Map<string, RangeSet>()));
    return tables;
  }

  /** Moves to the next pass; what the finished pass marked done is no longer needed. */
  finish(stage: Stage): void {
    if (this.stage !== stage) return;
    this.done.delete(stage);
    this.stage = STAGES[STAGES.indexOf(stage) + 1] ?? stage;
  }

  fail(failure: RecordFailure, recordRefused: boolean): void {
    if (recordRefused) this.failedIds.add(failure.id);
    this.failureCount++;
    if (this.failures.length < 100) this.failures.push(failure);
  }

  toJSON(): ResumeState {
    return {
      version: 1,
      fingerprint: this.fingerprint,
      environment: this.environment,
      stage: this.stage,
      done: Object.fromEntries(
        [...this.done].flatMap(([stage, tables]) => [...tables].map(([table, set]) => [`${stage}:${table}`, set.toJSON()])),
      ),
      counts: Object.fromEntries(this.counts),
      associations: { ...this.associations },
      failedIds: [...this.failedIds].slice(0, 10_000),
      failures: this.failures.slice(0, 100),
      requests: this.requests,
      calls: this.calls,
      failureCount: this.failureCount,
      ...(this.matches ? { matches: this.matches } : {}),
    };
  }
}
