import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CachingTokenProvider, scopeFor, type TokenSource } from '../../src/auth/tokenProvider';

function countingSource(lifetimeMs: number, clock: { now: number }) {
  const calls: Array<{ resource: string; forceRefresh: boolean }> = [];
  const source: TokenSource = {
    description: 'test',
    async acquire(resource, { forceRefresh }) {
      calls.push({ resource, forceRefresh });
      await new Promise((r) => setTimeout(r, 5));
      return { token: `${resource}#${calls.length}`, expiresOn: clock.now + lifetimeMs };
    },
  };
  return { source, calls };
}

describe('CachingTokenProvider', () => {
  it('caches one token per resource and shares one acquisition between concurrent callers', async () => {
    const clock = { now: 0 };
    const { source, calls } = countingSource(3600_000, clock);
    const tokens = new CachingTokenProvider(source, 300_000, () => clock.now);
    const [a, b, c] = await Promise.all([tokens.getToken('https://bap'), tokens.getToken('https://bap/'), tokens.getToken('https://org1')]);
    assert.equal(a, b);
    assert.notEqual(a, c);
    assert.equal(calls.length, 2);
    await tokens.getToken('https://bap');
    assert.equal(calls.length, 2);
  });

  it('refreshes before expiry, inside the margin, forcing past any lower cache', async () => {
    const clock = { now: 0 };
    const { source, calls } = countingSource(600_000, clock);
    const tokens = new CachingTokenProvider(source, 300_000, () => clock.now);
    await tokens.getToken('https://org1');
    clock.now = 299_000; // 301 s left: still good
    await tokens.getToken('https://org1');
    assert.equal(calls.length, 1);
    clock.now = 301_000; // 299 s left: refresh now, not after it fails
    await tokens.getToken('https://org1');
    assert.deepEqual(calls[1], { resource: 'https://org1', forceRefresh: true });
  });

  it('invalidate makes the next call fetch a fresh token', async () => {
    const clock = { now: 0 };
    const { source, calls } = countingSource(3600_000, clock);
    const tokens = new CachingTokenProvider(source, 300_000, () => clock.now);
    const first = await tokens.getToken('https://org1');
    tokens.invalidate('https://org1');
    const second = await tokens.getToken('https://org1');
    assert.notEqual(first, second);
    assert.equal(calls[1]?.forceRefresh, true);
  });

  it('builds .default scopes without doubling slashes', () => {
    assert.equal(scopeFor('https://service.powerapps.com/'), 'https://service.powerapps.com/.default');
    assert.equal(scopeFor('https://org.crm.dynamics.com'), 'https://org.crm.dynamics.com/.default');
  });
});
