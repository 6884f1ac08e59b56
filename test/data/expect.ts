import { dataTables, manyToMany } from '../../src/sandbox/dataTables';
import type { DataColumn, DataTable } from '../../src/sandbox/dataModel';
import type { SandboxOrg } from '../../src/sandbox/state';
import type { CmtFiles, FileValue } from './cmtFiles';

/**
 * What a correct import leaves in the environment, worked out by the test from the file and the
 * environment's own rows: every value, every lookup (to the record in the file, else the one the
 * environment has by id or by name, else none) and every N:N link.
 */
const US = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2}) (AM|PM)$/;

export function instant(text: string): number {
  const us = US.exec(text);
  if (us) return Date.UTC(+us[3]!, +us[1]! - 1, +us[2]!, (+us[4]! % 12) + (us[7] === 'PM' ? 12 : 0), +us[5]!, +us[6]!);
  return Date.parse(/(Z|[+-]\d\d:\d\d)$/.test(text) ? text : `${text}Z`);
}

/** The row's table name of each record id in the environment (users, teams and business units included). */
export function findRecord(org: SandboxOrg, table: string, id: string): boolean {
  if (table === 'systemuser') return org.users.some((u) => u.systemuserid === id);
  if (table === 'team') return org.teams.some((t) => t.teamid === id);
  if (table === 'businessunit') return org.businessUnits.some((b) => b.businessunitid === id);
  return dataTables(org).get(table)?.rows.has(id) ?? false;
}

function byName(org: SandboxOrg, table: string, name: string | undefined): string | null {
  if (!name) return null;
  if (table === 'systemuser') {
    const found = org.users.filter((u) => u.fullname === name);
    return found.length === 1 ? found[0]!.systemuserid : null;
  }
  const t = dataTables(org).get(table);
  if (!t || t.external) return null;
  const found = [...t.rows.values()].filter((r) => r[t.primaryName] === name);
  return found.length === 1 ? String(found[0]![t.primaryId]) : null;
}

export class Expectations {
  readonly inFile = new Map<string, string>();

  constructor(
    readonly files: CmtFiles,
    readonly org: SandboxOrg,
    /** Ids the import reported as refused. */
    readonly refused: Set<string>,
  ) {
    for (const r of files.records) this.inFile.set(r.id, r.entity);
  }

  /** Where a lookup should point after the import, and in which table; null when nowhere. */
  lookup(value: FileValue): { id: string; table: string } | null {
    const id = value.value.toLowerCase();
    const table = this.inFile.get(id);
    if (table) return this.refused.has(id) ? null : { id, table };
    const entity = value.lookupentity ?? '';
    if (!entity) return null;
    if (findRecord(this.org, entity, id)) return { id, table: entity };
    const named = byName(this.org, entity, value.lookupentityname);
    return named ? { id: named, table: entity } : null;
  }

  /** Whether the environment's column takes values at all (Dataverse sets the others itself). */
  writable(table: DataTable, name: string): DataColumn | undefined {
    const column = table.columns.find((c) => c.name === name);
    return column && (column.validForCreate || column.validForUpdate) ? column : undefined;
  }

  /** The links of the file, from its first side to its second, as the environment should hold them. */
  links(): Array<{ relationship: string; pair: string }> {
    const found: Array<{ relationship: string; pair: string }> = [];
    for (const link of this.files.links) {
      const relationship = manyToMany(this.org).find(
        (r) => r.SchemaName === link.relationship || r.IntersectEntityName === link.relationship,
      )!;
      for (const target of link.targetIds) {
        if (this.refused.has(link.sourceId) || this.refused.has(target)) continue;
        const first = relationship.Entity1LogicalName === link.entity;
        found.push({ relationship: relationship.SchemaName, pair: first ? `${link.sourceId}|${target}` : `${target}|${link.sourceId}` });
      }
    }
    return found;
  }
}

/** Whether a value of the file and a value read back mean the same, for the file's type and the column. */
export function sameValue(type: string, fileValue: string, actual: unknown, column?: DataColumn): boolean {
  if (actual === null || actual === undefined) return false;
  switch (type) {
    case 'number':
    case 'bigint':
    case 'optionsetvalue':
    case 'state':
    case 'status':
      return Number(actual) === Number(fileValue);
    case 'decimal':
    case 'float':
    case 'money':
      return Math.abs(Number(actual) - Number(fileValue)) < 1e-6;
    case 'bool':
      return String(actual).toLowerCase() === fileValue.toLowerCase();
    case 'datetime':
      if (column?.dateFormat === 'DateOnly' && typeof actual === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(actual))
        return actual === new Date(instant(fileValue)).toISOString().slice(0, 10);
      return instant(String(actual)) === instant(fileValue);
    case 'optionsetvaluecollection': {
      const set = (text: string) =>
        text
          .replace(/^\[|\]$/g, '')
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v && v !== '-1')
          .sort()
          .join(',');
      return set(String(actual)) === set(fileValue);
    }
    case 'guid':
      return String(actual).toLowerCase() === fileValue.toLowerCase();
    default:
      return String(actual) === fileValue;
  }
}
