import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DataverseClient } from '../../src/platform/dataverse';
import { PlatformError } from '../../src/platform/errors';
import { dataTables } from '../../src/sandbox/dataTables';
import { withData } from '../data/harness';

const label = (text: string) => ({ LocalizedLabels: [{ Label: text, LanguageCode: 1033 }] });

async function refused(work: Promise<unknown>): Promise<PlatformError> {
  try {
    await work;
  } catch (error) {
    if (error instanceof PlatformError) return error;
    throw error;
  }
  assert.fail('the service accepted it');
}

async function upsert(dv: DataverseClient, set: string, id: string, body: Record<string, unknown>): Promise<void> {
  await dv.action(
    `${set}/Microsoft.Dynamics.CRM.UpsertMultiple`,
    { Targets: [{ '@odata.type': `Microsoft.Dynamics.CRM.${set.replace(/s$/, '')}`, [`${set.replace(/s$/, '')}id`]: id, ...body }] },
    { idempotent: true },
  );
}

const A = 'a0000001-0000-4000-8000-000000000000';
const C = 'c0000001-0000-4000-8000-000000000000';

describe('sandbox Dataverse: metadata Web API and record semantics', () => {
  it('creates a table and its columns through the metadata API; a lookup binds only through its navigation property, which keeps the schema name’s case', async () => {
    await withData(async (h) => {
      const dv = h.dv();
      await dv.action('EntityDefinitions', {
        SchemaName: 'contoso_Project',
        DisplayName: label('Project'),
        OwnershipType: 'UserOwned',
        Attributes: [{ '@odata.type': 'Microsoft.Dynamics.CRM.StringAttributeMetadata', SchemaName: 'contoso_Name', IsPrimaryName: true }],
      });
      await dv.action(`EntityDefinitions(LogicalName='contoso_project')/Attributes`, {
        '@odata.type': 'Microsoft.Dynamics.CRM.MultiSelectPicklistAttributeMetadata',
        SchemaName: 'contoso_Areas',
        OptionSet: { Options: [1, 2, 3].map((v) => ({ Value: v, Label: label(`Area ${v}`) })) },
      });
      await dv.action('RelationshipDefinitions', {
        '@odata.type': 'Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata',
        SchemaName: 'contoso_account_project',
        ReferencedEntity: 'account',
        ReferencingEntity: 'contoso_project',
        Lookup: { '@odata.type': 'Microsoft.Dynamics.CRM.LookupAttributeMetadata', SchemaName: 'contoso_AccountId' },
      });
      const definition = await dv.get<{ EntitySetName: string; PrimaryIdAttribute: string; ObjectTypeCode: number }>(
        `EntityDefinitions(LogicalName='contoso_project')?$select=EntitySetName,PrimaryIdAttribute,ObjectTypeCode`,
      );
      assert.equal(definition.EntitySetName, 'contoso_projects');
      assert.equal(definition.PrimaryIdAttribute, 'contoso_projectid');
      const lookups = (
        await dv.get<{ value: Array<{ ReferencingAttribute: string; ReferencingEntityNavigationPropertyName: string }> }>(
          `EntityDefinitions(LogicalName='contoso_project')/ManyToOneRelationships`,
        )
      ).value;
      assert.equal(
        lookups.find((r) => r.ReferencingAttribute === 'contoso_accountid')!.ReferencingEntityNavigationPropertyName,
        'contoso_AccountId',
      );
      await upsert(dv, 'accounts', A, { name: 'Fabrikam' });
      const P = 'b0000001-0000-4000-8000-000000000000';
      const patch = (body: Record<string, unknown>) =>
        h.services.http.send({ service: 'dataverse', method: 'PATCH', url: dv.url(`contoso_projects(${P})`), resource: dv.resource, body });
      const wrongCase = await refused(patch({ contoso_name: 'x', 'contoso_accountid@odata.bind': `/accounts(${A})` }));
      assert.match(wrongCase.message, /undeclared property 'contoso_accountid'/);
      await patch({ contoso_name: 'x', contoso_areas: '1,3', 'contoso_AccountId@odata.bind': `/accounts(${A})` });
      const row = dataTables(h.org()).get('contoso_project')!.rows.get(P)!;
      assert.deepEqual([row.contoso_accountid, row.contoso_areas], [A, '1,3']);
      const outside = await refused(dv.update('contoso_projects', P, { contoso_areas: '1,4' }));
      assert.match(outside.message, /The value 4 of 'contoso_areas' on record of type 'contoso_project' is outside the valid range/);
      // A bulk request is taken whole or not at all; the refusal names the target and the value.
      const [P2, P3] = ['b0000002-0000-4000-8000-000000000000', 'b0000003-0000-4000-8000-000000000000'];
      const type = 'Microsoft.Dynamics.CRM.contoso_project';
      const bulk = await refused(
        dv.action('contoso_projects/Microsoft.Dynamics.CRM.UpsertMultiple', {
          Targets: [
            { '@odata.type': type, contoso_projectid: P2, contoso_name: 'fine' },
            { '@odata.type': type, contoso_projectid: P3, contoso_name: 42 },
          ],
        }),
      );
      assert.match(
        bulk.message,
        /^Targets\[1\] \(b0000003-0000-4000-8000-000000000000\): .*Cannot convert the literal '42' to the expected type for 'contoso_name'/,
      );
      assert.equal(dataTables(h.org()).get('contoso_project')!.rows.has(P2), false, 'nothing of a refused bulk request is written');
    });
  });

  it('creates a record in its default state only; an update moves it to a state, with that state’s default status or a status of it', async () => {
    await withData(async (h) => {
      const dv = h.dv();
      const inactive = await refused(upsert(dv, 'contacts', C, { lastname: 'Doe', statecode: 1, statuscode: 2 }));
      assert.match(inactive.message, /contact records are created in state 0 \(Active\); statecode 1 can only be set by an update/);
      await upsert(dv, 'contacts', C, { lastname: 'Doe' });
      const row = () => dataTables(h.org()).get('contact')!.rows.get(C)!;
      assert.deepEqual([row().statecode, row().statuscode], [0, 1]);
      const mismatch = await refused(dv.update('contacts', C, { statecode: 1, statuscode: 1 }));
      assert.match(mismatch.message, /1 is not a valid status code for state code contactState\.Inactive/);
      await dv.update('contacts', C, { statecode: 1 });
      assert.deepEqual([row().statecode, row().statuscode], [1, 2], 'the state’s default status');
    });
  });

  it('computes what the service computes: a contact’s full name from its parts without their outer spaces, an organization-owned row’s organization', async () => {
    await withData(async (h) => {
      const dv = h.dv();
      await upsert(dv, 'contacts', C, { firstname: 'Dianna ', lastname: ' Lancaster ' });
      const contact = await dv.get<Record<string, unknown>>(`contacts(${C})?$select=firstname,fullname`);
      assert.deepEqual([contact.firstname, contact.fullname], ['Dianna ', 'Dianna Lancaster'], 'the parts keep their spaces');
      await upsert(dv, 'contacts', C, { firstname: null, lastname: 'Lancaster' });
      assert.equal((await dv.get<Record<string, unknown>>(`contacts(${C})?$select=fullname`)).fullname, 'Lancaster');

      const currency = 'e0000001-0000-4000-8000-000000000000';
      await dv.action('transactioncurrencies/Microsoft.Dynamics.CRM.UpsertMultiple', {
        Targets: [
          {
            '@odata.type': 'Microsoft.Dynamics.CRM.transactioncurrency',
            transactioncurrencyid: currency,
            currencyname: 'Swiss Franc',
            isocurrencycode: 'CHF',
          },
        ],
      });
      const row = await dv.get<Record<string, unknown>>(`transactioncurrencies(${currency})?$select=_organizationid_value`);
      const org = h.org();
      assert.equal(row._organizationid_value, org.organizationId);
      assert.equal(row['_organizationid_value@OData.Community.Display.V1.FormattedValue'], org.name);
      assert.equal(row['_organizationid_value@Microsoft.Dynamics.CRM.lookuplogicalname'], 'organization');
      const all = await dv.get<{ value: Array<Record<string, unknown>> }>(
        'transactioncurrencies?$select=isocurrencycode,_organizationid_value',
      );
      assert.deepEqual(
        all.value.map((r) => [r.isocurrencycode, r._organizationid_value]).sort(),
        [
          ['CHF', org.organizationId],
          ['USD', org.organizationId],
        ],
        'the seeded currency too',
      );
    });
  });

  it('compares text in $filter as the default collation does: case, accents and trailing spaces aside; lookups by their _value', async () => {
    await withData(async (h) => {
      const dv = h.dv();
      await upsert(dv, 'accounts', A, { name: 'Crème Brûlée ' });
      await upsert(dv, 'contacts', C, { lastname: 'Cook', 'parentcustomerid_account@odata.bind': `/accounts(${A})` });
      const names = async (set: string, filter: string) =>
        (await dv.get<{ value: Array<Record<string, unknown>> }>(`${set}?$filter=${encodeURIComponent(filter)}`)).value.length;
      assert.equal(await names('accounts', "name eq 'CREME BRULEE'"), 1);
      assert.equal(await names('accounts', "name eq 'Creme Brulee!'"), 0);
      assert.equal(await names('contacts', `lastname eq 'cook' and _parentcustomerid_value eq ${A}`), 1);
      assert.equal(await names('contacts', `_parentcustomerid_value eq ${C}`), 0);
    });
  });

  it('expands a table definition’s columns and relationships, each with its own $select, as their own paths list them', async () => {
    await withData(async (h) => {
      const dv = h.dv();
      type Items = Array<Record<string, unknown>>;
      type Listed = { value: Items };
      const base = "EntityDefinitions(LogicalName='account')";
      const definition = await dv.get<{
        LogicalName: string;
        EntitySetName?: string;
        Attributes: Items;
        ManyToOneRelationships: Items;
        ManyToManyRelationships: Items;
      }>(
        `${base}?$select=LogicalName&$expand=Attributes($select=LogicalName,AttributeType),ManyToOneRelationships,` +
          'ManyToManyRelationships( $select=SchemaName )',
      );
      assert.equal(definition.LogicalName, 'account');
      assert.equal(definition.EntitySetName, undefined, 'only what $select asks for');
      const keys = (items: Items) => [...new Set(items.flatMap((i) => Object.keys(i)))].sort();
      assert.ok(definition.Attributes.length > 10);
      assert.deepEqual(keys(definition.Attributes), ['@odata.type', 'AttributeType', 'LogicalName', 'MetadataId']);
      const attributes = (await dv.get<Listed>(`${base}/Attributes?$select=LogicalName,AttributeType`)).value;
      assert.deepEqual(definition.Attributes, attributes, 'the same columns, with the same properties, as /Attributes');
      assert.deepEqual(definition.ManyToOneRelationships, (await dv.get<Listed>(`${base}/ManyToOneRelationships`)).value);
      assert.ok(
        definition.ManyToOneRelationships.some((r) => r.ReferencingAttribute === 'primarycontactid'),
        'the lookup to a contact is among the relationships',
      );
      assert.ok(definition.ManyToManyRelationships.length > 0, 'the account has an N:N relationship');
      assert.deepEqual(keys(definition.ManyToManyRelationships), ['MetadataId', 'SchemaName']);
      const manyToMany = (await dv.get<Listed>(`${base}/ManyToManyRelationships?$select=SchemaName`)).value;
      assert.deepEqual(definition.ManyToManyRelationships, manyToMany);
      const unknown = await refused(dv.get(`${base}?$expand=Columns`));
      assert.equal(unknown.status, 400);
      assert.match(unknown.message, /Could not find a property named 'Columns' on type 'Microsoft\.Dynamics\.CRM\.EntityMetadata'/);
      const filtered = await refused(dv.get(`${base}?$expand=Attributes($select=LogicalName;$filter=IsCustomAttribute eq true)`));
      assert.match(filtered.message, /only \$select inside \$expand of a table definition, not \$filter/);
      const valueless = await refused(dv.get(`${base}?$expand=Attributes($select)`));
      assert.match(valueless.message, /The query option '\$select' inside \$expand has no value/);
    });
  });

  it('lists bulk messages per table in sdkmessagefilters; a table without UpsertMultiple refuses it', async () => {
    await withData(async (h) => {
      const dv = h.dv();
      const filters = async (table: string) =>
        (
          await dv.get<{ value: Array<{ sdkmessageid: { name: string } }> }>(
            `sdkmessagefilters?$select=sdkmessagefilterid&$expand=sdkmessageid($select=name)&$filter=${encodeURIComponent(`primaryobjecttypecode eq '${table}' and (sdkmessageid/name eq 'UpsertMultiple' or sdkmessageid/name eq 'CreateMultiple')`)}`,
          )
        ).value
          .map((f) => f.sdkmessageid.name)
          .sort();
      assert.deepEqual(await filters('account'), ['CreateMultiple', 'UpsertMultiple']);
      assert.deepEqual(await filters('task'), ['CreateMultiple']);
      const error = await refused(
        dv.action('tasks/Microsoft.Dynamics.CRM.UpsertMultiple', {
          Targets: [{ '@odata.type': 'Microsoft.Dynamics.CRM.task', activityid: C, subject: 'x' }],
        }),
      );
      assert.match(error.message, /The 'UpsertMultiple' method does not support entities of type 'task'/);
    });
  });

  it('runs $batch change sets all or nothing, and goes on after a failed one only with continue-on-error', async () => {
    await withData(async (h) => {
      const dv = h.dv();
      const part = (id: string, body: Record<string, unknown>, n: number) =>
        `Content-Type: application/http\r\nContent-Transfer-Encoding: binary\r\nContent-ID: ${n}\r\n\r\nPATCH ${dv.url(`contacts(${id})`)} HTTP/1.1\r\nContent-Type: application/json\r\n\r\n${JSON.stringify(body)}`;
      const ids = [1, 2, 3].map((n) => `c000000${n}-0000-4000-8000-000000000000`);
      const body = [
        '--batch_x',
        'Content-Type: multipart/mixed; boundary=changeset_a',
        '',
        `--changeset_a\r\n${part(ids[0]!, { lastname: 'One' }, 1)}`,
        `--changeset_a\r\n${part(ids[1]!, { firstname: 'no last name' }, 2)}`,
        '--changeset_a--',
        '--batch_x',
        'Content-Type: multipart/mixed; boundary=changeset_b',
        '',
        `--changeset_b\r\n${part(ids[2]!, { lastname: 'Three' }, 3)}`,
        '--changeset_b--',
        '--batch_x--',
        '',
      ].join('\r\n');
      const send = (prefer: boolean) =>
        h.services.http.send<string>({
          service: 'dataverse',
          method: 'POST',
          url: dv.url('$batch'),
          resource: dv.resource,
          headers: { 'content-type': 'multipart/mixed; boundary=batch_x', ...(prefer ? { prefer: 'odata.continue-on-error' } : {}) },
          streamBody: {
            length: Buffer.byteLength(body),
            chunks: async function* () {
              yield Buffer.from(body);
            },
          },
        });
      const rows = dataTables(h.org()).get('contact')!.rows;
      const stopped = await send(false);
      assert.equal(stopped.status, 200);
      assert.match(stopped.body, /HTTP\/1\.1 400 Bad Request[\s\S]*lastname is required/);
      assert.deepEqual(
        ids.map((id) => rows.has(id)),
        [false, false, false],
        'the first change set rolled back whole; the batch stopped',
      );
      const goneOn = await send(true);
      assert.match(goneOn.body, /HTTP\/1\.1 204 No Content/);
      assert.deepEqual(
        ids.map((id) => rows.has(id)),
        [false, false, true],
      );
    });
  });

  it('reports the remaining request and time budget on every response, and answers 429 with Retry-After past the limit', async () => {
    await withData(
      async (h) => {
        const dv = h.dv();
        const response = await h.services.http.send({ service: 'dataverse', method: 'GET', url: dv.url('WhoAmI'), resource: dv.resource });
        const burst = Number(response.headers.get('x-ms-ratelimit-burst-remaining-xrm-requests'));
        assert.ok(burst >= 0 && burst < 5);
        assert.match(response.headers.get('x-ms-ratelimit-time-remaining-xrm-requests')!, /^1,\d{3}\.\d\d$/);
        for (let i = burst; i > 0; i--) await dv.whoAmI();
        const throttled = await h.services.http
          .send({ service: 'dataverse', method: 'GET', url: dv.url('WhoAmI'), resource: dv.resource })
          .catch((e: PlatformError) => e);
        assert.ok(throttled instanceof PlatformError);
        assert.equal(throttled.status, 429);
        assert.match(throttled.message, /Number of requests exceeded the limit of 5 over time window of 300 seconds/);
        assert.ok(throttled.retryAfterMs! > 0);
      },
      { serviceProtection: { requests: 5 } },
      { http: { retry: { maxAttempts: 1 } } },
    );
  });
});
