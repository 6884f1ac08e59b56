import type { DataverseClient } from '../platform/dataverse';
import { PlatformError } from '../platform/errors';
import { ToolError } from '../callerError';
import type { ProgressUpdate } from '../progress';
import { linkRecords, type PendingLink } from './associate';
import { readDataBatches } from './cmtDataReader';
import { matchNotes, matchRecords, type CompareMatches } from './compareMatch';
import { lookupFieldsOf, withMatchedIds } from './matchedIds';
import { own, type CmtEvent } from './cmtRecords';
import type { DataSource } from './dataPackage';
import { BudgetExhausted, Dispatcher, chooseParallelism } from './dispatcher';
import { emptyArrayOf } from './emptyArray';
import { ImportProgress, STAGES, type RecordFailure, type ResumeState } from './importProgress';
import { planImport, type ImportPlan, type TablePlan } from './importPlan';
import { LookupResolver, type BindOutcome, type PendingBind, type PendingParty } from './lookups';
import { readAhead } from './readAhead';
import { bodyOf, firstPass } from './recordBody';
import { Spool } from './spool';
import { writeRecords, type Refusal, type WriteMethod, type WriteMode, type WriteTarget } from './writers';

export type { RecordFailure } from './importProgress';

export interface ImportOptions {
  batchSize: number;
  /** Most requests at once; by default what the environment recommends (x-ms-dop-hint). */
  parallelism?: number;
  signal: AbortSignal;
  progress: (update: ProgressUpdate) => Promise<void>;
  /**
   * Milliseconds the call may take, from its start (metadata and updateCompare queries included), waiting out
   * throttling; then a resumable partial result. Default 5 minutes.
   */
  timeBudgetMs?: number;
  /** asSchema: bypass custom plug-ins where the schema says disableplugins="true"; never: let them run. */
  bypassPlugins?: 'asSchema' | 'never';
  /** The `resume` of an earlier partial result, to finish that import. */
  resume?: ResumeState;
}

export interface TableSummary {
  name: string;
  records: number;
  imported: number;
  failed: number;
  lookups: { set: number; failed: number; unresolved: number };
  states: { set: number; failed: number };
  method: WriteMethod;
  /** Records that updated an environment's record found by their updateCompare fields. */
  matched?: number;
}

export interface ImportSummary {
  /** False when the import stopped early; `resume` then finishes it. */
  done: boolean;
  entities: TableSummary[];
  associations: { created: number; existing: number; failed: number };
  /** The first 100 refused records, lookups and links. */
  failures: RecordFailure[];
  failureCount: number;
  notes: string[];
  requests: number;
  resume: ResumeState | null;
  /** Why the import stopped early. */
  stopped?: string;
  /** It stopped because the time budget ended (or throttling would outlast it). */
  outOfTime?: boolean;
}

/** What the later passes need of each record, kept on disk while data.xml is read. */
type SpoolItem =
  | { k: 'l'; t: string; i: number; id: string; b: PendingBind[]; p?: PendingParty[] }
  | { k: 's'; t: string; i: number; id: string; s: number; r: number | null }
  | { k: 'm'; t: string; i: number; link: PendingLink };

/** No lookups set with the record: one empty list for every record without them, which nothing adds to. */
const NO_BINDS: readonly PendingBind[] = [];

/**
 * Full batches that may wait for the batches holding their lookups' targets while the reader goes
 * on (fewer when fewer requests may be in flight): what they hold is memory beside the batches in flight.
 */
const QUEUED_AT_MOST = 8;

/**
 * Events of data.xml read before the tables' metadata is in, whatever the file's size: the largest
 * batch's worth. More would be read in the wait, but what waits outlives a collection of V8's young
 * generation and is copied out of it (4,000 cost the importer 70 ms more CPU, and no less time).
 */
const READ_AHEAD_EVENTS = 1000;

/**
 * Imports a Configuration Migration file (docs/service-notes.md#data-configuration-migration), reading data.xml once as it streams:
 * 1. records with their plain columns (UpsertMultiple where the table has it, else $batch change sets),
 *    keeping their ids, in the default state, with the lookups whose target is a record of another
 *    table written before them;
 * 2. the other lookups and party lists, once data.xml is read, each record's once it and its targets
 *    are written, bound to the table each target is really in, or found in the environment by id or name;
 * 3. states other than the default, with their status, by update (as Dataverse requires);
 * 4. N:N links.
 * Throttling is waited out within the time budget; then the result says what is done and carries
 * `resume` to finish the job, which a second call does without writing anything twice.
 */
export async function importRecords(dv: DataverseClient, source: DataSource, options: ImportOptions): Promise<ImportSummary> {
  if (options.resume && options.resume.fingerprint !== source.fingerprint) {
    throw new ToolError(
      'resume: this partial result is from another data file, or the file changed since. Nothing was imported.',
      'Give the same dataFile as the call that returned it, or start again without resume.',
    );
  }
  if (options.resume && options.resume.environment !== dv.resource) {
    throw new ToolError(
      `resume: this partial import went into another environment (${options.resume.environment}). Nothing was imported.`,
      'Give the environment it went into, or start again without resume.',
    );
  }
  const deadline = Date.now() + (options.timeBudgetMs ?? 300_000);
  const progress = options.resume ? ImportProgress.resume(options.resume) : new ImportProgress(source.fingerprint, dv.resource);
  // data.xml is read while the tables' metadata is on its way; a bad data.xml is reported where the records pass meets it
  // (or, where updateCompare fields are matched first, before anything is written).
  const fieldNames = source.schema.entities.flatMap((entity) => entity.fields.map((field) => field.name));
  const data = readAhead(readDataBatches(await source.openData(), 'data.xml', fieldNames), READ_AHEAD_EVENTS);
  try {
    const plan = await planImport(dv, source.schema, { signal: options.signal, bypassPlugins: options.bypassPlugins ?? 'asSchema' });
    progress.requests += plan.requests;
    const matches = await matchRecords(dv, plan, source, fieldNames, progress, options.signal);
    // The metadata's answers carry the environment's recommended parallelism.
    const atOnce = chooseParallelism(options.parallelism, dv.parallelismHint);
    const run = new ImportRun(dv, plan, progress, { ...options, parallelism: atOnce.parallelism, deadline }, atOnce.follow, matches);
    if (atOnce.note) run.notes.push(atOnce.note);
    try {
      await run.execute(matches?.ids.size ? withMatchedIds(data, matches.ids, lookupFieldsOf(plan)) : data);
    } catch (error) {
      if (options.signal.aborted) throw error;
      run.stopped = describe(error);
      run.outOfTime = error instanceof BudgetExhausted;
    } finally {
      await run.close();
    }
    return run.summary();
  } finally {
    await data.close();
  }
}

/** Why the import stopped, as a sentence the summary's advice can follow. */
function describe(error: unknown): string {
  let text: string;
  if (error instanceof ToolError) text = error.describe();
  else if (error instanceof PlatformError) text = error.hint ? `${withStop(error.said())} ${error.hint}` : error.said();
  else text = (error as Error).message;
  return withStop(text.trimEnd());
}

function withStop(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

class ImportRun {
  stopped: string | undefined;
  outOfTime = false;
  private readonly dispatcher: Dispatcher;
  private readonly inFile = new Map<string, string>();
  readonly notes: string[] = [];
  private readonly unresolved = new Map<string, { count: number; example: string }>();
  private readonly skippedEntities = new Set<string>();
  /** Records lookups and links point at that were not (yet) read from the file: `table|id` → the name the file gives. */
  private readonly referenced = new Map<string, { table: string; id: string; name?: string }>();
  private readonly spool = new Spool<SpoolItem>(5000);
  /** Items spooled, per kind. */
  private readonly spooled = { l: 0, s: 0, m: 0 };
  /** Each pass's queue of batches, for close to wait for what they still hold. */
  private readonly queues: WriteQueue[] = [];
  readonly resolver: LookupResolver;
  private writes = 0;

  constructor(
    private readonly dv: DataverseClient,
    private readonly plan: ImportPlan,
    private readonly progress: ImportProgress,
    private readonly options: ImportOptions & { parallelism: number; deadline: number },
    followHint: boolean,
    private readonly matches: CompareMatches | undefined,
  ) {
    this.dispatcher = new Dispatcher({
      parallelism: options.parallelism,
      followHint,
      deadline: options.deadline,
      signal: options.signal,
    });
    this.resolver = new LookupResolver(this.plan.tables, this.inFile, this.progress.failedIds);
    // Every table counted from the start: none is added while records are read.
    for (const plan of this.plan.tables.values()) this.progress.table(plan.entity.name);
  }

  async execute(data: AsyncIterable<CmtEvent[]>): Promise<void> {
    // The first pass's last batches are still being written when reading ends; the lookups pass waits
    // for each one it needs.
    const records = await this.readRecords(data);
    await this.spool.seal();
    const resolver = this.resolver;
    const outside = [...this.referenced.values()].filter((r) => !this.inFile.has(r.id));
    // Looking records up in the environment goes outside the dispatcher: not beside its batches, and
    // as many at once as it allows now, so no more requests are ever in flight than it would send.
    if (outside.length) await records.ended();
    await resolver.resolve(this.dv, outside, this.dispatcher.concurrency, this.dispatcher.signal);
    this.progress.requests += resolver.requests;
    await this.lookups(resolver, records);
    await this.states();
    await this.links(resolver);
  }

  async close(): Promise<void> {
    // Batches queued when the import stopped are sent (or refused at once by a stopped dispatcher),
    // and requests still running finish (or are cut at the deadline), before the counts are read.
    await Promise.all(this.queues.map((queue) => queue.settled()));
    await this.dispatcher.drain().catch(() => undefined);
    this.dispatcher.close();
    this.progress.requests += this.dispatcher.requests;
    await this.spool.remove();
  }

  private writeQueue(stage: 'records' | 'lookups' | 'states', mode: WriteMode): WriteQueue {
    const queue = new WriteQueue(this, stage, mode);
    this.queues.push(queue);
    return queue;
  }

  /** The spooled items of one kind, in file order, a chunk at a time; none read when the file gave none. */
  private async *spooledItems<K extends SpoolItem['k']>(kind: K): AsyncGenerator<Array<Extract<SpoolItem, { k: K }>>> {
    if (!this.spooled[kind]) return;
    for await (const items of this.spool.chunks()) yield items.filter((item): item is Extract<SpoolItem, { k: K }> => item.k === kind);
  }

  /**
   * Pass 1, while reading data.xml: each record's plain columns; the rest goes to the spool. Returns
   * once every batch is sent; the lookups pass starts while the last ones are being written.
   */
  private async readRecords(data: AsyncIterable<CmtEvent[]>): Promise<WriteQueue> {
    const queue = this.writeQueue('records', 'upsert');
    const ordinals = new Map<string, number>();
    const links = new Map<string, number>();
    // Events come a chunk of the file at a time; only a full batch or the spool's file is waited for.
    for await (const events of data) {
      for (const event of events) {
        const wait = this.readEvent(event, queue, ordinals, links);
        if (wait) await wait;
      }
    }
    await queue.sendAll();
    return queue;
  }

  private readEvent(
    event: CmtEvent,
    queue: WriteQueue,
    ordinals: Map<string, number>,
    links: Map<string, number>,
  ): Promise<unknown> | undefined {
    if (event.kind === 'entity') return undefined;
    const name = event.kind === 'record' ? event.entity : event.association.entity;
    const plan = this.plan.tables.get(name);
    if (!plan) {
      this.skippedEntities.add(own(name));
      return undefined;
    }
    // The schema's own string: one kept with every spooled item must not be a slice of data.xml.
    const table = plan.entity.name;
    // The spool writes its file in order: waiting for its last write waits for them all.
    let spooled: Promise<void> | undefined;
    if (event.kind === 'association') {
      for (const targetId of event.association.targetIds) {
        this.reference(event.association.targetEntity, targetId);
        const i = links.get(table) ?? 0;
        links.set(table, i + 1);
        spooled =
          this.spoolItem({
            k: 'm',
            t: table,
            i,
            link: {
              sourceId: event.association.sourceId,
              relationship: own(event.association.relationship),
              targetEntity: own(event.association.targetEntity),
              targetId,
            },
          }) ?? spooled;
      }
      return spooled;
    }
    const ordinal = ordinals.get(table) ?? 0;
    ordinals.set(table, ordinal + 1);
    const record = event.record;
    this.inFile.set(record.id, plan.meta.logicalName);
    this.progress.table(table).records++;
    const built = firstPass(plan, record);
    const { inline, later } = this.splitBinds(plan, built.binds);
    for (const b of later) this.reference(b.entity ?? '', b.id, b.name);
    for (const p of built.parties ?? []) if (p.party) this.reference(p.party.entity ?? '', p.party.id, p.party.name);
    if (later.length || built.parties)
      spooled = this.spoolItem({ k: 'l', t: table, i: ordinal, id: record.id, b: later, ...(built.parties ? { p: built.parties } : {}) });
    if (built.state)
      spooled =
        this.spoolItem({ k: 's', t: table, i: ordinal, id: record.id, s: built.state.statecode, r: built.state.statuscode }) ?? spooled;
    if (this.progress.isDone('records', table, ordinal)) return spooled;
    const problem = 'problem' in built ? built.problem : this.matches?.refused.get(record.id);
    if (problem !== undefined) {
      this.progress.table(table).failed++;
      this.progress.fail({ table, id: record.id, message: problem, correlationId: null }, true);
      this.progress.markDone('records', table, ordinal);
      return spooled;
    }
    const queued = queue.add(plan, { ordinal, id: record.id, body: built.body, inline });
    return spooled && queued ? Promise.all([spooled, queued]) : (spooled ?? queued);
  }

  private spoolItem(item: SpoolItem): Promise<void> | undefined {
    this.spooled[item.k]++;
    return this.spool.add(item);
  }

  /**
   * Which lookups go in with the record (its first pass) and which wait for the lookups pass. As the
   * Configuration Migration tool does, a lookup whose target is a record of another table read
   * earlier in the file is set at once: that record's batch is written before this one is sent. The
   * rule depends only on the file, so a resumed import splits the lookups the same way. Tables written
   * through $batch keep all their lookups for the lookups pass.
   */
  private splitBinds(plan: TablePlan, binds: PendingBind[]): { inline: readonly PendingBind[]; later: PendingBind[] } {
    if (plan.method === '$batch' || !binds.length) return { inline: NO_BINDS, later: binds };
    const inline: PendingBind[] = [];
    const later: PendingBind[] = [];
    for (const bind of binds) {
      const table = this.inFile.get(bind.id);
      (table !== undefined && table !== plan.meta.logicalName ? inline : later).push(bind);
    }
    return { inline, later };
  }

  /** The table a record of the file is in. */
  tableOf(id: string): string | undefined {
    return this.inFile.get(id);
  }

  /** Notes a record a lookup or link points at, unless the file has already given it. */
  private reference(table: string, id: string, name?: string): void {
    if (this.inFile.has(id)) return;
    const key = `${table}|${id}`;
    const known = this.referenced.get(key);
    if (!known || (!known.name && name)) this.referenced.set(key, { table, id, name });
  }

  /**
   * Pass 2: lookups and party lists. It starts once data.xml is read; each record's lookups wait
   * only for the batches holding it and the records they point at, so the pass overlaps the end of
   * the first. The first pass is over (in the resume state too) only when all of its batches are.
   */
  private async lookups(resolver: LookupResolver, records: WriteQueue): Promise<void> {
    // The stage may still be 'records': this pass begins before the first is over.
    if (STAGES.indexOf(this.progress.stage) > STAGES.indexOf('lookups')) return;
    const queue = this.writeQueue('lookups', 'update');
    for await (const items of this.spooledItems('l'))
      for (const item of items) {
        if (this.progress.isDone('lookups', item.t, item.i)) continue;
        const plan = this.plan.tables.get(item.t)!;
        const written = records.whenWritten(plan.meta.logicalName, item.id, item.b, item.p);
        if (written) await written;
        if (this.progress.failedIds.has(item.id)) {
          this.progress.markDone('lookups', item.t, item.i);
          continue;
        }
        const outcome = resolver.binds(plan, item.b, item.p);
        // A record's lookups left unset are counted once it is done: in the resume state, not twice.
        const sent = outcome.set > 0 || item.p !== undefined;
        for (const u of outcome.unresolved)
          this.noteUnresolved(item.t, u.field, `${item.id}: ${u.field} ${u.why}`, { countWhenDone: sent });
        if (!sent) {
          this.progress.markDone('lookups', item.t, item.i);
          continue;
        }
        const body = Object.assign(bodyOf(plan, item.id), outcome.body);
        const full = queue.add(plan, { ordinal: item.i, id: item.id, body, inline: undefined }, outcome.set, outcome.unresolved.length);
        if (full) await full;
      }
    // Each pass moves the import on once all its batches are answered, but only from its own stage:
    // this pass's last batches go now, and it can be marked over (by finish) once the first is.
    await queue.sendAll();
    await records.ended();
    await queue.finish();
  }

  /** Pass 3: states other than the default one, with their status, set by update. */
  private async states(): Promise<void> {
    if (this.progress.stage !== 'states') return;
    const queue = this.writeQueue('states', 'update');
    for await (const items of this.spooledItems('s'))
      for (const item of items) {
        if (this.progress.isDone('states', item.t, item.i)) continue;
        if (this.progress.failedIds.has(item.id)) {
          this.progress.markDone('states', item.t, item.i);
          continue;
        }
        const plan = this.plan.tables.get(item.t)!;
        const body = bodyOf(plan, item.id);
        body.statecode = item.s;
        if (item.r !== null) body.statuscode = item.r;
        const full = queue.add(plan, { ordinal: item.i, id: item.id, body, inline: undefined });
        if (full) await full;
      }
    await queue.finish();
  }

  /** Pass 4: N:N links, in $batch requests; a link already there counts as done. */
  private async links(resolver: LookupResolver): Promise<void> {
    if (this.progress.stage !== 'associations') return;
    const links = (async function* (chunks: AsyncIterable<Array<Extract<SpoolItem, { k: 'm' }>>>) {
      for await (const items of chunks) yield* items;
    })(this.spooledItems('m'));
    await linkRecords(this.dv, this.plan, resolver, links, {
      batchSize: this.options.batchSize,
      dispatcher: this.dispatcher,
      progress: this.progress,
      onProgress: (count) => this.report(count, 'N:N links'),
    });
    this.progress.finish('associations');
    this.complete = true;
  }

  complete = false;

  /** Notes a lookup left unset, for the summary's notes, and counts it for the table (or leaves that to its batch). */
  noteUnresolved(table: string, field: string, example: string, { countWhenDone = false } = {}): void {
    const key = `${table}.${field}`;
    const entry = this.unresolved.get(key) ?? { count: 0, example };
    entry.count++;
    this.unresolved.set(key, entry);
    if (!countWhenDone) this.progress.table(table).lookupsUnresolved++;
  }

  report(count: number, what: string): void {
    this.writes += count;
    void this.options.progress({ progress: this.writes, message: `${this.writes} writes done (${what})` });
  }

  get context() {
    return { dv: this.dv, dispatcher: this.dispatcher, progress: this.progress, batchSize: this.options.batchSize };
  }

  summary(): ImportSummary {
    const entities: TableSummary[] = this.plan.order
      .filter((name) => this.plan.tables.has(name))
      .map((name) => {
        const c = this.progress.table(name);
        const matched = this.matches?.tables.get(name)?.matched;
        return {
          name,
          records: c.records,
          imported: c.imported,
          failed: c.failed,
          lookups: { set: c.lookupsSet, failed: c.lookupsFailed, unresolved: c.lookupsUnresolved },
          states: { set: c.statesSet, failed: c.statesFailed },
          method: this.plan.tables.get(name)!.method,
          ...(matched ? { matched } : {}),
        };
      });
    const notes = [...this.notes, ...(this.matches ? matchNotes(this.matches) : [])];
    const systemSet = new Set<string>();
    for (const plan of this.plan.tables.values()) {
      if (plan.method === '$batch')
        notes.push(
          `${plan.entity.name}: this environment has no UpsertMultiple for the table (sdkmessagefilters), so its records went in $batch requests of single upserts.`,
        );
      if (plan.missing.size)
        notes.push(
          `${plan.entity.name}: the table has no column ${[...plan.missing].join(', ')} in this environment; those values were not imported.`,
        );
      for (const name of plan.systemSet) systemSet.add(name);
    }
    if (systemSet.size) notes.push(`Columns Dataverse sets itself were not written: ${[...systemSet].sort().join(', ')}.`);
    for (const [key, entry] of this.unresolved) notes.push(`${key}: ${entry.count} lookup value(s) not set; for example ${entry.example}.`);
    if (this.skippedEntities.size)
      notes.push(`data.xml has records of tables its schema does not name, not imported: ${[...this.skippedEntities].join(', ')}.`);
    const done = this.complete && !this.stopped;
    if (this.stopped) {
      notes.unshift(
        this.outOfTime
          ? `The import stopped during the ${this.progress.stage} pass: ${this.stopped} What is done is listed; call pp_import_data again with the same dataFile and this result's resume to finish without writing anything twice.`
          : `The import stopped during the ${this.progress.stage} pass: ${this.stopped} After fixing that, call pp_import_data again with the same dataFile and this result's resume to finish.`,
      );
    }
    return {
      done,
      entities,
      associations: { ...this.progress.associations },
      failures: this.progress.failures.slice(0, 100),
      failureCount: this.progress.failureCount,
      notes,
      requests: this.progress.requests,
      resume: done ? null : this.progress.toJSON(),
      stopped: this.stopped,
      outOfTime: this.outOfTime,
    };
  }
}

/** Every property is there from the start, so V8 keeps one shape for them all (no property is added or deleted later). */
type QueuedTarget = WriteTarget & {
  set: number;
  unresolved: number;
  inline: readonly PendingBind[] | undefined;
  inlineUnresolved: BindOutcome['unresolved'] | undefined;
};

/** One table's batch: filled, then sent; `written` settles once it is written or ended for good. */
interface Batch {
  plan: TablePlan;
  targets: QueuedTarget[];
  state: 'filling' | 'sent' | 'ended';
  /** Its place in the order batches were sent (from 1), once sent. */
  sentAs: number;
  /** Settles once the batch is written or has ended for good: a record refused is in `failedIds` by then. */
  written: Promise<void>;
  settle: () => void;
}

function newBatch(plan: TablePlan): Batch {
  let settle!: () => void;
  const written = new Promise<void>((resolve) => (settle = resolve));
  return { plan, targets: emptyArrayOf<QueuedTarget>('objects'), state: 'filling', sentAs: 0, written, settle };
}

/** Batches of one pass, per table, sent through the dispatcher; results counted as they come. */
class WriteQueue {
  /** The batch being filled, per table. */
  private readonly pending = new Map<string, Batch>();
  /**
   * Records pass, per table (logical name): the batch that writes each record first, for the
   * batches and lookups that point at the record to wait for while it is being sent.
   */
  private readonly batchOf = new Map<string, Map<string, Batch>>();
  /** Batches started and not yet ended. */
  private readonly running = new Set<Promise<void>>();
  /** Batches sent that wait for the batches holding their lookups' targets to be written, or for a slot. */
  private readonly queued = new Set<Promise<void>>();
  /** What stopped a batch from being sent: the dispatcher stopped, so the pass stops. */
  private failure: { error: unknown } | undefined;
  private startedCount = 0;
  private answeredCount = 0;
  private allStarted = false;

  constructor(
    private readonly run: ImportRun,
    private readonly stage: 'records' | 'lookups' | 'states',
    private readonly mode: WriteMode,
  ) {}

  /**
   * Adds a record to its table's batch. A full batch is sent, and first a batch still being filled
   * that holds a record this one's first-pass lookups point at: so a batch waits only for batches
   * started before it, never for one that waits for it. A file whose tables come in turns (the tool
   * does not write such files) thus goes in small batches. A promise comes back only when the
   * queue of batches waiting to be sent is full: the reader waits for room, not for a round trip.
   */
  add(
    plan: TablePlan,
    // One shape from every pass: `inline` is given, undefined where there is none.
    target: { ordinal: number; id: string; body: Record<string, unknown>; inline: readonly PendingBind[] | undefined },
    set = 0,
    unresolved = 0,
  ): Promise<void> | undefined {
    // Not thrown: the caller may already hold a promise (the spool's) that must be awaited with it.
    if (this.failure) return Promise.reject(this.failure.error);
    if (target.inline?.length) this.startBatchesHolding(target.inline);
    const name = plan.entity.name;
    let batch = this.pending.get(name);
    if (!batch) this.pending.set(name, (batch = newBatch(plan)));
    const queued: QueuedTarget = {
      ordinal: target.ordinal,
      id: target.id,
      json: JSON.stringify(target.body),
      plain: undefined,
      set,
      unresolved,
      inline: target.inline?.length ? target.inline : undefined,
      inlineUnresolved: undefined,
    };
    if (this.stage === 'records') {
      const table = this.batchesOf(plan.meta.logicalName);
      if (!table.has(target.id)) table.set(target.id, batch);
    }
    batch.targets.push(queued);
    if (batch.targets.length >= this.run.context.batchSize) this.flush(name);
    return this.queueFull() ? this.room() : undefined;
  }

  /** As many batches wait to be sent as may be in flight, and at most QUEUED_AT_MOST. */
  private queueFull(): boolean {
    return this.queued.size >= Math.min(this.run.context.dispatcher.concurrency, QUEUED_AT_MOST);
  }

  /** Waits until fewer batches wait to be sent; throws what stopped one. */
  private async room(): Promise<void> {
    while (this.queueFull() && !this.failure) await Promise.race(this.queued);
    if (this.failure) throw this.failure.error;
  }

  /** Resolves once no batch waits to be sent: each was sent, or failed to be. Never rejects. */
  async settled(): Promise<void> {
    while (this.queued.size) await Promise.all([...this.queued]);
  }

  private batchesOf(table: string): Map<string, Batch> {
    let batches = this.batchOf.get(table);
    if (!batches) this.batchOf.set(table, (batches = new Map<string, Batch>()));
    return batches;
  }

  /** The batch writing this record of the file first. */
  private batchWriting(id: string, table = this.run.tableOf(id)): Batch | undefined {
    return table === undefined ? undefined : this.batchOf.get(table)?.get(id);
  }

  /** Starts the batches still being filled that hold the targets of these lookups. */
  private startBatchesHolding(binds: readonly PendingBind[]): void {
    for (const bind of binds) {
      const batch = this.batchWriting(bind.id);
      if (batch?.state === 'filling') this.flush(batch.plan.entity.name);
    }
  }

  /**
   * Adds the first-pass lookups to the bodies, once the batches holding their targets are written
   * (those batches alone, so one table's batches follow another's closely). A lookup whose target
   * was refused is reported, not sent.
   */
  private async addInlineLookups(plan: TablePlan, targets: QueuedTarget[], self: Batch): Promise<void> {
    if (!targets.some((t) => t.inline)) return;
    const batches = new Set<Promise<void>>();
    for (const t of targets) for (const bind of t.inline ?? []) this.addWritten(batches, bind.id, undefined, self);
    await Promise.all(batches);
    for (const t of targets) {
      if (!t.inline) continue;
      const outcome = this.run.resolver.binds(plan, t.inline, undefined);
      t.inline = undefined;
      if (outcome.unresolved.length) t.inlineUnresolved = outcome.unresolved;
      if (!outcome.set) continue;
      t.plain = t.json;
      t.json = `${t.json.slice(0, -1)},${JSON.stringify(outcome.body).slice(1)}`;
      t.set = outcome.set;
    }
  }

  /**
   * Adds to `batches` the end of the batch writing this record first, while it is being sent; for
   * a batch about to be sent (`before`), only if that one was sent before it. So waits only ever
   * go back in the order batches were sent, and none can wait for itself, even in a file giving
   * an id in two tables. (Each batch a lookup waits for was sent when the lookup was read, or
   * before the lookups pass began.)
   */
  private addWritten(batches: Set<Promise<void>>, id: string, table?: string, before?: Batch): void {
    const batch = this.batchWriting(id, table);
    if (batch?.state === 'sent' && (!before || batch.sentAs < before.sentAs)) batches.add(batch.written);
  }

  /**
   * Records pass: a promise for the batches writing this record and the records its lookups and
   * party lists point at; undefined when those batches have all ended.
   */
  whenWritten(table: string, id: string, binds: PendingBind[], parties: PendingParty[] = []): Promise<unknown> | undefined {
    const batches = new Set<Promise<void>>();
    this.addWritten(batches, id, table);
    for (const bind of binds) this.addWritten(batches, bind.id);
    for (const party of parties) if (party.party) this.addWritten(batches, party.party.id);
    return batches.size ? Promise.all(batches) : undefined;
  }

  /** Sends every batch still being filled; the pass is over once each batch is answered. */
  async sendAll(): Promise<void> {
    for (const name of [...this.pending.keys()]) this.flush(name);
    await this.settled();
    if (this.failure) throw this.failure.error;
    this.allStarted = true;
    this.finishPassOnceAnswered();
  }

  /** Resolves once every batch started has ended (written, refused or given up on). */
  async ended(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  /** Moves the import to its next pass once every batch of this one is answered, none left to send again. */
  private finishPassOnceAnswered(): void {
    if (this.allStarted && this.answeredCount === this.startedCount) this.run.context.progress.finish(this.stage);
  }

  /** Sends every batch still being filled, then waits for every request of the import to end. */
  async finish(): Promise<void> {
    await this.sendAll();
    await this.run.context.dispatcher.drain();
  }

  /**
   * Sends a batch: once the batches it waits for are written and the dispatcher has a slot. It is
   * queued meanwhile; a failure to send it is kept for the reader, who stops at its next record.
   */
  private flush(name: string): void {
    const batch = this.pending.get(name);
    this.pending.delete(name);
    if (!batch?.targets.length) return;
    // Sent from now on, synchronously: a batch filled later may wait for this one before it is sent.
    batch.state = 'sent';
    batch.sentAs = ++this.startedCount;
    this.running.add(batch.written);
    const end = () => {
      batch.state = 'ended';
      batch.targets = [];
      this.running.delete(batch.written);
      batch.settle();
    };
    const queued: Promise<void> = this.send(batch)
      // The dispatcher's `settled` never rejects: a failed task ends the import instead.
      .then(
        ({ settled }) => void settled.then(end),
        (error: unknown) => {
          end();
          this.failure ??= { error };
        },
      )
      .finally(() => this.queued.delete(queued));
    this.queued.add(queued);
  }

  /** Sends one batch once the dispatcher has room; what comes back settles when it is written or ended for good. */
  private async send(batch: Batch): Promise<{ settled: Promise<void> }> {
    const { dv, dispatcher, progress } = this.run.context;
    const { plan, targets } = batch;
    const name = plan.entity.name;
    if (this.stage === 'records') await this.addInlineLookups(plan, targets, batch);
    const method = this.mode === 'update' ? plan.updateMethod : plan.method;
    let result: Awaited<ReturnType<typeof writeRecords>> | undefined;
    const { settled } = await dispatcher.submit(
      async (signal) => {
        result = await writeRecords(dv, plan.target, method, this.mode, targets, signal);
        progress.requests += result.requests - 1;
        return result.headers;
      },
      () => {
        const counts = progress.table(name);
        const lookupsRefused = new Set(result!.lookupsRefused.map((r) => r.target));
        for (const t of result!.written as typeof targets) {
          progress.markDone(this.stage, name, t.ordinal);
          if (this.stage === 'records') {
            counts.imported++;
            if (!lookupsRefused.has(t)) counts.lookupsSet += t.set;
            for (const u of t.inlineUnresolved ?? []) this.run.noteUnresolved(name, u.field, `${t.id}: ${u.field} ${u.why}`);
          } else if (this.stage === 'lookups') {
            counts.lookupsSet += t.set;
            counts.lookupsUnresolved += t.unresolved;
          } else counts.statesSet++;
        }
        for (const refusal of result!.lookupsRefused) this.lookupsNotSet(name, refusal);
        for (const refusal of result!.refused) {
          const t = refusal.target as (typeof targets)[number];
          progress.markDone(this.stage, name, t.ordinal);
          if (this.stage === 'records') {
            counts.failed++;
            progress.fail({ table: name, id: t.id, message: refusal.message, correlationId: refusal.correlationId }, true);
          } else if (this.stage === 'lookups') {
            this.lookupsNotSet(name, refusal);
            counts.lookupsUnresolved += t.unresolved;
          } else {
            counts.statesFailed++;
            progress.fail(
              {
                table: name,
                id: t.id,
                message: `imported, but its state was not set: ${refusal.message}`,
                correlationId: refusal.correlationId,
              },
              false,
            );
          }
        }
        this.run.report(targets.length, this.stage);
        this.answeredCount++;
        this.finishPassOnceAnswered();
      },
    );
    return { settled };
  }

  private lookupsNotSet(name: string, refusal: Refusal): void {
    const { progress } = this.run.context;
    progress.table(name).lookupsFailed += (refusal.target as QueuedTarget).set;
    progress.fail(
      {
        table: name,
        id: refusal.target.id,
        message: `imported, but its lookups were not set: ${refusal.message}`,
        correlationId: refusal.correlationId,
      },
      false,
    );
  }
}
