import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CORPUS, corpusFound, corpusRequired } from './corpus';

it('finds the real-file corpus when CI requires it', { skip: corpusRequired ? false : 'only in CI (CI=true)' }, () => {
  assert.ok(corpusFound, `CI=true but the corpus is not at ${CORPUS}; set POWERAGENT_CORPUS or put shared/ beside the clone`);
});
