import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { isBusyConflict } from '../../src/operations/busyConflict';
import { isTrustedPollUrl } from '../../src/operations/pollStyles';
import { readBapLifecycle, readPpapiOperation, readStages } from '../../src/operations/status';
import { resolveEndpoints } from '../../src/platform/endpoints';
import { PlatformError, decodeErrorBody } from '../../src/platform/errors';
import { corpus, needsCorpus } from '../corpus';

const sample = (name: string) => JSON.parse(readFileSync(corpus('reference', 'api-samples', name), 'utf8'));

describe('status documents', () => {
  it('reads the real BAP lifecycle operation samples', needsCorpus, () => {
    const created = readBapLifecycle(sample('bap-lifecycle-operation-create-succeeded.json'));
    assert.deepEqual(created, {
      state: 'succeeded',
      stage: 'Finalize (4 of 4)',
      percent: 100,
      serviceOperationId: 'b03e1e6d-73db-4367-90e1-2e378bf7e2fc',
      environmentId: '00000000-0000-0000-0000-000000000001',
    });
    const failed = readBapLifecycle(sample('bap-lifecycle-operation-failed.json'));
    assert.equal(failed.state, 'failed');
    assert.match(failed.error!.message, /the Create operation failed without giving a reason/);
    const governance = readBapLifecycle(sample('bap-lifecycle-operation-enable-governance-succeeded.json'));
    assert.equal(governance.environmentId, 'ae6407ff-270b-e60c-b82b-e4e7e4b36154');
  });

  it('maps BAP and PPAPI states and stages', () => {
    assert.equal(readBapLifecycle({ state: { id: 'NotStarted' }, stages: [] }).state, 'queued');
    const running = readBapLifecycle({
      state: { id: 'Running' },
      stages: ['Validate', 'Prepare', 'Run', 'Finalize'].map((name, i) => ({
        name,
        state: { id: i < 2 ? 'Succeeded' : i === 2 ? 'Running' : 'NotStarted' },
      })),
    });
    assert.deepEqual([running.state, running.stage, running.percent], ['running', 'Run (3 of 4)', 50]);
    for (const [status, state] of [
      ['Queued', 'queued'],
      ['InProgress', 'running'],
      ['Succeeded', 'succeeded'],
      ['NoOperation', 'succeeded'],
      ['ValidationPassed', 'succeeded'],
      ['Failed', 'failed'],
      ['ValidationFailed', 'failed'],
    ]) {
      assert.equal(readPpapiOperation({ status }).state, state, status);
    }
    const failed = readPpapiOperation({
      status: 'ValidationFailed',
      errorDetail: {
        code: 'ValidationFailed',
        fieldErrors: { restorePointDateTime: { errorMessages: ['too old'], suggestedValue: null } },
      },
    });
    assert.deepEqual(failed.error, { code: 'ValidationFailed', message: 'restorePointDateTime: too old' });
    assert.equal(readPpapiOperation({ status: 'Succeeded', updatedEnvironment: { environmentId: 'e1' } }).environmentId, 'e1');
    assert.deepEqual(
      readStages([
        { name: 'A', state: 'Skipped' },
        { name: 'B', state: 'InProgress' },
      ]),
      { stage: 'B (2 of 2)', percent: 50 },
    );
  });

  it('tells a busy 409 from a final one, using the real samples', needsCorpus, () => {
    const error = (status: number, body: unknown) => {
      const decoded = decodeErrorBody(body);
      return new PlatformError({
        service: 'bap',
        status,
        code: decoded?.code ?? (body ? '' : 'Conflict'),
        message: decoded?.message ?? '',
      });
    };
    assert.equal(isBusyConflict(error(409, sample('bap-error-409-operation-not-startable.json'))), true);
    assert.equal(isBusyConflict(error(409, undefined)), true, 'an empty 409 means busy');
    assert.equal(isBusyConflict(error(409, sample('bap-error-409-insufficient-capacity.json'))), false);
    assert.equal(isBusyConflict(error(400, sample('bap-error-409-operation-not-startable.json'))), false);
  });

  it('calls status URLs only on the service host or its regional subdomains', () => {
    const endpoints = resolveEndpoints({});
    assert.equal(
      isTrustedPollUrl(
        'https://europe.api.bap.microsoft.com/providers/Microsoft.BusinessAppPlatform/lifecycleOperations/1?api-version=2023-06-01',
        'bap-lifecycle',
        endpoints,
      ),
      true,
    );
    assert.equal(isTrustedPollUrl('https://api.powerplatform.com/environmentmanagement/operations/1', 'ppapi-operation', endpoints), true);
    assert.equal(isTrustedPollUrl('https://evil.example/providers/x', 'bap-lifecycle', endpoints), false);
    assert.equal(isTrustedPollUrl('https://api.bap.microsoft.com.evil.example/x', 'bap-lifecycle', endpoints), false);
    assert.equal(isTrustedPollUrl('http://europe.api.bap.microsoft.com/x', 'bap-lifecycle', endpoints), false);
    assert.equal(isTrustedPollUrl('https://api.powerplatform.com/x', 'bap-lifecycle', endpoints), false, 'a BAP token goes to BAP only');
  });
});
