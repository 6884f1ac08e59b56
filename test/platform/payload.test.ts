import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asString, at, isObject, list, text } from '../../src/platform/payload';

describe('payload helpers', () => {
  it('at follows nested keys through objects', () => {
    assert.equal(at({ links: { environment: { path: '/environments/e1' } } }, 'links', 'environment', 'path'), '/environments/e1');
  });

  it('at answers undefined once a level is missing, null or not an object', () => {
    assert.equal(at({ state: null }, 'state', 'id'), undefined);
    assert.equal(at({ state: 'Running' }, 'state', 'id'), undefined);
    assert.equal(at(undefined, 'state'), undefined);
    assert.equal(at({}, 'state', 'id'), undefined);
  });

  it('list keeps an array and turns anything else into an empty one', () => {
    const stages = [{ name: 'Validate' }];
    assert.equal(list(stages), stages);
    assert.deepEqual(list('stages'), []);
    assert.deepEqual(list({ 0: 'a' }), []);
    assert.deepEqual(list(undefined), []);
  });

  it('asString keeps only strings', () => {
    assert.equal(asString('op-1'), 'op-1');
    assert.equal(asString(42), undefined);
  });

  it('isObject accepts objects and arrays, not null or primitives', () => {
    assert.equal(isObject({}), true);
    assert.equal(isObject([]), true);
    assert.equal(isObject(null), false);
    assert.equal(isObject('x'), false);
  });

  it('text writes primitives as String does and objects as JSON', () => {
    assert.equal(text('Failed'), 'Failed');
    assert.equal(text(526430004), '526430004');
    assert.equal(text(false), 'false');
    assert.equal(text({ code: 'Conflict' }), '{"code":"Conflict"}');
    assert.equal(text(['a', 'b']), '["a","b"]');
  });
});
