import { SaxesParser } from 'saxes';

/**
 * The reference the data.xml reader is checked against: what saxes, a conformant and strict XML
 * parser, reads from a whole document, as the same events (ids as written), or that it refuses it.
 */
export type ReferenceEvent =
  | { kind: 'entity'; name: string; displayname: string }
  | { kind: 'record'; entity: string; id: string; fields: ReferenceField[] }
  | { kind: 'association'; entity: string; sourceId: string; relationship: string; targetEntity: string; targetIds: string[] };

export interface ReferenceField {
  name: string;
  value: string;
  lookupentity?: string;
  lookupentityname?: string;
  parties?: Array<{ id: string; fields: ReferenceField[] }>;
}

export function readWithSaxes(xml: string): ReferenceEvent[] | 'refused' {
  const parser = new SaxesParser({ xmlns: false, position: false });
  const events: ReferenceEvent[] = [];
  let entity = '';
  let record: Extract<ReferenceEvent, { kind: 'record' }> | undefined;
  let field: ReferenceField | undefined;
  let party: { id: string; fields: ReferenceField[] } | undefined;
  let link: Extract<ReferenceEvent, { kind: 'association' }> | undefined;
  let text: string | undefined;
  let depth = 0;
  let refused = false;
  parser.on('doctype', () => (refused = true));
  parser.on('text', (t) => {
    if (text !== undefined) text += t;
  });
  parser.on('cdata', (t) => {
    if (text !== undefined) text += t;
  });
  parser.on('opentag', (tag) => {
    depth++;
    const a = tag.attributes;
    if (depth === 1 && tag.name !== 'entities') refused = true;
    const valueOf = (): ReferenceField => {
      const value: ReferenceField = { name: (a.name ?? '').toLowerCase(), value: a.value ?? '' };
      if (a.lookupentity !== undefined) value.lookupentity = a.lookupentity.toLowerCase();
      if (a.lookupentityname !== undefined) value.lookupentityname = a.lookupentityname;
      return value;
    };
    switch (tag.name) {
      case 'entity':
        entity = (a.name ?? '').toLowerCase();
        events.push({ kind: 'entity', name: entity, displayname: a.displayname ?? entity });
        break;
      case 'record':
        record = { kind: 'record', entity, id: a.id ?? '', fields: [] };
        break;
      case 'activitypointerrecords':
        if (field) party = { id: a.id ?? '', fields: [] };
        break;
      case 'field':
        if (party) party.fields.push(valueOf());
        else if (record) record.fields.push((field = valueOf()));
        break;
      case 'm2mrelationship':
        link = {
          kind: 'association',
          entity,
          sourceId: a.sourceid ?? '',
          relationship: a.m2mrelationshipname ?? '',
          targetEntity: (a.targetentityname ?? '').toLowerCase(),
          targetIds: [],
        };
        break;
      case 'targetid':
        text = '';
        break;
    }
  });
  parser.on('closetag', (tag) => {
    depth--;
    switch (tag.name) {
      case 'record':
        if (record) events.push({ ...record, entity });
        record = undefined;
        break;
      case 'activitypointerrecords':
        if (party && field) (field.parties ??= []).push(party);
        party = undefined;
        break;
      case 'field':
        if (!party) field = undefined;
        break;
      case 'targetid':
        if (link && text?.trim()) link.targetIds.push(text);
        text = undefined;
        break;
      case 'm2mrelationship':
        if (link) events.push(link);
        link = undefined;
        break;
    }
  });
  try {
    parser.write(xml.replace(/^\uFEFF/, '')).close();
  } catch {
    return 'refused';
  }
  return refused ? 'refused' : events;
}
