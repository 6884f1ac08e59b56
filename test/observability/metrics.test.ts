import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metrics, budgetLeftPercent, orgOf } from '../../src/observability/metrics';

const API = 'https://contoso.crm4.dynamics.com/api/data/v9.2';

describe('Metrics', () => {
  it('p50 and p95 of a tool come from its most recent 1024 calls', () => {
    const metrics = new Metrics();
    for (let i = 0; i < 2000; i++) metrics.toolCall('pp_list_solutions', i < 976 ? 100_000 : (i - 975) * 10, false, true);
    // The last 1024 durations are 10, 20, ... 10240 ms: the old slow ones are gone.
    assert.deepEqual(metrics.snapshot().tools, [
      { tool: 'pp_list_solutions', simple: true, calls: 2000, errors: 0, p50Ms: 5120, p95Ms: 9730 },
    ]);
  });

  it('counts per service and per Dataverse org: requests, 429s, failures, retries and their waits', () => {
    const now = 1_700_000_000_000;
    const metrics = new Metrics(() => now);
    metrics.request('bap', 'https://api.bap.microsoft.com/providers/x', 200, 40);
    metrics.request('dataverse', `${API}/WhoAmI`, 429, 5);
    metrics.retry('dataverse', `${API}/WhoAmI`, 2500);
    metrics.request('dataverse', `${API}/WhoAmI`, 0, 30_000);
    metrics.retry('dataverse', `${API}/WhoAmI`, 1000);
    const headers = new Headers({
      'x-ms-ratelimit-burst-remaining-xrm-requests': '5,997',
      'x-ms-ratelimit-time-remaining-xrm-requests': '1,199.25',
    });
    metrics.request('dataverse', `${API}/WhoAmI`, 200, 20, headers);
    metrics.request('dataverse', 'https://fabrikam.crm.dynamics.com/api/data/v9.2/accounts', 503, 10);
    const services = metrics.snapshot().services;
    assert.deepEqual(
      services.map((s) => [s.service, s.org, s.requests, s.throttled, s.failures, s.retries, s.retryWaitMs]),
      [
        ['bap', null, 1, 0, 0, 0, 0],
        ['dataverse', 'contoso.crm4.dynamics.com', 3, 1, 1, 2, 3500],
        ['dataverse', 'fabrikam.crm.dynamics.com', 1, 0, 1, 0, 0],
      ],
    );
    assert.deepEqual(metrics.budget('https://CONTOSO.crm4.dynamics.com/'), {
      requestsRemaining: 5997,
      secondsRemaining: 1199.25,
      readAt: now,
    });
    assert.equal(services[2]!.budget, null);
  });

  it('the budget left is the smaller share of requests and of execution time', () => {
    assert.equal(budgetLeftPercent({ requestsRemaining: 3000, secondsRemaining: 1200, readAt: 0 }), 50);
    assert.equal(budgetLeftPercent({ requestsRemaining: 6000, secondsRemaining: 120, readAt: 0 }), 10);
    assert.equal(budgetLeftPercent({ requestsRemaining: null, secondsRemaining: 600, readAt: 0 }), 50);
  });

  it('an org is its host and path, from any URL of its Web API', () => {
    assert.equal(orgOf(`${API}/accounts?$filter=name eq 'x'`), 'contoso.crm4.dynamics.com');
    assert.equal(orgOf('https://127.0.0.1:8443/orgs/contoso-dev/api/data/v9.2/WhoAmI'), '127.0.0.1:8443/orgs/contoso-dev');
    assert.equal(orgOf('not a url'), undefined);
  });

  it('follows operations: running now, and ended once each whatever the number of changes', () => {
    const metrics = new Metrics();
    let emit: (record: { id: string; state: string }) => void = () => undefined;
    metrics.watchOperations({ onDidChange: (listener) => ((emit = listener as never), () => undefined) });
    for (const [id, state] of [
      ['a', 'starting'],
      ['a', 'running'],
      ['b', 'running'],
      ['a', 'succeeded'],
      ['c', 'failed'],
      ['c', 'failed'],
    ])
      emit({ id: id!, state: state! });
    assert.deepEqual(metrics.snapshot().operations, { running: 1, succeeded: 1, failed: 1 });
  });
});
