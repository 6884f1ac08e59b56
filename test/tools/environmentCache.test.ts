import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { parseCliArgs, UsageError } from '../../src/config';
import { addEnvironment } from '../../src/sandbox/state';
import { text } from '../helpers';
import { DEV, sandboxEnvironment, startCacheHost, type CacheHost } from './cacheHost';

function ok(result: Awaited<ReturnType<CacheHost['call']>>): Record<string, any> {
  assert.equal(result.isError, undefined, text(result));
  return result.structuredContent as Record<string, any>;
}

describe('environments named by name, domain or URL resolve from the kept list', () => {
  let host: CacheHost;
  beforeEach(async () => {
    host = await startCacheHost();
  });
  afterEach(() => host.close());

  it('lists the tenant on the first call only', async () => {
    host.mark();
    ok(await host.call('pp_whoami', { environment: 'Contoso Dev' }));
    assert.equal(host.environmentLists(), 1);
    host.mark();
    ok(await host.call('pp_whoami', { environment: 'contoso-dev' }));
    ok(await host.call('pp_whoami', { environment: `${host.sandbox.url}/orgs/contoso-test/` }));
    ok(await host.call('pp_list_backups', { environment: 'Contoso Test' }));
    assert.equal(host.environmentLists(), 0, 'later calls by name, domain or URL read no list');
  });

  it('calls by id read the environment, never the list', async () => {
    host.mark();
    const env = ok(await host.call('pp_get_environment', { environment: DEV }));
    assert.equal(env.displayName, 'Contoso Dev');
    assert.equal(host.environmentLists(), 0);
  });

  it('pp_list_environments reads the tenant every time, and what it reads is kept', async () => {
    ok(await host.call('pp_list_environments', {}));
    addEnvironment(host.sandbox.tenant, host.sandbox.url, {
      id: '0000000a-0000-4000-8000-000000000001',
      displayName: 'Made Elsewhere',
      sku: 'Sandbox',
      location: 'europe',
      azureRegion: 'westeurope',
    });
    host.mark();
    const listed = ok(await host.call('pp_list_environments', {}));
    assert.ok(listed.environments.some((e: { displayName: string }) => e.displayName === 'Made Elsewhere'));
    assert.equal(host.environmentLists(), 1);
    host.mark();
    ok(await host.call('pp_list_backups', { environment: 'Made Elsewhere' }));
    assert.equal(host.environmentLists(), 0, 'the list just read answers the next lookup');
  });

  it('a name the kept list does not have is looked for once in a fresh list before "not found"', async () => {
    ok(await host.call('pp_whoami', { environment: 'Contoso Dev' }));
    addEnvironment(host.sandbox.tenant, host.sandbox.url, {
      id: '0000000a-0000-4000-8000-000000000002',
      displayName: 'Just Made',
      sku: 'Sandbox',
      location: 'europe',
      azureRegion: 'westeurope',
      domainName: 'just-made',
    });
    host.mark();
    ok(await host.call('pp_whoami', { environment: 'Just Made' }));
    assert.equal(host.environmentLists(), 1, 'an environment made elsewhere is found at once');
    host.mark();
    const missing = await host.call('pp_whoami', { environment: 'Nowhere' });
    assert.equal(missing.isError, true);
    assert.match(text(missing), /No environment matches "Nowhere"/);
    assert.equal(host.environmentLists(), 1, 'one fresh list, not more');
  });

  it("someone else's rename shows once the lifetime has passed", async () => {
    await host.close();
    host = await startCacheHost({ environmentCacheSeconds: 30 });
    ok(await host.call('pp_whoami', { environment: 'Contoso Test' }));
    sandboxEnvironment(host.sandbox, 'Contoso Test').record.properties.displayName = 'Contoso QA';
    host.advance(29);
    host.mark();
    ok(await host.call('pp_whoami', { environment: 'Contoso Test' }));
    assert.equal(host.environmentLists(), 0, 'within its lifetime the kept list still answers for the old name');
    host.advance(2);
    const old = await host.call('pp_whoami', { environment: 'Contoso Test' });
    assert.equal(old.isError, true);
    assert.match(text(old), /No environment matches "Contoso Test"/);
    host.mark();
    ok(await host.call('pp_whoami', { environment: 'Contoso QA' }));
    assert.equal(host.environmentLists(), 0, 'the fresh list read for the old name answers for the new one');
  });

  it("someone else's delete shows once the lifetime has passed", async () => {
    ok(await host.call('pp_list_environments', {}));
    host.sandbox.tenant.environments.delete(sandboxEnvironment(host.sandbox, 'Field Trial').record.name);
    host.advance(121);
    host.mark();
    const gone = await host.call('pp_list_backups', { environment: 'Field Trial' });
    assert.match(text(gone), /No environment matches "Field Trial"/);
    assert.equal(host.environmentLists(), 1);
  });

  it('pp_get_environment reads the record again by id, so it never reports an environment deleted elsewhere', async () => {
    ok(await host.call('pp_list_environments', {}));
    host.sandbox.tenant.environments.delete(sandboxEnvironment(host.sandbox, 'Field Trial').record.name);
    const current = await host.call('pp_get_environment', { environment: 'Field Trial' });
    assert.equal(current.isError, true);
    assert.match(text(current), /No environment matches "Field Trial"/);
  });

  it('with a lifetime of 0 every lookup reads the tenant', async () => {
    await host.close();
    host = await startCacheHost({ environmentCacheSeconds: 0 });
    host.mark();
    ok(await host.call('pp_whoami', { environment: 'Contoso Dev' }));
    ok(await host.call('pp_whoami', { environment: 'Contoso Dev' }));
    assert.equal(host.environmentLists(), 2);
  });
});

describe('our own lifecycle operations update the kept list', () => {
  let host: CacheHost;
  beforeEach(async () => {
    host = await startCacheHost();
    ok(await host.call('pp_list_environments', {}));
  });
  afterEach(() => host.close());

  it('a created environment is found by name without listing the tenant', async () => {
    const created = ok(await host.call('pp_create_environment', { displayName: 'Cache QA', region: 'europe', waitSeconds: 60 }));
    assert.equal(created.state, 'succeeded', JSON.stringify(created));
    host.mark();
    const env = ok(await host.call('pp_get_environment', { environment: 'Cache QA' }));
    assert.equal(env.displayName, 'Cache QA');
    assert.equal(host.environmentLists(), 0);
  });

  it('a deleted environment is not found by name any more', async () => {
    const deleted = ok(await host.call('pp_delete_environment', { environment: 'Contoso Test', confirm: 'Contoso Test', waitSeconds: 60 }));
    assert.equal(deleted.state, 'succeeded', JSON.stringify(deleted));
    host.mark();
    const after = await host.call('pp_whoami', { environment: 'Contoso Test' });
    assert.equal(after.isError, true);
    assert.match(text(after), /No environment matches "Contoso Test"/, 'not the org of a deleted environment');
    assert.equal(host.environmentLists(), 1, 'the kept list no longer had it, so one fresh list was read');
  });

  it('a renamed environment (a reset with a new name) is found by its new name, and not by its old one', async () => {
    const reset = ok(
      await host.call('pp_reset_environment', {
        environment: 'Contoso Dev',
        newName: 'Contoso Fresh',
        confirm: 'Contoso Dev',
        waitSeconds: 60,
      }),
    );
    assert.equal(reset.state, 'succeeded', JSON.stringify(reset));
    host.mark();
    ok(await host.call('pp_whoami', { environment: 'Contoso Fresh' }));
    assert.equal(host.environmentLists(), 0, 'the new name came with the reload by id');
    const old = await host.call('pp_whoami', { environment: 'Contoso Dev' });
    assert.match(text(old), /No environment matches "Contoso Dev"/);
  });

  it('a governance change is in the kept record', async () => {
    const changed = ok(await host.call('pp_set_governance_config', { environment: 'Contoso Dev', managed: true, waitSeconds: 60 }));
    assert.equal(changed.state, 'succeeded', JSON.stringify(changed));
    host.mark();
    const { matches } = await host.services.environments.find((env) => env.name === DEV, 60_000);
    assert.equal(matches[0]?.properties?.governanceConfiguration?.protectionLevel, 'Standard');
    assert.equal(host.environmentLists(), 0);
  });
});

describe('environment URLs are still checked against the tenant with the list kept', () => {
  let host: CacheHost;
  beforeEach(async () => {
    host = await startCacheHost();
    ok(await host.call('pp_list_environments', {}));
  });
  afterEach(() => host.close());

  it('a URL that is no org of the tenant is refused after one fresh list, and gets no request', async () => {
    host.mark();
    const refused = await host.call('pp_whoami', { environment: `${host.sandbox.url}/orgs/not-ours` });
    assert.equal(refused.isError, true);
    assert.match(text(refused), /No environment of this tenant has the Dataverse URL .*Nothing was sent to it\./);
    assert.equal(host.environmentLists(), 1);
    assert.equal(host.requestsTo('/orgs/not-ours'), 0);
  });

  it('the URL of an environment deleted elsewhere is refused once the lifetime has passed', async () => {
    host.sandbox.tenant.environments.delete(DEV);
    host.advance(121);
    host.mark();
    const refused = await host.call('pp_whoami', { environment: `${host.sandbox.url}/orgs/contoso-dev` });
    assert.match(text(refused), /No environment of this tenant has the Dataverse URL .*Nothing was sent to it\./);
    assert.equal(host.requestsTo('/orgs/contoso-dev'), 0);
  });
});

describe('--environment-cache-seconds', () => {
  it('is read from the option and from POWERAGENT_ENVIRONMENT_CACHE_SECONDS', () => {
    assert.equal(parseCliArgs(['--environment-cache-seconds', '30'], {}).environmentCacheSeconds, 30);
    assert.equal(parseCliArgs([], { POWERAGENT_ENVIRONMENT_CACHE_SECONDS: '0' }).environmentCacheSeconds, 0);
    assert.equal(parseCliArgs([], {}).environmentCacheSeconds, undefined);
  });

  it('refuses what is not a whole number of seconds up to 600, naming the option', () => {
    for (const bad of ['-1', '601', '1.5', 'soon']) {
      assert.throws(
        () => parseCliArgs([`--environment-cache-seconds=${bad}`], {}),
        (error: Error) =>
          error instanceof UsageError && /^--environment-cache-seconds must be a whole number of seconds from 0 to 600/.test(error.message),
      );
    }
    assert.throws(() => parseCliArgs([], { POWERAGENT_ENVIRONMENT_CACHE_SECONDS: 'ten' }), /POWERAGENT_ENVIRONMENT_CACHE_SECONDS must be/);
  });
});
