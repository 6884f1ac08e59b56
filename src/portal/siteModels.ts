import type { DataverseClient } from '../platform/dataverse';
import { GUID, odataString } from '../platform/odata';
import type { SiteComponent } from './siteFolder';

/** One of Power Pages' two data models (§12): where a site's components live and how they are written. */
export interface SiteModel {
  dataModel: 'enhanced' | 'standard';
  find(dv: DataverseClient, ref: string, signal: AbortSignal): Promise<{ id: string; name: string } | undefined>;
  names(dv: DataverseClient, signal: AbortSignal): Promise<string[]>;
  components(dv: DataverseClient, siteId: string, signal: AbortSignal): Promise<SiteComponent[]>;
  create(dv: DataverseClient, siteId: string, component: SiteComponent, signal: AbortSignal): Promise<void>;
  /** Writes what differs from `current`; returns whether anything did. */
  update(dv: DataverseClient, component: SiteComponent, current: SiteComponent, signal: AbortSignal): Promise<boolean>;
}

const WEB_FILE = 3;

/** JSON with object keys sorted, so the same content compares equal whatever order its keys came in. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`).join(',')}}`;
  return JSON.stringify(value);
}

async function allPages<T>(dv: DataverseClient, path: string, signal: AbortSignal): Promise<T[]> {
  const rows: T[] = [];
  for (let next: string | undefined = path; next; ) {
    const page: { value: T[]; '@odata.nextLink'?: string } = await dv.page(next, 'odata.maxpagesize=5000', signal);
    rows.push(...page.value);
    next = page['@odata.nextLink'];
  }
  return rows;
}

/** Enhanced data model: powerpagesite and powerpagecomponent with JSON content and a file column. */
export const enhancedModel: SiteModel = {
  dataModel: 'enhanced',
  async find(dv, ref, signal) {
    const filter = GUID.test(ref) ? `powerpagesiteid eq ${ref}` : `name eq ${odataString(ref)}`;
    const site = (await dv.get<{ value: Array<{ powerpagesiteid: string; name: string }> }>(`powerpagesites?$select=powerpagesiteid,name&$filter=${filter}`, signal)).value[0];
    return site && { id: site.powerpagesiteid, name: site.name };
  },
  async names(dv, signal) {
    return (await dv.get<{ value: Array<{ name: string }> }>('powerpagesites?$select=name', signal)).value.map((s) => s.name);
  },
  async components(dv, siteId, signal) {
    const rows = await allPages<{ powerpagecomponentid: string; name: string; powerpagecomponenttype: number; content: string | null }>(
      dv,
      `powerpagecomponents?$select=powerpagecomponentid,name,powerpagecomponenttype,content&$filter=_powerpagesiteid_value eq ${siteId}`,
      signal,
    );
    return Promise.all(
      rows.map(async (row) => {
        const file = row.powerpagecomponenttype === WEB_FILE ? await dv.download(`powerpagecomponents(${row.powerpagecomponentid})/filecontent/$value`, signal) : undefined;
        return { id: row.powerpagecomponentid, name: row.name, type: row.powerpagecomponenttype, content: row.content ? JSON.parse(row.content) : {}, file: file && { name: file.fileName ?? row.name, bytes: file.bytes } };
      }),
    );
  },
  async create(dv, siteId, component, signal) {
    await dv.action('powerpagecomponents', { powerpagecomponentid: component.id, name: component.name, powerpagecomponenttype: component.type, content: JSON.stringify(component.content), 'powerpagesiteid@odata.bind': `/powerpagesites(${siteId})` }, { signal });
    if (component.file) await dv.uploadFile(`powerpagecomponents(${component.id})/filecontent`, component.file.name, component.file.bytes, signal);
  },
  async update(dv, component, current, signal) {
    const contentChanged = stableJson(component.content) !== stableJson(current.content) || component.name !== current.name;
    const fileChanged = Boolean(component.file && !component.file.bytes.equals(current.file?.bytes ?? Buffer.alloc(0)));
    if (contentChanged) await dv.update('powerpagecomponents', component.id, { name: component.name, content: JSON.stringify(component.content) }, signal);
    if (fileChanged) await dv.uploadFile(`powerpagecomponents(${component.id})/filecontent`, component.file!.name, component.file!.bytes, signal);
    return contentChanged || fileChanged;
  },
};

const STANDARD_TABLES = ['adx_webpage', 'adx_webtemplate', 'adx_contentsnippet', 'adx_sitesetting', 'adx_webfile'];

/** The row's own values: no id, no lookups, no annotations; the name is the component's name. */
function ownColumns(row: Record<string, unknown>, table: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([key]) => key !== `${table}id` && key !== 'adx_name' && !key.startsWith('_') && !key.includes('@')));
}

/** Standard data model: one adx_ table per component type; a web file's bytes are in a note (annotation). */
export const standardModel: SiteModel = {
  dataModel: 'standard',
  async find(dv, ref, signal) {
    const filter = GUID.test(ref) ? `adx_websiteid eq ${ref}` : `adx_name eq ${odataString(ref)}`;
    const site = (await dv.get<{ value: Array<{ adx_websiteid: string; adx_name: string }> }>(`adx_websites?$select=adx_websiteid,adx_name&$filter=${filter}`, signal)).value[0];
    return site && { id: site.adx_websiteid, name: site.adx_name };
  },
  async names(dv, signal) {
    return (await dv.get<{ value: Array<{ adx_name: string }> }>('adx_websites?$select=adx_name', signal)).value.map((s) => s.adx_name);
  },
  async components(dv, siteId, signal) {
    const components: SiteComponent[] = [];
    for (const table of STANDARD_TABLES) {
      for (const row of await allPages<Record<string, unknown>>(dv, `${table}s?$filter=_adx_websiteid_value eq ${siteId}`, signal)) {
        const id = String(row[`${table}id`]);
        let file: SiteComponent['file'];
        if (table === 'adx_webfile') {
          const note = (await dv.get<{ value: Array<{ annotationid: string; filename: string; documentbody: string }> }>(`annotations?$select=annotationid,filename,documentbody&$filter=_objectid_value eq ${id}`, signal)).value[0];
          if (note) file = { name: note.filename, bytes: Buffer.from(note.documentbody ?? '', 'base64'), ref: note.annotationid };
        }
        components.push({ id, name: String(row.adx_name ?? id), type: table, content: ownColumns(row, table), file });
      }
    }
    return components;
  },
  async create(dv, siteId, component, signal) {
    const table = String(component.type);
    await dv.action(`${table}s`, { ...component.content, adx_name: component.name, [`${table}id`]: component.id, 'adx_websiteid@odata.bind': `/adx_websites(${siteId})` }, { signal });
    // A web file's bytes live in a note attached to it.
    if (table === 'adx_webfile' && component.file) {
      await dv.action('annotations', { filename: component.file.name, documentbody: component.file.bytes.toString('base64'), 'objectid_adx_webfile@odata.bind': `/adx_webfiles(${component.id})` }, { signal });
    }
  },
  async update(dv, component, current, signal) {
    const table = String(component.type);
    const changes: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(component.content)) if (stableJson(value) !== stableJson(current.content[key])) changes[key] = value;
    if (component.name !== current.name) changes.adx_name = component.name;
    if (Object.keys(changes).length) await dv.update(`${table}s`, component.id, changes, signal);
    const fileChanged = Boolean(component.file && !component.file.bytes.equals(current.file?.bytes ?? Buffer.alloc(0)));
    if (fileChanged && current.file?.ref) await dv.update('annotations', current.file.ref, { documentbody: component.file!.bytes.toString('base64') }, signal);
    else if (fileChanged) await dv.action('annotations', { filename: component.file!.name, documentbody: component.file!.bytes.toString('base64'), 'objectid_adx_webfile@odata.bind': `/adx_webfiles(${component.id})` }, { signal });
    return Object.keys(changes).length > 0 || fileChanged;
  },
};
