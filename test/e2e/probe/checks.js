// What the in-extension suite's report must show, checked the same way by both runners (code-server
// and VS Code desktop). Throws an AssertionError naming the first thing that is wrong.
const assert = require('assert/strict');

/** `contributedTools`: how many Language Model tools package.json contributes (one per catalog tool). */
function checkReport(report, { contributedTools }) {
  assert.ok(report.done, `the suite finished: ${JSON.stringify(report)}`);
  const steps = report.steps;
  for (const [name, step] of Object.entries(steps)) assert.ok(step.ok, `${name}: ${step.detail}`);
  assert.equal(steps.activation.detail.active, true);
  for (const command of [
    'powerAgent.signIn',
    'powerAgent.pickEnvironment',
    'powerAgent.run.pp_create_environment',
    'powerAgent.run.pp_get_operation',
  ]) {
    assert.ok(steps.commands.detail.includes(command), `${command} is registered`);
  }
  assert.equal(steps.lmTools.detail.names.length, contributedTools, 'every tool of the catalog is a language model tool');
  assert.match(steps.lmTools.detail.listText, /Contoso Dev/);
  assert.ok(steps.mcp.detail.mcpTools.length >= 6, `MCP tools through VS Code's client: ${steps.mcp.detail.mcpTools}`);
  assert.match(steps.mcp.detail.listText, /Contoso Dev/);
  const { toolsOffered, toolsWithIcon, distinctIcons } = steps.mcp.detail;
  assert.equal(toolsWithIcon, toolsOffered, "the extension's server gives every tool its toolset's icon");
  assert.equal(distinctIcons, 9, 'one icon per toolset');
  assert.equal(steps.operation.detail.done, 'succeeded');
  assert.ok(steps.operation.detail.states.includes('running') || steps.operation.detail.states.includes('queued'));
  assert.match(steps.destructive.detail.text, /Delete environment E2E Environment: succeeded/);
  assert.equal(
    steps.stopWaiting.detail.stateAtReturn,
    'running',
    `the call returned at Stop Waiting, before the create ended (${steps.stopWaiting.detail.seconds} s)`,
  );
  assert.ok(steps.stopWaiting.detail.seconds < 120, `the call returned when told to stop waiting (${steps.stopWaiting.detail.seconds} s)`);
  assert.match(steps.stopWaiting.detail.text, /Stopped waiting at your request/);
  assert.equal(steps.stopWaiting.detail.done, 'succeeded', 'the operation went on to its end');
  assert.ok(steps.reload.detail.readOnly < steps.reload.detail.before, `read-only dropped tools: ${JSON.stringify(steps.reload.detail)}`);
  assert.equal(steps.reload.detail.restored, steps.reload.detail.before);
  assert.match(steps.reload.detail.answer, /Contoso Dev/);
  assert.match(steps.reload.detail.answer, /E2E Waited On/, 'switching read-only kept the sandbox and what was made in it');
  assert.ok(
    steps.reload.detail.operations.includes('Create environment E2E Waited On'),
    `operations kept: ${steps.reload.detail.operations}`,
  );
  assert.match(steps.words.detail.message, /outside the folders/);
  assert.match(steps.words.detail.message, /powerAgent\.allowedFolders/, 'a refusal names the VS Code setting');
  assert.doesNotMatch(steps.words.detail.message, /POWERAGENT_|--allowed-folders/);
}

module.exports = { checkReport };
