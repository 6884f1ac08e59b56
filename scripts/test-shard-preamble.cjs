// Loaded by each test shard before node:test (see run-tests.mjs).
//
// On Node 20, node:test enables an async hook that follows every async resource, every promise
// included, with a destroy callback: it made an `await` about 40 times slower and cost about a tenth
// of the suite's CPU. It serves two purposes: finding the test or suite that a call to it(),
// describe() or a hook belongs to, and naming the test an uncaught error came from. The shards give
// the harness a hook that sees only the tests themselves, which covers the first wherever those calls
// are made synchronously in a suite's body (as in every file here; a call after an `await` would
// attach to the top level). An uncaught error still fails the run, reported at the top level ("a
// resource generated asynchronous activity...") rather than under its test.
const asyncHooks = require('node:async_hooks');

const { createHook } = asyncHooks;

asyncHooks.createHook = function createHookOutsideTheHarness(callbacks) {
  if (!new Error().stack.includes('internal/test_runner/harness')) return createHook(callbacks);
  asyncHooks.createHook = createHook;
  return createHook({
    init(asyncId, type, triggerAsyncId, resource) {
      if (type === 'Test') callbacks.init(asyncId, type, triggerAsyncId, resource);
    },
  });
};
