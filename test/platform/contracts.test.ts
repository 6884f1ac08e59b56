import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Agent, fetch } from 'undici';
import type { BapEnvironment } from '../../src/platform/bap';
import { toEnvironmentDetails, toEnvironmentSummary } from '../../src/platform/environment';
import { decodeErrorBody, hintFor } from '../../src/platform/errors';
import { startSandbox, type Sandbox } from '../../src/sandbox/server';
import { corpus, needsCorpus } from '../corpus';

const samples = corpus('reference', 'api-samples');
const sample = (name: string) => JSON.parse(readFileSync(join(samples, name), 'utf8'));

describe('contracts with the real payloads in shared/reference/api-samples', needsCorpus, () => {
  it('maps every environment of the BAP list and the single-environment records', () => {
    const list = sample('bap-environments-list.json').value as BapEnvironment[];
    assert.ok(list.length > 0);
    for (const raw of list) {
      const env = toEnvironmentSummary(raw);
      assert.equal(env.id, raw.name);
      assert.equal(env.url, raw.properties?.linkedEnvironmentMetadata?.instanceUrl?.replace(/\/$/, '') ?? null);
    }
    const one = toEnvironmentDetails(sample('bap-environment-get.json'));
    assert.equal(one.type, 'Sandbox');
    assert.equal(one.region, 'europe');
    assert.equal(one.hasDataverse, true);
    assert.match(one.url ?? '', /^https:\/\/.+\.crm4\.dynamics\.com$/);
    assert.equal(one.version, '9.2.23092.00206');
    assert.equal(toEnvironmentSummary(sample('bap-environment-get-managed-standard.json')).protectionLevel, 'Standard');
  });

  it('decodes each error sample into code and message, with the right hint', () => {
    const notFound = decodeErrorBody(sample('bap-error-404-environment-not-found.json'));
    assert.equal(notFound?.code, 'EnvironmentNotFound');
    assert.match(hintFor('bap', 404, notFound.code, notFound.message) ?? '', /pp_list_environments/);
    const busy = decodeErrorBody(sample('bap-error-409-operation-not-startable.json'));
    assert.equal(busy?.code, 'OperationNotStartable');
    assert.match(hintFor('bap', 409, busy.code, busy.message) ?? '', /Wait for it to finish/);
    const capacity = decodeErrorBody(sample('bap-error-409-insufficient-capacity.json'));
    assert.equal(capacity?.code, 'InsufficientCapacity_StorageDriven');
    assert.match(hintFor('bap', 409, capacity.code, capacity.message) ?? '', /retrying will not help/);
  });

  it('decodes the PPAPI validation, appmanagement and problem-details shapes', () => {
    const validation = decodeErrorBody({
      errorDetail: {
        code: 'ValidationFailed',
        fieldErrors: { targetEnvironmentType: { errorMessages: ['The target must be a Sandbox.'], suggestedValue: 'Sandbox' } },
      },
    });
    assert.deepEqual(validation, {
      code: 'ValidationFailed',
      message: 'targetEnvironmentType: The target must be a Sandbox. (suggested value: Sandbox)',
    });
    assert.deepEqual(decodeErrorBody({ errorCode: '404', errorName: 'PackageNotFound', message: 'No such package.' }), {
      code: 'PackageNotFound',
      message: 'No such package.',
    });
    assert.deepEqual(decodeErrorBody({ type: 'about:blank', title: 'Bad Request', status: 400, detail: 'Name is required.' }), {
      code: 'about:blank',
      message: 'Bad Request: Name is required.',
    });
  });
});

/** Every key path of a JSON value with the JSON types seen there; array elements are `[]`. */
type Shape = Map<string, Set<string>>;

function shapeOf(values: unknown[]): Shape {
  const shape: Shape = new Map();
  const walk = (value: unknown, path: string) => {
    const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
    if (path) (shape.get(path) ?? shape.set(path, new Set()).get(path)!).add(type);
    if (Array.isArray(value)) value.forEach((item) => walk(item, `${path}[]`));
    else if (type === 'object') for (const [key, child] of Object.entries(value as object)) walk(child, path ? `${path}.${key}` : key);
  };
  values.forEach((value) => walk(value, ''));
  return shape;
}

const typed = (types: Set<string> | undefined) => [...(types ?? [])].filter((t) => t !== 'null').sort();

/** A path the client reads: in the real payload, in ours, and with the same JSON type where the real one has a value. */
function assertServes(real: Shape, ours: Shape, paths: string[]): void {
  for (const path of paths) {
    assert.ok(real.has(path), `${path} is not in the real payload: the list of read paths is wrong`);
    assert.ok(ours.has(path), `the sandbox does not serve ${path}`);
    const expected = typed(real.get(path));
    if (expected.length) assert.deepEqual(typed(ours.get(path)), expected, `${path} has another JSON type in the sandbox`);
  }
}

/** Every path the sandbox serves exists in the real payloads, with a compatible type: it invents no field. */
function assertInventsNothing(real: Shape, ours: Shape, documentedElsewhere: string[] = []): void {
  for (const [path, types] of ours) {
    if (documentedElsewhere.some((allowed) => path === allowed || path.startsWith(`${allowed}.`))) continue;
    assert.ok(real.has(path), `the sandbox serves ${path}, which the real payloads do not have`);
    const expected = typed(real.get(path));
    const actual = typed(types);
    if (!expected.length || !actual.length) continue;
    const message = `${path} is ${actual.join('/')} in the sandbox, ${expected.join('/')} in the real payloads`;
    assert.ok(
      actual.every((t) => expected.includes(t)),
      message,
    );
  }
}

/** What the environment mapping, the BAP client and the checker clients and tool read from a BAP environment record. */
const BAP_READS = [
  'name',
  'location',
  'properties.displayName',
  'properties.environmentSku',
  'properties.isDefault',
  'properties.azureRegion',
  'properties.provisioningState',
  'properties.states.management.id',
  'properties.createdTime',
  'properties.createdBy.displayName',
  'properties.createdBy.userPrincipalName',
  'properties.governanceConfiguration.protectionLevel',
  'properties.updateCadence.id',
  'properties.retentionPeriod',
  'properties.tenantId',
  'properties.runtimeEndpoints.microsoft.PowerAppsAdvisor',
  ...['resourceId', 'uniqueName', 'domainName', 'version', 'instanceUrl', 'instanceApiUrl', 'baseLanguage', 'instanceState'].map(
    (field) => `properties.linkedEnvironmentMetadata.${field}`,
  ),
];
/** Fields the client also reads that none of the real samples happens to carry (set on create, or while an operation runs). */
const BAP_DOCUMENTED_ELSEWHERE = [
  'properties.description',
  'properties.ongoingOperation',
  'properties.linkedEnvironmentMetadata.securityGroupId',
];

describe('the sandbox serves the shapes of the real payloads', needsCorpus, () => {
  let sandbox: Sandbox;
  let dispatcher: Agent;
  const served: Record<string, any> = {};

  before(async () => {
    sandbox = await startSandbox();
    dispatcher = new Agent({ connect: { ca: sandbox.certificatePem } });
    const token = async (scope: string) => {
      const { clientId: client_id, clientSecret: client_secret } = sandbox;
      const body = new URLSearchParams({ grant_type: 'client_credentials', client_id, client_secret, scope });
      const res = await fetch(`${sandbox.url}/${sandbox.tenantId}/oauth2/v2.0/token`, { dispatcher, method: 'POST', body });
      return ((await res.json()) as { access_token: string }).access_token;
    };
    const bap = await token('https://service.powerapps.com/.default');
    const ppapi = await token('https://api.powerplatform.com/.default');
    const dataverse = await token(`${sandbox.url}/orgs/contoso-dev/.default`);
    const call = async (path: string, bearer: string, init: { method?: string; body?: unknown } = {}) => {
      const headers = { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' };
      const body = init.body === undefined ? undefined : JSON.stringify(init.body);
      const res = await fetch(`${sandbox.url}${path}`, { dispatcher, method: init.method ?? 'GET', headers, body });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    const environments = `/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments`;
    const dev = [...sandbox.tenant.environments.values()].find((e) => e.record.properties?.displayName === 'Contoso Dev')!.record.name;
    const test = [...sandbox.tenant.environments.values()].find((e) => e.record.properties?.displayName === 'Contoso Test')!.record.name;
    const dataverseApi = '/orgs/contoso-dev/api/data/v9.2';

    served.list = await call(`${environments}?api-version=2023-06-01`, bap);
    served.environment = await call(`${environments}/${dev}?api-version=2023-06-01`, bap);
    served.notFound = await call(`${environments}/00000000-0000-4000-8000-0000000000ff?api-version=2023-06-01`, bap);
    // A second delete while the first runs is refused as busy.
    const remove = { method: 'DELETE', body: { code: '7', message: 'contract test' } };
    await call(`${environments}/${test}?api-version=2023-06-01`, bap, remove);
    served.busy = await call(`${environments}/${test}?api-version=2023-06-01`, bap, remove);
    sandbox.tenant.databaseCapacityGb = 0;
    const properties = { displayName: 'No Room', environmentSku: 'Sandbox', databaseType: 'CommonDataService' };
    const create = { location: 'europe', properties };
    const createUrl = '/providers/Microsoft.BusinessAppPlatform/environments?api-version=2023-06-01';
    served.capacity = await call(createUrl, bap, { method: 'POST', body: create });
    served.organizations = await call(`${dataverseApi}/organizations`, dataverse);
    const roles = 'systemuserroles_association($select=roleid,name,_businessunitid_value)';
    served.systemusers = await call(`${dataverseApi}/systemusers?$expand=${roles}`, dataverse);
    served.settings = await call(`${dataverseApi}/RetrieveSettingList()`, dataverse);
    served.packages = await call(`/appmanagement/environments/${dev}/applicationPackages?api-version=2022-03-01-preview`, ppapi);
  });

  after(async () => {
    await dispatcher?.close();
    await sandbox?.close();
  });

  const realEnvironments = () =>
    shapeOf([
      sample('bap-environment-get.json'),
      sample('bap-environment-get-managed-standard.json'),
      sample('bap-environment-get-with-lifecycle-enforcement.json'),
      ...sample('bap-environments-list.json').value,
    ]);

  it('serves every field of the BAP environment record the client reads, with the real JSON types', () => {
    assert.equal(served.environment.status, 200);
    assertServes(realEnvironments(), shapeOf([served.environment.body]), BAP_READS);
  });

  it('serves no BAP environment field the real records lack', () => {
    assertInventsNothing(realEnvironments(), shapeOf(served.list.body.value), BAP_DOCUMENTED_ELSEWHERE);
  });

  it('serves the BAP list envelope of the real list', () => {
    assert.deepEqual(Object.keys(served.list.body), Object.keys(sample('bap-environments-list.json')));
  });

  for (const [name, file, status] of [
    ['notFound', 'bap-error-404-environment-not-found.json', 404],
    ['busy', 'bap-error-409-operation-not-startable.json', 409],
    ['capacity', 'bap-error-409-insufficient-capacity.json', 409],
  ] as const) {
    it(`answers with the real BAP error envelope, code and hint: ${file}`, () => {
      const real = sample(file);
      const ours = served[name];
      assert.equal(ours.status, status);
      assert.deepEqual(shapeOf([ours.body]), shapeOf([real]));
      const [ourError, realError] = [decodeErrorBody(ours.body)!, decodeErrorBody(real)!];
      assert.equal(ourError.code, realError.code);
      assert.equal(hintFor('bap', status, ourError.code, ourError.message), hintFor('bap', status, realError.code, realError.message));
    });
  }

  it('serves the organization columns the tools read or change, typed as in the real row', () => {
    const real = shapeOf(sample('dataverse-organizations-list.json').value);
    const reads = ['organizationid', 'name', 'isauditenabled', 'maxuploadfilesize', 'blockedattachments', 'plugintracelogsetting'];
    assertServes(real, shapeOf(served.organizations.body.value), reads);
  });

  it('serves no organization column the real row lacks', () => {
    assertInventsNothing(shapeOf(sample('dataverse-organizations-list.json').value), shapeOf(served.organizations.body.value));
  });

  it('serves the systemuser columns and roles the tools read, typed as in the real rows', () => {
    const reads = [
      'systemuserid',
      'fullname',
      'domainname',
      'applicationid',
      'azureactivedirectoryobjectid',
      '_businessunitid_value',
      'isdisabled',
      'systemuserroles_association[].roleid',
      'systemuserroles_association[].name',
    ];
    assertServes(shapeOf(sample('dataverse-systemusers-list.json').value), shapeOf(served.systemusers.body.value), reads);
  });

  it('serves no systemuser column the real rows lack', () => {
    assertInventsNothing(shapeOf(sample('dataverse-systemusers-list.json').value), shapeOf(served.systemusers.body.value));
  });

  it('serves the setting list in the real shape: the same fields per setting, known data types, values as text', () => {
    const real = sample('dataverse-retrievesettinglist-response.json');
    assert.deepEqual(shapeOf([served.settings.body]), shapeOf([real]));
    const dataTypes = new Set(real.SettingDetailCollection.map((s: { DataType: number }) => s.DataType));
    const text: Record<number, RegExp> = { 0: /^-?\d+$/, 2: /^(true|false)$/ };
    for (const setting of served.settings.body.SettingDetailCollection) {
      assert.ok(dataTypes.has(setting.DataType), `${setting.Name} has DataType ${setting.DataType}, which the real list never uses`);
      const shown = `${setting.Name}: value ${setting.Value} as text of DataType ${setting.DataType}`;
      assert.match(setting.Value, text[setting.DataType] ?? /^/, shown);
    }
  });

  it('serves application packages with the fields of the real ones and no others', () => {
    const real = shapeOf(sample('ppapi-appmanagement-environment-application-packages.json').value);
    const ours = shapeOf(served.packages.body.value);
    assertServes(real, ours, [...real.keys()]);
    assertInventsNothing(real, ours);
  });
});
