import { normalizeId, type CmtEvent } from './cmtRecords';
import type { ImportPlan } from './importPlan';
import { LOOKUP_TYPES } from './recordBody';

/** The events of data.xml with each matched record's id, and every lookup, party and link pointing at it, changed to its match's. */
export async function* withMatchedIds(
  data: AsyncIterable<CmtEvent[]>,
  ids: Map<string, string>,
  lookupFields: Map<string, Set<string>>,
): AsyncGenerator<CmtEvent[]> {
  const mapped = (id: string) => ids.get(normalizeId(id)) ?? id;
  for await (const events of data) {
    for (const event of events) {
      if (event.kind === 'association') {
        const link = event.association;
        link.sourceId = mapped(link.sourceId);
        link.targetIds = link.targetIds.map(mapped);
      } else if (event.kind === 'record') {
        const record = event.record;
        record.id = mapped(record.id);
        const lookups = lookupFields.get(event.entity);
        for (const field of record.fields) {
          if (lookups?.has(field.name) && field.value) field.value = mapped(field.value);
          for (const party of field.parties ?? [])
            for (const value of party.fields) if (value.name === 'partyid' && value.value) value.value = mapped(value.value);
        }
      }
    }
    yield events;
  }
}

/** Each table's lookup columns (the schema's names), for withMatchedIds. */
export function lookupFieldsOf(plan: ImportPlan): Map<string, Set<string>> {
  const fields = new Map<string, Set<string>>();
  for (const [name, table] of plan.tables)
    fields.set(name, new Set(table.entity.fields.filter((f) => LOOKUP_TYPES.has(f.type)).map((f) => f.name)));
  return fields;
}
