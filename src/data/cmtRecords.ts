// What data.xml holds, as the importer reads it: records, their fields and N:N links, and the ids kept of them.

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
