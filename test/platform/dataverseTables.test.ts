import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataverseClient } from '../../src/platform/dataverse';
import { tablesOf } from '../../src/platform/dataverseTables';
import { PlatformError } from '../../src/platform/errors';
import type { HttpClient, HttpRequest } from '../../src/platform/http';

const ORG = 'https://contoso.crm.dynamics.com';
const API = `${ORG}/api/data/v9.2`;
const BU = '3f2a1c4e-0000-4000-8000-00000000b001';
const USER = '3f2a1c4e-0000-4000-8000-00000000a001';

/** A client whose HTTP layer answers from `answer` and keeps every request it was given. */
function fakeOrg(answer: (request: HttpRequest) => unknown = () => ({ value: [] })) {
  const requests: HttpRequest[] = [];
  const http = {
    async send(request: HttpRequest) {
      requests.push(request);
      const body = answer(request);
      if (body instanceof Error) throw body;
      return { status: 200, headers: new Headers(), body };
    },
  } as unknown as HttpClient;
  return { tables: tablesOf(new DataverseClient(http, ORG)), requests };
}

/** The query options of a request as the service reads them (percent-decoded). */
function options(request: HttpRequest | undefined): Record<string, string> {
  return Object.fromEntries(new URL(request!.url).searchParams);
}

describe('typed Dataverse tables', () => {
  it('a quote in a name is doubled, so the name cannot end its literal and add a clause', async () => {
    const { tables, requests } = fakeOrg();
    await tables.roles.byName("Sales' or name eq 'System Administrator", BU);
    assert.equal(options(requests[0]).$filter, `name eq 'Sales'' or name eq ''System Administrator' and _businessunitid_value eq ${BU}`);
  });

  it('&, #, + and spaces in a name stay inside the $filter option', async () => {
    const { tables, requests } = fakeOrg();
    await tables.systemUsers.findBySignInName('r&d+ops #1@contoso.com');
    const query = options(requests[0]);
    assert.equal(query.$filter, "domainname eq 'r&d+ops #1@contoso.com'");
    assert.deepEqual(Object.keys(query).sort(), ['$expand', '$filter', '$select']);
    assert.equal(new URL(requests[0]!.url).hash, '');
  });

  it('a row id that is not a GUID is refused before anything is sent', async () => {
    const { tables, requests } = fakeOrg();
    await assert.rejects(tables.roles.namesIn(`${BU} or name ne null`), TypeError);
    await assert.rejects(tables.importJobs.progress('undefined'), TypeError);
    assert.equal(requests.length, 0);
  });

  it('a query that matches nothing answers undefined', async () => {
    const { tables } = fakeOrg(() => ({ value: [] }));
    assert.equal(await tables.systemUsers.findByObjectId(USER), undefined);
    assert.equal(await tables.connectionReferences.findByLogicalName('contoso_sharepoint'), undefined);
    assert.equal(await tables.environmentVariables.definitionId('contoso_Url'), undefined);
  });

  it('a list follows the next-page links to the last page', async () => {
    const next = `${API}/businessunits?$select=businessunitid,name&$skiptoken=2`;
    const { tables, requests } = fakeOrg((request) =>
      request.url === next
        ? { value: [{ businessunitid: BU, name: 'Sales' }] }
        : { value: [{ businessunitid: USER, name: 'Contoso' }], '@odata.nextLink': next },
    );
    const units = await tables.businessUnits.list();
    assert.deepEqual(
      units.map((u) => u.name),
      ['Contoso', 'Sales'],
    );
    assert.deepEqual(
      requests.map((r) => r.url),
      [`${API}/businessunits?$select=businessunitid,name`, next],
    );
  });

  it('a next-page link to another host is not followed', async () => {
    const { tables, requests } = fakeOrg(() => ({ value: [], '@odata.nextLink': 'https://elsewhere.example/api/data/v9.2/roles?page=2' }));
    await assert.rejects(tables.roles.namesIn(BU), /outside this organization/);
    assert.equal(requests.length, 1);
  });

  it('a table that does not exist has no metadata id; other failures pass through', async () => {
    const notFound = new PlatformError({ service: 'dataverse', status: 404, code: '0x80060888', message: 'Not found' });
    assert.equal(await fakeOrg(() => notFound).tables.entityDefinitions.metadataId('contoso_missing'), undefined);
    const busy = new PlatformError({ service: 'dataverse', status: 503, code: 'Unavailable', message: 'Busy' });
    await assert.rejects(fakeOrg(() => busy).tables.entityDefinitions.metadataId('account'), busy);
  });

  it('jobs since a moment are asked for with the moment in whole seconds and the owner as a GUID', async () => {
    const { tables, requests } = fakeOrg();
    await tables.asyncOperations.solutionJobsSince("Export'Solution", USER, new Date('2026-03-01T10:20:30.456Z'));
    assert.deepEqual(options(requests[0]), {
      $select: 'asyncoperationid,createdon',
      $filter:
        "operationtype eq 54 and messagename eq 'Export''Solution' " +
        `and _ownerid_value eq ${USER} and createdon ge 2026-03-01T10:20:30Z`,
      $orderby: 'createdon asc',
    });
  });

  it('a role is given through the association of the principal, naming the role by its URL', async () => {
    const { tables, requests } = fakeOrg(() => undefined);
    await tables.systemUsers.addRole(USER, BU);
    assert.equal(requests[0]!.method, 'POST');
    assert.equal(requests[0]!.url, `${API}/systemusers(${USER})/systemuserroles_association/$ref`);
    assert.deepEqual(requests[0]!.body, { '@odata.id': `${API}/roles(${BU})` });
  });

  it('a catalog install is followed by its install history, under the documented misspelt name or the correct one', async () => {
    const misspelt = fakeOrg(() => ({ InstallHistoryReferance: USER })).tables.catalogItems;
    assert.equal((await misspelt.install('contoso.app@1.0.0.0', `${ORG}/`)).id, USER);
    const correct = fakeOrg(() => ({ InstallHistoryReference: BU })).tables.catalogItems;
    assert.equal((await correct.install('contoso.app', `${ORG}/`)).id, BU);
    assert.equal((await fakeOrg(() => undefined).tables.catalogItems.install('contoso.app', `${ORG}/`)).id, undefined);
  });

  it('a started job answered with an id that is not a GUID is an unknown outcome, not a failure', () => {
    const { tables } = fakeOrg();
    assert.equal(tables.asyncOperations.statusUrl(USER).startsWith(`${API}/asyncoperations(${USER})?`), true);
    for (const url of [
      () => tables.asyncOperations.statusUrl('job-7'),
      () => tables.catalogItems.installStatusUrl("x') or (1 eq 1"),
      () => tables.catalogItems.certificationStatusUrl(''),
    ]) {
      assert.throws(url, (error: unknown) => error instanceof PlatformError && error.outcomeUnknown && error.code === 'UnfollowableId');
    }
  });
});
