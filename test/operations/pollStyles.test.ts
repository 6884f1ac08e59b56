import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { POLL_STYLES, isTrustedPollUrl, pollStyle } from '../../src/operations/pollStyles';
import type { OperationRecord, PollStyle } from '../../src/operations/record';
import { resolveEndpoints } from '../../src/platform/endpoints';

const endpoints = resolveEndpoints({});
const ORG = 'https://contoso-dev.crm.dynamics.com';

function recordWith(details: OperationRecord['details']): OperationRecord {
  const now = new Date().toISOString();
  return {
    id: '0000000f-0000-4000-8000-000000000002',
    kind: 'import_solution',
    title: 'Import',
    environment: { displayName: 'Contoso Dev' },
    state: 'running',
    details,
    createdAt: now,
    updatedAt: now,
  };
}

/** The service whose token each style's status requests carry. A new style needs its line here. */
const SERVICE_OF: Record<PollStyle, string> = {
  'bap-lifecycle': 'bap',
  'ppapi-operation': 'powerplatform',
  'ppapi-app-operation': 'powerplatform',
  'environment-ready': 'bap',
  'dataverse-async': 'dataverse',
  checker: 'checker',
  'catalog-install': 'dataverse',
  'catalog-submission': 'dataverse',
};

describe('poll styles', () => {
  it("each style's status requests carry the token of its own service", () => {
    const record = recordWith({ instanceUrl: `${ORG}/` });
    assert.deepEqual(Object.keys(POLL_STYLES).sort(), Object.keys(SERVICE_OF).sort());
    for (const [style, spec] of Object.entries(POLL_STYLES)) {
      assert.equal(spec.host.target(endpoints, record).service, SERVICE_OF[style as PollStyle], style);
    }
  });

  it("a Dataverse status request uses the org's own audience", () => {
    const target = POLL_STYLES['dataverse-async'].host.target(endpoints, recordWith({ instanceUrl: `${ORG}/` }));
    assert.equal(target.resource, ORG);
  });

  it("a checker status request carries the run's correlation id and tenant", () => {
    const target = POLL_STYLES.checker.host.target(endpoints, recordWith({ correlationId: 'run-1', tenantId: 'tenant-1' }));
    assert.equal(target.resource, endpoints.checkerResource);
    assert.deepEqual(target.headers, { 'x-ms-correlation-id': 'run-1', 'x-ms-tenant-id': 'tenant-1' });
  });

  for (const style of ['dataverse-async', 'catalog-install', 'catalog-submission'] as const) {
    it(`calls a ${style} status URL only under the record's own org`, () => {
      const record = recordWith({ instanceUrl: ORG });
      assert.equal(isTrustedPollUrl(`${ORG}/api/data/v9.2/asyncoperations(1)`, style, endpoints, record), true);
      assert.equal(isTrustedPollUrl('https://contoso-prod.crm.dynamics.com/api/data/v9.2/x', style, endpoints, record), false);
      assert.equal(isTrustedPollUrl(`${ORG}.evil.example/api/data/v9.2/x`, style, endpoints, record), false);
      assert.equal(isTrustedPollUrl(`${ORG}/api/data/v9.2/x`, style, endpoints, recordWith({})), false, 'no org, no call');
    });
  }

  it('calls a checker status URL only on the cloud’s checker hosts', () => {
    assert.equal(isTrustedPollUrl('https://europe.api.advisor.powerapps.com/api/status/1', 'checker', endpoints), true);
    assert.equal(isTrustedPollUrl('https://api.bap.microsoft.com/api/status/1', 'checker', endpoints), false);
  });

  it('knows no style by a name it does not have, nor by a name every object has', () => {
    assert.equal(pollStyle('from-a-later-version'), undefined);
    assert.equal(pollStyle('toString'), undefined);
    assert.ok(pollStyle('checker'));
  });
});
