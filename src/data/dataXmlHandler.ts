import { normalizeId, own, type CmtAssociation, type CmtEvent, type CmtParty, type CmtRecord, type CmtValue } from './cmtRecords';
import { CmtFormatError } from './cmtSchema';
import { emptyArrayOf } from './emptyArray';
import { XmlTagReader, type QuickTag, type XmlTag, type XmlTagHandler } from './xmlTags';

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
  const lowered = (name ?? '').toLowerCase();
  // Most fields have only a name and a value: the lookup attributes are looked for only when there are others.
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
 * Field names, lower-cased, one string each however many records give them (those the file gives
 * in lower case, as the tool writes them; others are cut out each time): a name is compared where
 * it lies in the text rather than cut out, lower-cased and hashed again for every field. Known
 * from the schema before the first record, so that V8 meets a name it has no string for only
 * where the file has fields its schema lacks. A slot per length and a few of its characters;
 * names that share one take turns in it.
 */
class FieldNames {
  private readonly slots = emptyArrayOf<string>('strings');

  constructor() {
    for (let i = 0; i < SLOTS; i++) this.slots.push('');
  }

  know(name: string): void {
    if (name) this.slots[slotOf(name, 0, name.length)] = own(name);
  }

  /** The name in `text` from `start` to `end`, lower-cased. */
  between(text: string, start: number, end: number): string {
    const length = end - start;
    const slot = slotOf(text, start, end);
    const known = this.slots[slot]!;
    if (known.length === length && length > 0 && text.startsWith(known, start)) return known;
    const name = own(text.slice(start, end).toLowerCase());
    this.slots[slot] = name;
    return name;
  }
}

const SLOTS = 8192;

/** A name's slot, from its length, its middle character and its last. */
function slotOf(text: string, start: number, end: number): number {
  const length = end - start;
  return ((length << 7) ^ (text.charCodeAt(start + (length >> 1)) << 3) ^ text.charCodeAt(end - 1)) & (SLOTS - 1);
}

/**
 * The start tags the tool writes for nearly every field and for every record (see QuickTag): a
 * `<field>` with a name, a value and perhaps the lookup's table and name, and a `<record>` with its
 * id, nothing in them to decode. Their place in this list is what `takeQuick` is told.
 */
const QUICK_TAGS: readonly QuickTag[] = [
  {
    pattern:
      /<field name="[^"<&\t\n\r]*" value="[^"<&\t\n\r]*"(?: lookupentity="[^"<&\t\n\r]*")?(?: lookupentityname="[^"<&\t\n\r]*")? \/>/y,
  },
  { pattern: /<record id="[^"<&\t\n\r]*">/y, opens: 'record' },
];
const PLAIN_FIELD = 0;
const PLAIN_RECORD = 1;

/** The value of a field the quick pattern matched at `start`: its parts lie between the quotes, where the pattern has them. */
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

function newRecord(id: string): CmtRecord {
  return { id: normalizeId(id), fields: [] };
}

/**
 * Turns data.xml's elements into events: entities, records with their fields (party lists
 * included) and N:N links, collected in `ready` until the caller takes them. A class rather than
 * an object of closures: the next import calls the same functions, so V8 keeps the code it
 * optimised for the last one instead of compiling it again.
 */
export class DataXmlHandler implements XmlTagHandler {
  /** Events read and not yet taken. */
  ready = emptyArrayOf<CmtEvent>('objects');
  readonly reader: XmlTagReader;
  readonly quick = QUICK_TAGS;
  private entity = '';
  private record: CmtRecord | undefined = undefined;
  private field: CmtValue | undefined = undefined;
  private party: CmtParty | undefined = undefined;
  private link: CmtAssociation | undefined = undefined;
  /** The text of the <targetid> being read. */
  private targetText = '';
  private readonly names = new FieldNames();

  constructor(
    private readonly file: string,
    fieldNames: Iterable<string>,
  ) {
    this.reader = new XmlTagReader(this);
    for (const name of fieldNames) this.names.know(name);
  }

  /** The events read so far; the next ones are collected anew. */
  take(): CmtEvent[] {
    const events = this.ready;
    this.ready = emptyArrayOf<CmtEvent>('objects');
    return events;
  }

  open(tag: XmlTag): void {
    if (this.reader.depth === 1 && tag.name !== 'entities')
      throw new CmtFormatError(`${this.file} is not a Configuration Migration data file (its root is <${tag.name}>, not <entities>).`);
    switch (tag.name) {
      case 'entity':
        this.entity = (tag.attribute('name') ?? '').toLowerCase();
        this.ready.push({ kind: 'entity', name: this.entity, displayname: tag.attribute('displayname') ?? this.entity });
        break;
      case 'record':
        this.record = newRecord(tag.attribute('id') ?? '');
        break;
      case 'activitypointerrecords':
        if (this.field) this.party = { id: normalizeId(tag.attribute('id') ?? ''), fields: [] };
        break;
      case 'field':
        this.fieldOpens(valueOf(tag));
        break;
      case 'm2mrelationship':
        this.link = {
          entity: this.entity,
          sourceId: normalizeId(tag.attribute('sourceid') ?? ''),
          relationship: tag.attribute('m2mrelationshipname') ?? '',
          targetEntity: (tag.attribute('targetentityname') ?? '').toLowerCase(),
          targetIds: [],
        };
        break;
      case 'targetid':
        // Only a <targetid> has text worth keeping.
        this.targetText = '';
        this.reader.wantText = true;
        break;
    }
  }

  close(name: string): void {
    switch (name) {
      case 'record':
        if (this.record) this.ready.push({ kind: 'record', entity: this.entity, record: this.record });
        this.record = undefined;
        break;
      case 'activitypointerrecords':
        if (this.party && this.field) (this.field.parties ??= []).push(this.party);
        this.party = undefined;
        break;
      case 'field':
        this.fieldCloses();
        break;
      case 'targetid':
        if (this.link && this.targetText.trim()) this.link.targetIds.push(normalizeId(this.targetText));
        // Not kept: it may be a cut of the chunk it came from.
        this.targetText = '';
        this.reader.wantText = false;
        break;
      case 'm2mrelationship':
        if (this.link) this.ready.push({ kind: 'association', association: this.link });
        this.link = undefined;
        break;
    }
  }

  text(piece: string): void {
    this.targetText += piece;
  }

  /** A field of the party being read, else of the record; a record's field may hold a party list. */
  private fieldOpens(value: CmtValue): void {
    if (this.party) this.party.fields.push(value);
    else if (this.record) {
      this.field = value;
      this.record.fields.push(value);
    }
  }

  private fieldCloses(): void {
    if (!this.party) this.field = undefined;
  }

  takeQuick(index: number, text: string, start: number, end: number): void {
    if (index === PLAIN_FIELD) {
      // An empty <field>: opened and closed at once.
      this.fieldOpens(plainField(text, start, this.names));
      this.fieldCloses();
    } else if (index === PLAIN_RECORD) this.record = newRecord(text.slice(start + '<record id="'.length, end - '">'.length));
  }
}
