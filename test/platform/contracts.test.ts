import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { BapEnvironment } from '../../src/platform/bap';
import { toEnvironmentDetails, toEnvironmentSummary } from '../../src/platform/environment';
import { decodeErrorBody, hintFor } from '../../src/platform/errors';
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
    assert.match(hintFor('bap', 404, notFound!.code, notFound!.message) ?? '', /pp_list_environments/);
    const busy = decodeErrorBody(sample('bap-error-409-operation-not-startable.json'));
    assert.equal(busy?.code, 'OperationNotStartable');
    assert.match(hintFor('bap', 409, busy!.code, busy!.message) ?? '', /Wait for it to finish/);
    const capacity = decodeErrorBody(sample('bap-error-409-insufficient-capacity.json'));
    assert.equal(capacity?.code, 'InsufficientCapacity_StorageDriven');
    assert.match(hintFor('bap', 409, capacity!.code, capacity!.message) ?? '', /retrying will not help/);
  });

  it('decodes the PPAPI validation, appmanagement and problem-details shapes', () => {
    const validation = decodeErrorBody({ errorDetail: { code: 'ValidationFailed', fieldErrors: { targetEnvironmentType: { errorMessages: ['The target must be a Sandbox.'], suggestedValue: 'Sandbox' } } } });
    assert.deepEqual(validation, { code: 'ValidationFailed', message: 'targetEnvironmentType: The target must be a Sandbox. (suggested value: Sandbox)' });
    assert.deepEqual(decodeErrorBody({ errorCode: '404', errorName: 'PackageNotFound', message: 'No such package.' }), { code: 'PackageNotFound', message: 'No such package.' });
    assert.deepEqual(decodeErrorBody({ type: 'about:blank', title: 'Bad Request', status: 400, detail: 'Name is required.' }), { code: 'about:blank', message: 'Bad Request: Name is required.' });
  });
});

