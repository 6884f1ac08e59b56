import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildManifest } from '../../src/server/manifest';
import { allTools } from '../../src/tools';
import { text } from '../helpers';
import { hostileUrls, startListener, type Listener } from './listener';
import { environmentFields, prepareInputs, startToolHost, type ToolHost } from './toolHost';

/** Every refusal of an untrusted environment URL says so in these words. */
const REFUSED = /Nothing was sent to it\./;
const manifest = buildManifest(allTools);

describe('environment URLs outside the tenant and the cloud get no request', () => {
  let host: ToolHost;
  let listener: Listener;
  let inputs: Record<string, Record<string, unknown>>;
  before(async () => {
    host = await startToolHost();
    listener = await startListener();
    inputs = await prepareInputs(host);
  });
  after(async () => {
    await listener.close();
    await host.close();
  });

  /** Calls every tool once per environment field and hostile URL; returns what went wrong. */
  async function attack(settings: { allowedEnvironments?: string[] }): Promise<string[]> {
    const problems: string[] = [];
    let pairs = 0;
    for (const entry of manifest) {
      for (const field of environmentFields(entry.inputSchema)) {
        pairs++;
        for (const url of hostileUrls(listener.port)) {
          const result = await host.call(entry.name, { ...inputs[entry.name], [field]: url }, settings, 20_000);
          const said = text(result);
          // pp_doctor reports a refused check inside its report; every other tool fails the call.
          const failed = result.isError || entry.name === 'pp_doctor';
          if (!failed || !REFUSED.test(said)) problems.push(`${entry.name}.${field} = ${url}: ${said.split('\n')[0]}`);
          if (said.includes('s3cr3t-pw')) problems.push(`${entry.name}.${field} = ${url}: the password of the URL was echoed`);
        }
      }
    }
    assert.ok(pairs >= 35, `only ${pairs} tool and field pairs were found`);
    return problems;
  }

  it('without an allow-list, every tool and environment field refuses them before sending anything', async () => {
    const problems = await attack({});
    assert.deepEqual(listener.hits, [], 'the listener was reached');
    assert.deepEqual(problems, []);
  });

  it('with the URLs on --allowed-environments, they are still refused', async () => {
    const allowed = [...hostileUrls(listener.port), 'Contoso Dev', 'Contoso Test', 'Contoso (default)'];
    const problems = await attack({ allowedEnvironments: allowed });
    assert.deepEqual(listener.hits, [], 'the listener was reached');
    assert.deepEqual(problems, []);
  });

  it("without admin rights, only the cloud's Dataverse hosts are used: the sandbox org works, the listener is refused", async () => {
    const app = host.sandbox.tenant.apps[0]!;
    app.managementApp = false;
    // As in a server whose account never could list environments: no list kept from the tests before.
    host.services.environments.forget();
    try {
      const org = `${host.sandbox.url}/orgs/contoso-dev`;
      const who = await host.call('pp_whoami', { environment: org });
      assert.equal(who.isError, undefined, text(who));
      assert.match(text(who), /^Signed in to https:\/\/127\.0\.0\.1:\d+\/orgs\/contoso-dev/);
      for (const url of hostileUrls(listener.port)) {
        const result = await host.call('pp_list_solutions', { environment: url });
        assert.match(text(result), REFUSED, url);
      }
      assert.deepEqual(listener.hits, []);
    } finally {
      app.managementApp = true;
    }
  });
});
