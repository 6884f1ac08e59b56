import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLOUD_NAMES, ConfigurationError, resolveEndpoints } from '../../src/platform/endpoints';

describe('endpoints per cloud', () => {
  it('defaults to the public cloud', () => {
    const e = resolveEndpoints({});
    assert.equal(e.cloud, 'Public');
    assert.equal(e.authorityHost, 'https://login.microsoftonline.com');
    assert.equal(e.bapUrl, 'https://api.bap.microsoft.com');
    assert.equal(e.powerPlatformUrl, 'https://api.powerplatform.com');
  });

  it('has the hosts of each sovereign cloud', () => {
    const table = {
      GCC: [
        'https://login.microsoftonline.com',
        'https://gov.api.bap.microsoft.us',
        'https://api.gov.powerplatform.microsoft.us',
        'https://gov.service.powerapps.us/',
      ],
      GCCHigh: [
        'https://login.microsoftonline.us',
        'https://high.api.bap.microsoft.us',
        'https://api.high.powerplatform.microsoft.us',
        'https://high.service.powerapps.us/',
      ],
      DoD: [
        'https://login.microsoftonline.us',
        'https://api.bap.appsplatform.us',
        'https://api.appsplatform.us',
        'https://service.apps.appsplatform.us/',
      ],
      China: [
        'https://login.chinacloudapi.cn',
        'https://api.bap.partner.microsoftonline.cn',
        'https://api.powerplatform.partner.microsoftonline.cn',
        'https://service.powerapps.cn/',
      ],
    };
    for (const [cloud, [authority, bap, ppapi, audience]] of Object.entries(table)) {
      const e = resolveEndpoints({ POWERPLATFORM_CLOUD: cloud });
      assert.deepEqual([e.authorityHost, e.bapUrl, e.powerPlatformUrl, e.bapResource], [authority, bap, ppapi, audience], cloud);
    }
    assert.equal(CLOUD_NAMES.length, 5);
  });

  it('accepts common spellings and rejects unknown clouds naming the variable', () => {
    assert.equal(resolveEndpoints({ POWERPLATFORM_CLOUD: 'gcc-high' }).cloud, 'GCCHigh');
    assert.equal(resolveEndpoints({ POWERPLATFORM_CLOUD: 'usgovdod' }).cloud, 'DoD');
    assert.throws(
      () => resolveEndpoints({ POWERPLATFORM_CLOUD: 'Mars' }),
      (e: Error) => e instanceof ConfigurationError && /POWERPLATFORM_CLOUD "Mars".*Public, GCC, GCCHigh, DoD, China/.test(e.message),
    );
  });

  it('applies the URL overrides, and refuses plain http except on loopback', () => {
    const e = resolveEndpoints({
      POWERPLATFORM_CLOUD: 'GCC',
      POWERAGENT_AUTHORITY_HOST: 'https://login.example.test/',
      POWERAGENT_BAP_URL: 'http://127.0.0.1:8080',
      POWERAGENT_POWERPLATFORM_URL: 'https://pp.example.test',
    });
    assert.deepEqual(
      [e.authorityHost, e.bapUrl, e.powerPlatformUrl],
      ['https://login.example.test', 'http://127.0.0.1:8080', 'https://pp.example.test'],
    );
    assert.equal(e.bapResource, 'https://gov.service.powerapps.us/');
    assert.throws(() => resolveEndpoints({ POWERAGENT_BAP_URL: 'http://bap.example.test' }), /POWERAGENT_BAP_URL must use https/);
    assert.throws(() => resolveEndpoints({ POWERAGENT_AUTHORITY_HOST: 'not a url' }), /POWERAGENT_AUTHORITY_HOST must be an absolute URL/);
  });
});
