import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { TokenSource } from '../../src/auth/tokenProvider';
import { silentLogger } from '../../src/log';
import { finishCheckerRun } from '../../src/operations/checkerRun';
import type { OperationRecord } from '../../src/operations/record';
import { MemoryOperationStore } from '../../src/operations/store';
import { OperationTracker } from '../../src/operations/tracker';
import { resolveEndpoints } from '../../src/platform/endpoints';
import { PlatformError } from '../../src/platform/errors';
import { audienceRefusal, isDataverseUrl, requestRefusal, tokenRefusal } from '../../src/platform/serviceHosts';
import { startSandbox, type Sandbox } from '../../src/sandbox/server';
import { createServices, type Services } from '../../src/services';
import { sandboxServices } from '../helpers';
import { startListener, type Listener } from './listener';

const publicCloud = resolveEndpoints({});

describe("the hosts of the cloud's services", () => {
  it('Dataverse URLs: the regional domains of each cloud, https on the default port only', () => {
    for (const url of [
      'https://contoso.crm.dynamics.com',
      'https://contoso.crm4.dynamics.com/',
      'https://contoso.api.crm11.dynamics.com/api/data/v9.2',
      'https://x.crm21.dynamics.com',
    ]) {
      assert.ok(isDataverseUrl(url, publicCloud), url);
    }
    for (const url of [
      'http://contoso.crm.dynamics.com',
      'https://contoso.crm.dynamics.com:8443',
      'https://user:pw@contoso.crm.dynamics.com',
      'https://contoso.crm9.dynamics.com',
      'https://contoso.crm22.dynamics.com',
      'https://evilcrm.dynamics.com',
      'https://contoso.crm.dynamics.com.evil.example.com',
      'https://169.254.169.254/metadata/instance',
      'https://127.0.0.1:8443/orgs/contoso',
      'https://crm.dynamics.com@evil.example.com',
    ]) {
      assert.ok(!isDataverseUrl(url, publicCloud), url);
    }
    const sovereign: Record<string, string> = {
      GCC: 'https://a.crm9.dynamics.com',
      GCCHigh: 'https://a.crm.microsoftdynamics.us',
      DoD: 'https://a.crm.appsplatform.us',
      China: 'https://a.crm.dynamics.cn',
    };
    for (const [cloud, url] of Object.entries(sovereign)) {
      const endpoints = resolveEndpoints({ POWERPLATFORM_CLOUD: cloud });
      assert.ok(isDataverseUrl(url, endpoints), `${cloud} ${url}`);
      assert.ok(!isDataverseUrl('https://a.crm.dynamics.com', endpoints), `${cloud} refuses the public cloud's orgs`);
    }
  });

  it('a token goes only to its own service: regional hosts yes, other services and other orgs no', () => {
    assert.equal(tokenRefusal('https://europe.api.bap.microsoft.com/providers/x', publicCloud.bapResource, publicCloud), undefined);
    assert.equal(
      tokenRefusal('https://abc.environment.api.powerplatform.com/x', publicCloud.powerPlatformResource, publicCloud),
      undefined,
    );
    assert.equal(tokenRefusal('https://europe.api.advisor.powerapps.com/api/status', publicCloud.checkerResource, publicCloud), undefined);
    assert.equal(tokenRefusal('https://a.crm4.dynamics.com/api/data/v9.2/WhoAmI', 'https://a.crm4.dynamics.com', publicCloud), undefined);
    assert.match(
      tokenRefusal('https://evil.example.com/providers/x', publicCloud.bapResource, publicCloud)!,
      /evil\.example\.com is not a host of the admin API/,
    );
    assert.match(tokenRefusal('http://europe.api.bap.microsoft.com/x', publicCloud.bapResource, publicCloud)!, /not a host/);
    assert.match(tokenRefusal('https://api.powerplatform.com/x', publicCloud.bapResource, publicCloud)!, /not a host/);
    assert.match(
      tokenRefusal('https://b.crm4.dynamics.com/api/data/v9.2/WhoAmI', 'https://a.crm4.dynamics.com', publicCloud)!,
      /not the Dataverse org the token is for/,
    );
    assert.match(
      tokenRefusal('http://169.254.169.254/metadata', 'http://169.254.169.254', publicCloud)!,
      /not a Dataverse org of the Public cloud/,
    );
    assert.match(audienceRefusal('https://evil.example.com', publicCloud)!, /evil\.example\.com is not a Dataverse org/);
    assert.equal(audienceRefusal('https://service.powerapps.com/', publicCloud), undefined);
  });

  it('links without a token (SAS links) still stay on the cloud: its storage, its services, https', () => {
    assert.equal(requestRefusal('https://acct.blob.core.windows.net/results/r.zip?sig=x', publicCloud), undefined);
    assert.match(requestRefusal('http://acct.blob.core.windows.net/r.zip', publicCloud)!, /not a host/);
    assert.match(
      requestRefusal('https://acct.blob.core.usgovcloudapi.net/r.zip', publicCloud)!,
      /not a host of the Public cloud's services/,
    );
    assert.match(requestRefusal('http://169.254.169.254/latest/meta-data/', publicCloud)!, /169\.254\.169\.254 is not a host/);
    assert.match(requestRefusal('file:///etc/passwd', publicCloud)!, /not an http\(s\) URL/);
  });

  it('the sandbox is trusted by its exact host and port, not the rest of loopback', () => {
    const sandbox = resolveEndpoints({ POWERAGENT_BAP_URL: 'https://127.0.0.1:4443', POWERAGENT_DATAVERSE_DOMAINS: '127.0.0.1:4443' });
    assert.equal(
      tokenRefusal('https://127.0.0.1:4443/orgs/dev/api/data/v9.2/WhoAmI', 'https://127.0.0.1:4443/orgs/dev', sandbox),
      undefined,
    );
    assert.match(
      tokenRefusal('https://127.0.0.1:4443/orgs/test/api/data/v9.2/WhoAmI', 'https://127.0.0.1:4443/orgs/dev', sandbox)!,
      /not the Dataverse org/,
    );
    assert.match(tokenRefusal('https://127.0.0.1:4444/orgs/dev', 'https://127.0.0.1:4444/orgs/dev', sandbox)!, /not a Dataverse org/);
    assert.match(tokenRefusal('https://127.0.0.1:4444/providers/x', sandbox.bapResource, sandbox)!, /not a host of the admin API/);
    const newerRegion = resolveEndpoints({ POWERAGENT_DATAVERSE_DOMAINS: 'crm22.dynamics.com' });
    assert.ok(
      isDataverseUrl('https://a.crm22.dynamics.com', newerRegion) && isDataverseUrl('https://a.crm.dynamics.com', newerRegion),
      "domains are added to the cloud's",
    );
    assert.throws(
      () => resolveEndpoints({ POWERAGENT_DATAVERSE_DOMAINS: 'https://crm.contoso.test' }),
      /POWERAGENT_DATAVERSE_DOMAINS must list host names/,
    );
    assert.throws(() => resolveEndpoints({ POWERAGENT_DATAVERSE_DOMAINS: 'crm.contoso.test:8443' }), /a port only on loopback/);
  });
});

describe('the HTTP layer sends nothing and asks no token for a host outside the cloud', () => {
  let sandbox: Sandbox;
  let services: Services;
  let listener: Listener;
  before(async () => {
    sandbox = await startSandbox({ timeScale: 0.01 });
    services = sandboxServices(sandbox);
    listener = await startListener();
  });
  after(async () => {
    await services.close();
    await sandbox.close();
    await listener.close();
  });

  it('refuses a request, and a token, for the listener whatever audience is named', async () => {
    const url = `https://127.0.0.1:${listener.port}/orgs/contoso-dev`;
    for (const resource of [services.endpoints.bapResource, services.endpoints.checkerResource, url, undefined]) {
      await assert.rejects(
        services.http.send({
          service: 'dataverse',
          method: 'POST',
          url: `${url}/api/data/v9.2/ImportSolutionAsync`,
          resource,
          body: { CustomizationFile: 'data' },
        }),
        (error: PlatformError) => error.code === 'UntrustedHost' && /Nothing was sent to it/.test(error.message),
      );
    }
    await assert.rejects(services.tokens.getToken(url), (error: PlatformError) => error.code === 'UntrustedAudience');
    assert.ok(
      !sandbox.identity.issued.some((issued) => JSON.stringify(issued).includes(String(listener.port))),
      'no token was issued for it',
    );
    assert.deepEqual(listener.hits, []);
  });

  it('a status URL stored in an operation record is not polled when it points at the listener', async () => {
    const store = new MemoryOperationStore();
    const org = `http://127.0.0.1:${listener.port}`;
    const now = new Date().toISOString();
    const record: OperationRecord = {
      id: 'op-1',
      kind: 'import_solution',
      title: 'Import ContosoCore',
      environment: { displayName: 'Contoso Dev' },
      state: 'running',
      poll: { style: 'dataverse-async', url: `${org}/api/data/v9.2/asyncoperations(00000000-0000-4000-8000-000000000001)` },
      details: { instanceUrl: org },
      createdAt: now,
      updatedAt: now,
    };
    store.save(record);
    let polls = 0;
    const counted: Services = {
      ...services,
      http: new Proxy(services.http, {
        get: (target, key) =>
          key === 'send' ? (...args: Parameters<Services['http']['send']>) => (polls++, target.send(...args)) : Reflect.get(target, key),
      }),
    };
    const tracker = new OperationTracker({
      store,
      services: async () => counted,
      logger: silentLogger,
      defaultPollIntervalMs: 5,
      maxPollFailures: 3,
    });
    const settled = new Promise<void>((resolve) => tracker.onDidChange((r) => (polls >= 3 || r.state !== 'running') && resolve()));
    tracker.resume();
    await settled;
    tracker.close();
    assert.ok(polls >= 1, 'the tracker tried to poll');
    assert.deepEqual(listener.hits, []);
  });

  it('a checker result link that points at the listener is not downloaded', async () => {
    const record = { details: { file: '/nonexistent/never-written.sarif' } } as unknown as OperationRecord;
    for (const link of [
      `http://127.0.0.1:${listener.port}/results.zip`,
      `https://127.0.0.1:${listener.port}/results.zip`,
      'https://evil.example.com/results.zip',
    ]) {
      // The run ends (its counts are known) without the report, saying the link was refused.
      const finished = await finishCheckerRun(record, { status: 'Finished', resultFileUris: [link] }, services);
      assert.equal((finished.result as { file: unknown }).file, null);
      assert.match(String((finished.result as { reportError?: string }).reportError), /not a host of the Public cloud's services/);
    }
    assert.deepEqual(listener.hits, []);
  });

  it('a BAP page link (nextLink) that leaves BAP is not followed', async () => {
    const bap = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          value: [],
          nextLink: `http://127.0.0.1:${listener.port}/providers/Microsoft.BusinessAppPlatform/scopes/admin/environments?page=2`,
        }),
      );
    });
    await new Promise<void>((resolve) => bap.listen(0, '127.0.0.1', resolve));
    const asked: string[] = [];
    const source: TokenSource = {
      description: 'test',
      acquire: async (resource) => (asked.push(resource), { token: 'test-token', expiresOn: Date.now() + 3_600_000 }),
    };
    const fake = createServices({
      env: { POWERAGENT_BAP_URL: `http://127.0.0.1:${(bap.address() as AddressInfo).port}` },
      logger: silentLogger,
      userAgent: 'test',
      tokenSource: () => source,
    });
    try {
      await assert.rejects(fake.bap.listEnvironments(), (error: PlatformError) => error.code === 'UntrustedHost');
      assert.deepEqual(asked, [fake.endpoints.bapResource], 'only the BAP token was asked for');
      assert.deepEqual(listener.hits, []);
    } finally {
      await fake.close();
      bap.closeAllConnections();
      await new Promise<void>((resolve) => bap.close(() => resolve()));
    }
  });
});
