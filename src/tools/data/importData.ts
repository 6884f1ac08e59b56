import { z } from 'zod';
import { openDataFile } from '../../data/dataPackage';
import type { ResumeState } from '../../data/importProgress';
import { importRecords, type ImportSummary } from '../../data/importRecords';
import { WITHOUT_RESUME, type ResumeStore } from '../../data/resumeStore';
import { ToolError } from '../../callerError';
import { resolveDataverseTarget } from '../dataverseTarget';
import { resolveLocalPath } from '../localPaths';
import { environmentRef } from '../schemas';
import { IDEMPOTENT_CLOUD, defineTool } from '../types';

const counts = z.object({ set: z.number(), failed: z.number(), unresolved: z.number() });

export const importData = defineTool({
  name: 'pp_import_data',
  toolset: 'data',
  title: 'Import data',
  description:
    'Imports a Configuration Migration data file: records by id or updateCompare fields, then lookups, states, N:N links. Out of time: ' +
    'done false and a resume to call again with.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    dataFile: z.string().min(1).describe('Data zip or its unzipped folder.'),
    batchSize: z.number().int().min(1).max(1000).default(500).describe('Records per request.'),
    parallelism: z.number().int().min(1).max(52).optional().describe('Most requests at once; default: what the environment recommends.'),
    timeBudgetSeconds: z.number().int().min(5).max(3600).default(300).describe('Seconds the call may take; then a resumable result.'),
    bypassPlugins: z
      .enum(['asSchema', 'never'])
      .default('asSchema')
      .describe('asSchema: plug-ins off where the schema says so; never: they run.'),
    resume: z.uuid().optional().describe('The resume of a partial result, as returned.'),
  }),
  output: z.object({
    done: z.boolean().describe('False when the import stopped early; call again with resume to finish.'),
    entities: z.array(
      z.object({
        name: z.string(),
        records: z.number(),
        imported: z.number(),
        failed: z.number(),
        lookups: counts,
        states: z.object({ set: z.number(), failed: z.number() }),
        method: z.enum(['UpsertMultiple', 'UpdateMultiple', '$batch']),
        matched: z.number().optional().describe('Found by updateCompare fields.'),
      }),
    ),
    associations: z.object({ created: z.number(), existing: z.number(), failed: z.number() }).describe('N:N links of the file.'),
    failures: z
      .array(z.object({ table: z.string(), id: z.string(), message: z.string(), correlationId: z.string().nullable() }))
      .describe('The first 100 refused records, lookups and links.'),
    failureCount: z.number(),
    notes: z.array(z.string()),
    requests: z.number(),
    resume: z.string().nullable().describe('Pass back as resume to finish a partial import.'),
  }),
  annotations: IDEMPOTENT_CLOUD,
  ui: { environments: { environment: { dataverse: true } }, paths: { dataFile: { dialog: 'open', filters: { 'Data zip': ['zip'] } } } },
  async handler(args, context) {
    const path = resolveLocalPath('dataFile', args.dataFile, context.settings);
    const source = await openDataFile(path, args.dataFile);
    try {
      const target = await resolveDataverseTarget(args.environment, context);
      const resume = args.resume === undefined ? undefined : await keptProgress(context.resumes, args.resume);
      const summary = await importRecords(target.dataverse, source, {
        batchSize: args.batchSize,
        parallelism: args.parallelism,
        signal: context.signal,
        progress: context.progress,
        timeBudgetMs: args.timeBudgetSeconds * 1000,
        bypassPlugins: args.bypassPlugins,
        resume,
      });
      const { stopped, outOfTime, ...result } = summary;
      const resumeId = summary.resume && (await keepProgress(context.resumes, summary.resume, result.notes));
      return {
        result: { ...result, resume: resumeId },
        summary: describeImport(summary, target.displayName, resumeId),
        failed: summary.failureCount > 0 || (stopped !== undefined && !outOfTime) || (summary.resume !== null && !resumeId),
      };
    } finally {
      source.close();
    }
  },
});

/** Keeps a partial import's progress; where it cannot be kept, says so in the notes and gives no id. */
async function keepProgress(store: ResumeStore, state: ResumeState, notes: string[]): Promise<string | null> {
  try {
    return await store.save(state);
  } catch (error) {
    notes.push(
      `The progress of this partial import could not be kept (${(error as Error).message}), so there is no resume: ` +
        'call pp_import_data again without it to finish; the records imported are found again and updated, not duplicated.',
    );
    return null;
  }
}

/** The progress a partial result left, by the id it gave as its `resume`. */
async function keptProgress(store: ResumeStore, id: string): Promise<ResumeState> {
  const state = await store.load(id);
  if (state) return state;
  throw new ToolError(
    `resume: no partial import ${id} is kept by this server (it keeps them ${store.retention}). Nothing was imported.`,
    WITHOUT_RESUME,
  );
}

function describeImport(summary: ImportSummary, where: string, resumeId: string | null): string {
  const head = summary.done
    ? `Imported into ${where} (${summary.requests} requests):`
    : `Imported part of the data into ${where} (${summary.requests} requests); not finished:`;
  const lines = [head];
  for (const e of summary.entities) {
    const extra = [
      e.lookups.set || e.lookups.failed || e.lookups.unresolved
        ? `lookups ${e.lookups.set} set${e.lookups.failed ? `, ${e.lookups.failed} refused` : ''}${e.lookups.unresolved ? `, ${e.lookups.unresolved} not found` : ''}`
        : '',
      e.states.set || e.states.failed ? `states ${e.states.set} set${e.states.failed ? `, ${e.states.failed} refused` : ''}` : '',
      e.matched ? `${e.matched} found by updateCompare fields` : '',
    ].filter(Boolean);
    lines.push(
      `- ${e.name}: ${e.imported} of ${e.records} imported${e.failed ? `, ${e.failed} refused` : ''} (${e.method})${extra.length ? `; ${extra.join('; ')}` : ''}`,
    );
  }
  const a = summary.associations;
  if (a.created || a.existing || a.failed)
    lines.push(`- N:N links: ${a.created} made, ${a.existing} already there${a.failed ? `, ${a.failed} refused` : ''}`);
  for (const failure of summary.failures.slice(0, 20)) lines.push(`- ${failure.table} ${failure.id}: ${failure.message}`);
  if (summary.failureCount > 20) lines.push(`… and ${summary.failureCount - 20} more refused; the first 100 are in the result.`);
  for (const note of summary.notes) lines.push(note);
  if (resumeId) lines.push(`resume: ${resumeId}`);
  return lines.join('\n');
}
