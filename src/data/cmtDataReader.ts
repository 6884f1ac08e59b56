import { StringDecoder } from 'node:string_decoder';
import { CmtFormatError } from './cmtSchema';
import { emptyArrayOf } from './emptyArray';
import { DoctypeError, XmlFormatError, XmlTagReader, type XmlTag } from './xmlTags';

/** A field of a record: its value, the target of a lookup, and the parties of a party list. */
export interface CmtValue {
  name: string;
  value: string;
  lookupentity?: string;
  lookupentityname?: string;
  /** Party-list fields: one activity party each (`<activitypointerrecords>`). */
  parties?: CmtParty[];
}

export interface CmtParty {
  id: string;
  fields: CmtValue[];
}

export interface CmtRecord {
  id: string;
  fields: CmtValue[];
}

/** N:N links of data.xml: from one record, through one relationship, to records of another table. */
export interface CmtAssociation {
  entity: string;
  sourceId: string;
  relationship: string;
  targetEntity: string;
  targetIds: string[];
}

export type CmtEvent =
  | { kind: 'entity'; name: string; displayname: string }
  | { kind: 'record'; entity: string; record: CmtRecord }
  | { kind: 'association'; association: CmtAssociation };

/**
 * A record id in one form (no braces, lower case), as a string of its own: the parser's strings can
 * be slices of the whole chunk of data.xml they came from, which a kept id would keep in memory.
 */
export function normalizeId(id: string): string {
  return own(inOneForm(id) ? id : id.trim().replace(/[{}]/g, '').toLowerCase());
}

/** Whether an id is already in the one form: 36 characters, each a lower-case hex digit or a hyphen, as files usually give it. */
function inOneForm(id: string): boolean {
  if (id.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = id.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || c === 0x2d)) return false;
  }
  return true;
}

/** Bytes a string is copied through by `own`; a UTF-16 unit takes at most 3 of them. */
const copyBytes = Buffer.alloc(4096);

/** A copy of a string that shares no memory with the text it was cut from. */
export function own(text: string): string {
  // One flat string: a cut of a copy (as in (' ' + text).slice(1)) would keep two objects per id, 88 bytes rather than 57.
  // Written through one buffer kept for it: a new Buffer for every id cost more than the copy.
  if (text.length * 3 > copyBytes.length) return Buffer.from(text, 'utf8').toString('utf8');
  return copyBytes.toString('utf8', 0, copyBytes.write(text, 0, 'utf8'));
}

/** Table names, one string each, however many times the file gives them (bounded, should a file give many). */
const tableNames = new Map<string, string>();

function tableName(name: string): string {
  let known = tableNames.get(name);
  if (known === undefined) {
    known = own(name.toLowerCase());
    if (tableNames.size < 1000) tableNames.set(own(name), known);
  }
  return known;
}

function valueOf(tag: XmlTag): CmtValue {
  const name = tag.attribute('name');
  const raw = tag.attribute('value');
  // Most fields have only a name and a value: the lookup attributes are looked for only when there are others.
  const lowered = (name ?? '').toLowerCase();
  if (tag.attributeCount === (name === undefined ? 0 : 1) + (raw === undefined ? 0 : 1))
    return fieldValue(lowered, raw, undefined, undefined);
  return fieldValue(lowered, raw, tag.attribute('lookupentity'), tag.attribute('lookupentityname'));
}

function fieldValue(
  name: string,
  raw: string | undefined,
  lookupentity: string | undefined,
  lookupentityname: string | undefined,
): CmtValue {
  const value: CmtValue = { name, value: raw ?? '' };
  if (lookupentity !== undefined) value.lookupentity = tableName(lookupentity);
  if (lookupentityname !== undefined) value.lookupentityname = lookupentityname;
  return value;
}

/**
 * A `<field>` as the Configuration Migration tool writes nearly all of them: a name, a value and
 * perhaps the lookup's table and name, nothing to decode (see QuickTag).
 */
const PLAIN_FIELD =
  /<field name="[^"<&\t\n\r]*" value="[^"<&\t\n\r]*"(?: lookupentity="[^"<&\t\n\r]*")?(?: lookupentityname="[^"<&\t\n\r]*")? \/>/y;

/**
 * Field names, lower-cased, one string each however many records give them: a name is compared
 * where it lies in the text rather than cut out, lower-cased and hashed again for every field. A
 * slot per length and last character; names that share one take turns in it.
 */
class FieldNames {
  private readonly slots = emptyArrayOf<string>('strings');

  constructor() {
    for (let i = 0; i < 64 * 128; i++) this.slots.push('');
  }

  /** The name in `text` from `start` to `end`, lower-cased. */
  between(text: string, start: number, end: number): string {
    const length = end - start;
    const slot = ((length & 63) << 7) | (text.charCodeAt(end - 1) & 127);
    const known = this.slots[slot]!;
    if (known.length === length && length > 0 && text.startsWith(known, start)) return known;
    const name = own(text.slice(start, end).toLowerCase());
    this.slots[slot] = name;
    return name;
  }
}

/** The value of a field PLAIN_FIELD matched at `start`: its parts lie between the quotes, where the pattern has them. */
function plainField(text: string, start: number, names: FieldNames): CmtValue {
  const nameStart = start + '<field name="'.length;
  const nameEnd = text.indexOf('"', nameStart);
  const valueStart = nameEnd + '" value="'.length;
  const valueEnd = text.indexOf('"', valueStart);
  let at = valueEnd + 1;
  let lookupentity: string | undefined;
  let lookupentityname: string | undefined;
  if (text.startsWith(' lookupentity="', at)) {
    const end = text.indexOf('"', at + ' lookupentity="'.length);
    lookupentity = text.slice(at + ' lookupentity="'.length, end);
    at = end + 1;
  }
  if (text.startsWith(' lookupentityname="', at))
    lookupentityname = text.slice(at + ' lookupentityname="'.length, text.indexOf('"', at + ' lookupentityname="'.length));
  return fieldValue(names.between(text, nameStart, nameEnd), text.slice(valueStart, valueEnd), lookupentity, lookupentityname);
}

/** A `<record>` as the tool writes them all: its id alone. */
const PLAIN_RECORD = /<record id="[^"<&\t\n\r]*">/y;

function newRecord(id: string): CmtRecord {
  return { id: normalizeId(id), fields: [] };
}

/** Bytes decoded at a time: a string over 128 KB goes to V8's large-object space, which makes decoding many times slower. */
const DECODE_BYTES = 32 * 1024;

/**
 * Reads data.xml as it streams in, once: entities, records with their fields (party lists
 * included) and N:N links come out as events in file order, a chunk of the file at a time, while
 * memory holds only the records of that chunk. The reader expands no entities of its own and
 * refuses a DOCTYPE.
 */
export async function* readDataBatches(
  chunks: AsyncIterable<Buffer | string> | Iterable<Buffer | string>,
  file: string,
): AsyncGenerator<CmtEvent[]> {
  let ready = emptyArrayOf<CmtEvent>('objects');
  let entity = '';
  let record: CmtRecord | undefined;
  let field: CmtValue | undefined;
  let party: CmtParty | undefined;
  let link: CmtAssociation | undefined;
  let text = '';
  const names = new FieldNames();
  const reader: XmlTagReader = new XmlTagReader({
    open(tag) {
      if (reader.depth === 1 && tag.name !== 'entities')
        throw new CmtFormatError(`${file} is not a Configuration Migration data file (its root is <${tag.name}>, not <entities>).`);
      switch (tag.name) {
        case 'entity':
          entity = (tag.attribute('name') ?? '').toLowerCase();
          ready.push({ kind: 'entity', name: entity, displayname: tag.attribute('displayname') ?? entity });
          break;
        case 'record':
          record = newRecord(tag.attribute('id') ?? '');
          break;
        case 'activitypointerrecords':
          if (field) party = { id: normalizeId(tag.attribute('id') ?? ''), fields: [] };
          break;
        case 'field': {
          const value = valueOf(tag);
          if (party) party.fields.push(value);
          else if (record) {
            field = value;
            record.fields.push(value);
          }
          break;
        }
        case 'm2mrelationship':
          link = {
            entity,
            sourceId: normalizeId(tag.attribute('sourceid') ?? ''),
            relationship: tag.attribute('m2mrelationshipname') ?? '',
            targetEntity: (tag.attribute('targetentityname') ?? '').toLowerCase(),
            targetIds: [],
          };
          break;
        case 'targetid':
          // Only a <targetid> has text worth keeping.
          text = '';
          reader.wantText = true;
          break;
      }
    },
    close(name) {
      switch (name) {
        case 'record':
          if (record) ready.push({ kind: 'record', entity, record });
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
          if (link && text.trim()) link.targetIds.push(normalizeId(text));
          // Not kept: it may be a cut of the chunk it came from.
          text = '';
          reader.wantText = false;
          break;
        case 'm2mrelationship':
          if (link) ready.push({ kind: 'association', association: link });
          link = undefined;
          break;
      }
    },
    text(piece) {
      text += piece;
    },
    quick: [
      {
        pattern: PLAIN_FIELD,
        // What open and close do with a <field> that has no party list inside.
        take(source, start) {
          const value = plainField(source, start, names);
          if (party) party.fields.push(value);
          else {
            record?.fields.push(value);
            field = undefined;
          }
        },
      },
      {
        pattern: PLAIN_RECORD,
        opens: 'record',
        take(source, start, end) {
          record = newRecord(source.slice(start + '<record id="'.length, end - '">'.length));
        },
      },
    ],
  });
  // A chunk may end inside a multi-byte character: the decoder keeps its first bytes for the next one.
  const decoder = new StringDecoder('utf8');
  const feed = (piece: string | undefined) => {
    try {
      if (piece === undefined) reader.end();
      else reader.write(piece);
    } catch (error) {
      if (error instanceof DoctypeError)
        throw new CmtFormatError(`${file} declares a DOCTYPE, which Configuration Migration files never do; it was not read.`);
      if (error instanceof XmlFormatError) throw new CmtFormatError(`${file} is not well-formed XML: ${error.message}.`);
      throw error;
    }
  };
  let first = true;
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.length; at += DECODE_BYTES) {
      let piece = typeof chunk === 'string' ? chunk.slice(at, at + DECODE_BYTES) : decoder.write(chunk.subarray(at, at + DECODE_BYTES));
      if (first && piece) {
        piece = piece.replace(/^\uFEFF/, '');
        first = false;
      }
      feed(piece);
    }
    if (ready.length) {
      yield ready;
      ready = emptyArrayOf<CmtEvent>('objects');
    }
  }
  feed(decoder.end());
  feed(undefined);
  if (ready.length) yield ready;
}
