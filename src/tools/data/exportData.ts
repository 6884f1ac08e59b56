import { existsSync, readFileSync, statSync } from 'node:fs';
import { z } from 'zod';
import { CMT_TYPES, readSchema, toCmtValue, writeData, writeSchema, type CmtAssociation, type CmtEntity, type CmtRecord, type CmtSchema } from '../../data/cmt';
import { XMLSerializer } from '@xmldom/xmldom';
import { mapLimited } from '../../solutions/parallel';
import { elements, parseXml } from '../../solutions/xml';
import { tableMetadata } from '../../data/tableMetadata';
import { writeZip } from '../../solutions/zipWriter';
import { resolveDataverseTarget } from '../dataverseTarget';
import { ToolError } from '../errors';
import { fileLink } from '../lifecycle/operationReport';
import { resolveLocalPath } from '../localPaths';
import { environmentRef } from '../schemas';
import { IDEMPOTENT_CLOUD, defineTool } from '../types';

const PAGE = 'odata.maxpagesize=5000, odata.include-annotations="*"';

export const exportData = defineTool({
  name: 'pp_export_data',
  toolset: 'data',
  title: 'Export data',
  description:
    'Exports records to a Configuration Migration data zip (data_schema.xml, data.xml), the format of the Configuration Migration tool and pac data export, ' +
    'paging through every record. Give the tables (with columns, or all columns), or a data_schema.xml made by the Configuration Migration tool. ' +
    'Lookups keep their target table and name, so pp_import_data can restore them. Reads only from the environment.',
  input: z.strictObject({
    environment: environmentRef.optional(),
    tables: z.array(z.object({ table: z.string().trim().min(1).max(100), columns: z.array(z.string().min(1).max(100)).optional() })).max(100).optional().describe('Tables to export, in import order; columns default to all.'),
    schemaFile: z.string().min(1).optional().describe('A data_schema.xml to export by instead of `tables`.'),
    dataFile: z.string().min(1).describe('The data zip to write, inside the workspace or an allowed folder.'),
    overwrite: z.boolean().default(false),
  }),
  output: z.object({ dataFile: z.string(), bytes: z.number(), entities: z.array(z.object({ name: z.string(), records: z.number() })), requests: z.number() }),
  annotations: IDEMPOTENT_CLOUD,
  async handler(args, context) {
    if (Boolean(args.tables?.length) === Boolean(args.schemaFile)) throw new ToolError('Give either tables or schemaFile (not both, not neither). Nothing was exported.');
    const dataFile = resolveLocalPath('dataFile', args.dataFile, context.settings);
    if (existsSync(dataFile) && !args.overwrite) throw new ToolError(`dataFile: ${args.dataFile} exists already. Nothing was exported.`, 'Choose another path, or pass overwrite: true.');
    const target = await resolveDataverseTarget(args.environment, context);
    const dv = target.dataverse;
    let requests = 0;
    const given = args.schemaFile ? readSchema(readFileSync(resolveLocalPath('schemaFile', args.schemaFile, context.settings)), args.schemaFile) : undefined;
    const wanted = given ? given.entities.map((e) => ({ table: e.name, columns: e.fields.map((f) => f.name) })) : args.tables!;

    const exported: Array<{ entity: CmtEntity; records: CmtRecord[]; associations: CmtAssociation[] }> = [];
    for (const item of wanted) {
      const meta = await tableMetadata(dv, item.table, context.signal);
      requests += 3;
      const types = new Map(meta.attributes.map((a) => [a.LogicalName, a.AttributeType]));
      const unknown = (item.columns ?? []).filter((c) => !types.has(c));
      if (unknown.length) throw new ToolError(`tables: ${meta.logicalName} has no column ${unknown.join(', ')}. Nothing was exported.`);
      const columns = item.columns?.length ? [...new Set([meta.primaryId, ...item.columns])] : meta.attributes.map((a) => a.LogicalName);
      const fields = columns.map((name) => ({ name, displayname: name, type: CMT_TYPES[types.get(name) ?? 'String'] ?? 'string', lookupType: meta.lookups.get(name)?.map((l) => l.target).join('|'), primaryKey: name === meta.primaryId || undefined }));
      const select = columns.map((c) => (meta.lookups.has(c) ? `_${c}_value` : c)).join(',');
      const records: CmtRecord[] = [];
      const filter = given?.entities.find((e) => e.name === meta.logicalName)?.filter;
      if (filter) {
        // The schema's FetchXML filter, with our columns and paging by page number (§7.2).
        for (let page = 1, more = true; more; page++) {
          const body: { value: Array<Record<string, unknown>>; '@Microsoft.Dynamics.CRM.morerecords'?: boolean } = await dv.page(`${meta.entitySet}?fetchXml=${encodeURIComponent(fetchFor(filter, columns, page, meta.logicalName))}`, PAGE, context.signal);
          requests++;
          for (const row of body.value) records.push(toRecord(row, meta.primaryId, fields));
          more = body['@Microsoft.Dynamics.CRM.morerecords'] === true;
        }
      } else {
        for (let next: string | undefined = `${meta.entitySet}?$select=${select}`; next; ) {
          const page: { value: Array<Record<string, unknown>>; '@odata.nextLink'?: string } = await dv.page(next, PAGE, context.signal);
          requests++;
          for (const row of page.value) records.push(toRecord(row, meta.primaryId, fields));
          next = page['@odata.nextLink'];
        }
      }
      // N:N associations of the relationships the schema names: one read per record and relationship.
      const associations: CmtAssociation[] = [];
      const named = given?.entities.find((e) => e.name === meta.logicalName)?.manyToMany ?? [];
      if (named.length) {
        const relationships = (await dv.get<{ value: Array<{ SchemaName: string; Entity1LogicalName: string; Entity2LogicalName: string; Entity1NavigationPropertyName: string; Entity2NavigationPropertyName: string }> }>(`EntityDefinitions(LogicalName='${meta.logicalName}')/ManyToManyRelationships`, context.signal)).value;
        requests++;
        for (const name of named) {
          const relationship = relationships.find((r) => r.SchemaName === name);
          if (!relationship) throw new ToolError(`schemaFile: ${meta.logicalName} has no N:N relationship ${name} in this environment. Nothing was exported.`);
          const first = relationship.Entity1LogicalName === meta.logicalName;
          const targetEntity = first ? relationship.Entity2LogicalName : relationship.Entity1LogicalName;
          const navigation = first ? relationship.Entity1NavigationPropertyName : relationship.Entity2NavigationPropertyName;
          const found = await mapLimited(records, 8, async (record) => {
            const page = await dv.get<{ value: Array<Record<string, string>> }>(`${meta.entitySet}(${record.id})/${navigation}?$select=${targetEntity}id`, context.signal);
            return { entity: meta.logicalName, sourceId: record.id, relationship: name, targetEntity, targetIds: page.value.map((v) => v[`${targetEntity}id`]!) };
          });
          requests += records.length;
          associations.push(...found.filter((a) => a.targetIds.length));
        }
      }
      exported.push({ entity: { name: meta.logicalName, displayname: meta.logicalName, primaryidfield: meta.primaryId, primarynamefield: meta.primaryName, fields, manyToMany: named }, records, associations });
    }
    const schema: CmtSchema = { entities: exported.map((e) => e.entity), importOrder: given?.importOrder ?? exported.map((e) => e.entity.name) };
    await writeZip(dataFile, [
      { name: 'data_schema.xml', data: Buffer.from(writeSchema(schema)) },
      { name: 'data.xml', data: Buffer.from(writeData(exported)) },
    ]);
    const bytes = statSync(dataFile).size;
    const entities = exported.map((e) => ({ name: e.entity.name, records: e.records.length }));
    return {
      result: { dataFile, bytes, entities, requests },
      summary: `Exported ${entities.map((e) => `${e.records} ${e.name}`).join(', ')} from ${target.displayName} to ${dataFile} (${requests} requests).`,
      links: [fileLink(dataFile, `Data from ${target.displayName}: ${bytes} bytes`)],
    };
  },
});

function toRecord(row: Record<string, unknown>, primaryId: string, fields: Array<{ name: string; type: string }>): CmtRecord {
  const values: CmtRecord['fields'] = [];
  for (const field of fields) {
    if (field.name === primaryId) continue;
    if (field.type === 'entityreference' || field.type === 'owner') {
      const id = row[`_${field.name}_value`];
      if (id) values.push({ name: field.name, value: String(id), lookupentity: String(row[`_${field.name}_value@Microsoft.Dynamics.CRM.lookuplogicalname`] ?? ''), lookupentityname: String(row[`_${field.name}_value@OData.Community.Display.V1.FormattedValue`] ?? '') });
      continue;
    }
    const value = row[field.name];
    if (value !== null && value !== undefined) values.push({ name: field.name, value: toCmtValue(field.type, value) });
  }
  return { id: String(row[primaryId]), fields: values };
}

/** The schema's FetchXML with our columns as its attributes and the page asked for; 5000 records a page. */
function fetchFor(filter: string, columns: string[], page: number, table: string): string {
  let document;
  try {
    document = parseXml(filter, `the FetchXML filter of ${table}`);
  } catch (error) {
    throw new ToolError(`schemaFile: the filter of ${table} is not valid FetchXML (${(error as Error).message}). Nothing was exported.`);
  }
  const fetch = document.documentElement!;
  const entity = elements(fetch).find((e) => e.nodeName === 'entity');
  if (fetch.nodeName !== 'fetch' || !entity) throw new ToolError(`schemaFile: the filter of ${table} is not a <fetch> with an <entity>. Nothing was exported.`);
  for (const old of elements(entity).filter((e) => e.nodeName === 'attribute' || e.nodeName === 'all-attributes')) entity.removeChild(old);
  for (const column of columns) {
    const attribute = document.createElement('attribute');
    attribute.setAttribute('name', column);
    entity.insertBefore(attribute, entity.firstChild);
  }
  fetch.setAttribute('page', String(page));
  fetch.setAttribute('count', '5000');
  return new XMLSerializer().serializeToString(document);
}
