import type { DataverseClient } from '../platform/dataverse';
import { answerMessage, buildBatch, readBatchAnswers, type BatchOperation } from './batchRequest';
import type { Dispatcher } from './dispatcher';
import type { ImportProgress } from './importProgress';
import type { ImportPlan } from './importPlan';
import type { LookupResolver } from './lookups';
import type { ManyToManyMetadata } from './tableMetadata';

/** One N:N link of the file: from a record, through a relationship, to one record. */
export interface PendingLink {
  sourceId: string;
  /** The relationship as the file names it: its schema name, or its intersect table's (which Dataverse may have cut short). */
  relationship: string;
  targetEntity: string;
  targetId: string;
}

interface LinkItem {
  t: string;
  i: number;
  link: PendingLink;
}

/** The relationship a file's name stands for, among a table's N:N relationships. */
export function findRelationship(relationships: ManyToManyMetadata[], name: string): ManyToManyMetadata | undefined {
  const wanted = name.toLowerCase();
  return (
    relationships.find((r) => r.SchemaName.toLowerCase() === wanted) ??
    relationships.find((r) => r.IntersectEntityName?.toLowerCase() === wanted)
  );
}

/** The navigation property from `table`'s side; in a relationship of a table with itself, the file's source is the first side. */
export function navigationFrom(relationship: ManyToManyMetadata, table: string): { navigation: string; other: string; first: boolean } {
  return relationship.Entity1LogicalName === table
    ? { navigation: relationship.Entity1NavigationPropertyName, other: relationship.Entity2LogicalName, first: true }
    : { navigation: relationship.Entity2NavigationPropertyName, other: relationship.Entity1LogicalName, first: false };
}

/**
 * Associates records through their N:N relationships (docs/service-notes.md#data-configuration-migration): POST {set}({id})/{nav}/$ref,
 * many in a $batch, each in a change set of its own. A pair already linked counts as done, so importing twice
 * makes no second link.
 */
export async function linkRecords(
  dv: DataverseClient,
  plan: ImportPlan,
  resolver: LookupResolver,
  items: AsyncIterable<LinkItem>,
  options: { batchSize: number; dispatcher: Dispatcher; progress: ImportProgress; onProgress: (count: number) => void },
): Promise<void> {
  const { progress, dispatcher } = options;
  let pending: Array<{ item: LinkItem; op: BatchOperation }> = [];
  const fail = (item: LinkItem, message: string) => {
    progress.associations.failed++;
    progress.fail(
      { table: item.link.relationship, id: `${item.link.sourceId} → ${item.link.targetId}`, message, correlationId: null },
      false,
    );
    progress.markDone('associations', item.t, item.i);
  };
  const flush = async () => {
    const batch = pending;
    pending = [];
    if (!batch.length) return;
    let answers: ReturnType<typeof readBatchAnswers> = [];
    await dispatcher.submit(
      async (signal) => {
        const { boundary, body } = buildBatch(
          batch.map((b) => b.op),
          dv.url('').replace(/\/$/, ''),
        );
        const response = await dv.batch(body, boundary, { signal });
        answers = readBatchAnswers(response.body, response.headers.get('content-type'));
        return response.headers;
      },
      () => {
        for (const [index, answer] of answers.entries()) {
          const { item } = batch[index]!;
          if (answer.status < 300) progress.associations.created++;
          else if (answer.status === 412 || /duplicate key/i.test(answer.body)) progress.associations.existing++;
          else if (answer.status === 429 || answer.status >= 500) continue;
          else {
            fail(item, answerMessage(answer));
            continue;
          }
          progress.markDone('associations', item.t, item.i);
        }
        // Links the batch did not reach are sent again by the next call.
        options.onProgress(answers.length);
      },
    );
  };
  for await (const item of items) {
    if (progress.isDone('associations', item.t, item.i)) continue;
    const { link } = item;
    if (progress.failedIds.has(link.sourceId) || progress.failedIds.has(link.targetId)) {
      fail(item, `not linked: ${progress.failedIds.has(link.sourceId) ? link.sourceId : link.targetId} was not imported`);
      continue;
    }
    const table = plan.tables.get(item.t)!;
    const relationship = findRelationship(table.meta.manyToMany, link.relationship);
    if (!relationship) {
      fail(item, `${item.t} has no N:N relationship ${link.relationship} in this environment`);
      continue;
    }
    const { navigation, other } = navigationFrom(relationship, table.meta.logicalName);
    const target = resolver.target({ field: link.relationship, id: link.targetId, entity: other });
    if ('why' in target) {
      fail(item, `not linked: the target ${target.why}`);
      continue;
    }
    pending.push({
      item,
      op: {
        method: 'POST',
        path: `${table.meta.entitySet}(${link.sourceId})/${navigation}/$ref`,
        headers: table.target.headers,
        body: { '@odata.id': dv.url(`${target.entitySet}(${target.id})`) },
      },
    });
    if (pending.length >= options.batchSize) await flush();
  }
  await flush();
  await dispatcher.drain();
}
