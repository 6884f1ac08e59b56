import { createHash } from 'node:crypto';
import { orgData, type DataTable } from './dataModel';
import type { Reply, SandboxRequest } from './http';
import { FilterError, parseFilter } from './odataFilter';
import type { DataverseReplies } from './solutions/api';
import type { SandboxOrg } from './state';

const BASIC_MESSAGES = ['Create', 'Update', 'Delete', 'Retrieve', 'RetrieveMultiple', 'Associate', 'Disassociate'];

const ids = new Map<string, string>();

/** A stable GUID for a name, so an id means the same in every run. */
function stableId(name: string): string {
  const known = ids.get(name);
  if (known) return known;
  const hex = createHash('sha256').update(name).digest('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
  ids.set(name, id);
  return id;
}

function messagesOf(table: DataTable): string[] {
  return [...BASIC_MESSAGES, ...table.bulkMessages];
}

/**
 * The SDK messages and their filters (sdkmessages, sdkmessagefilters): which message works on which
 * table. Bulk messages are listed only for the tables that have them.
 */
export function handleSdkMessages(request: SandboxRequest, segment: string, org: SandboxOrg, reply: DataverseReplies): Reply | undefined {
  if (request.method !== 'GET' || !/^(sdkmessagefilters|sdkmessages)$/i.test(segment)) return undefined;
  const tables = [...orgData(org).tables.values()];
  const params = request.url.searchParams;
  const expand = /^sdkmessageid(\(|$)/.test(params.get('$expand') ?? '');
  let rows: Array<Record<string, unknown>>;
  if (segment.toLowerCase() === 'sdkmessages') {
    const names = [...new Set(tables.flatMap(messagesOf))];
    rows = names.map((name) => ({ sdkmessageid: stableId(`message:${name}`), name }));
  } else {
    rows = tables.flatMap((table) =>
      messagesOf(table).map((name) => ({
        sdkmessagefilterid: stableId(`filter:${table.logicalName}:${name}`),
        primaryobjecttypecode: table.logicalName,
        secondaryobjecttypecode: 'none',
        iscustomprocessingstepallowed: true,
        _sdkmessageid_value: stableId(`message:${name}`),
        sdkmessageid: { sdkmessageid: stableId(`message:${name}`), name },
      })),
    );
  }
  const filter = params.get('$filter');
  if (filter) {
    try {
      const predicate = parseFilter(filter);
      rows = rows.filter((row) =>
        predicate((path) => path.split('/').reduce<unknown>((value, part) => (value as Record<string, unknown> | undefined)?.[part], row)),
      );
    } catch (error) {
      return reply.error(
        400,
        '0x80060888',
        `The query parameter $filter is not valid: ${error instanceof FilterError ? error.message : 'it could not be read'}.`,
      );
    }
  }
  const selected = params
    .get('$select')
    ?.split(',')
    .map((s) => s.trim());
  const value = rows.map((row) => {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(row))
      if (key === 'sdkmessageid' ? expand : !selected || selected.includes(key) || key.endsWith('id')) out[key] = v;
    return out;
  });
  return reply.ok({ '@odata.context': `${org.url}/api/data/v9.2/$metadata#${segment}`, value });
}
