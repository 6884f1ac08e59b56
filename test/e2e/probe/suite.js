// Runs inside VS Code's extension host, next to the packaged Power Agent MCP, and writes what it
// observed to POWER_AGENT_PROBE_REPORT. The Playwright test reads the report and clicks the dialogs.
const vscode = require('vscode');
const fs = require('fs');

function textOf(result) {
  return result.content.map((part) => part.value ?? '').join('\n');
}

async function waitFor(check, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function run(report) {
  const step = async (name, body) => {
    const started = Date.now();
    try {
      report.steps[name] = { ok: true, detail: await body(), ms: Date.now() - started };
    } catch (error) {
      report.steps[name] = { ok: false, detail: String(error && error.stack || error), ms: Date.now() - started };
    }
    fs.writeFileSync(process.env.POWER_AGENT_PROBE_REPORT, JSON.stringify(report, null, 1));
  };
  const extension = vscode.extensions.getExtension('power-agent.power-agent-mcp');
  await step('activation', async () => {
    const api = await extension.activate();
    report.vscodeVersion = vscode.version;
    return { active: extension.isActive, hasHost: Boolean(api && api.host), version: vscode.version };
  });
  await step('commands', async () => {
    const all = await vscode.commands.getCommands(true);
    return all.filter((c) => c.startsWith('powerAgent.'));
  });
  await step('lmTools', async () => {
    const tools = await waitFor(() => vscode.lm.tools.filter((t) => t.name.startsWith('pp_')), 20000, 'LM tools');
    const result = await vscode.lm.invokeTool('pp_list_environments', { input: {}, toolInvocationToken: undefined });
    return { names: tools.map((t) => t.name), listText: textOf(result) };
  });
  await step('mcp', async () => {
    await vscode.commands.executeCommand('workbench.mcp.startServer', '*', { waitForLiveTools: true, autoTrustChanges: true });
    const tools = await waitFor(() => {
      const found = vscode.lm.tools.filter((t) => t.name.startsWith('mcp_') && t.name.endsWith('pp_list_environments'));
      return found.length ? found : undefined;
    }, 30000, 'MCP tools');
    const mcpTools = vscode.lm.tools.filter((t) => t.name.startsWith('mcp_')).map((t) => t.name);
    const result = await vscode.lm.invokeTool(tools[0].name, { input: { type: 'Sandbox' }, toolInvocationToken: undefined });
    return { mcpTools, listText: textOf(result) };
  });
  await step('operation', async () => {
    const api = await extension.activate();
    const started = await vscode.lm.invokeTool('pp_create_environment', { input: { displayName: 'E2E Environment', region: 'europe', waitSeconds: 0 }, toolInvocationToken: undefined });
    const id = JSON.parse(started.content[1].value).id;
    const runtime = await api.host.runtime();
    const states = [runtime.operations.get(id).state];
    const done = await waitFor(() => {
      const state = runtime.operations.get(id).state;
      if (states[states.length - 1] !== state) states.push(state);
      return ['succeeded', 'failed'].includes(state) ? state : undefined;
    }, 90000, 'the create to end');
    return { id, states, done };
  });
  await step('stopWaiting', async () => {
    // The Playwright side clicks Stop Waiting on this operation's row in the Operations view.
    const started = Date.now();
    const result = await vscode.lm.invokeTool('pp_create_environment', { input: { displayName: 'E2E Waited On', region: 'europe', waitSeconds: 300 }, toolInvocationToken: undefined });
    const text = textOf(result);
    const id = JSON.parse(result.content[1].value).id;
    const runtime = await (await extension.activate()).host.runtime();
    const stateAtReturn = JSON.parse(result.content[1].value).state;
    const done = await waitFor(() => (['succeeded', 'failed'].includes(runtime.operations.get(id).state) ? runtime.operations.get(id).state : undefined), 90000, 'the create to end after Stop Waiting');
    return { seconds: (Date.now() - started) / 1000, text, stateAtReturn, done };
  });
  await step('destructive', async () => {
    const result = await vscode.lm.invokeTool('pp_delete_environment', { input: { environment: 'E2E Environment', waitSeconds: 60 }, toolInvocationToken: undefined });
    return { text: textOf(result) };
  });
  await step('reload', async () => {
    // A setting that changes what the server offers rebuilds it; VS Code must get the new definition.
    const mcpNames = () => vscode.lm.tools.filter((t) => t.name.startsWith('mcp_')).map((t) => t.name);
    const before = mcpNames();
    const config = vscode.workspace.getConfiguration('powerAgent');
    await config.update('readOnly', true, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.mcp.startServer', '*', { waitForLiveTools: true, autoTrustChanges: true });
    const readOnly = await waitFor(() => {
      const names = mcpNames();
      return names.length && !names.some((n) => n.endsWith('pp_delete_environment')) ? names : undefined;
    }, 30000, 'the read-only tool list');
    const whoami = vscode.lm.tools.find((t) => t.name.startsWith('mcp_') && t.name.endsWith('pp_list_environments'));
    const answer = textOf(await vscode.lm.invokeTool(whoami.name, { input: {}, toolInvocationToken: undefined }));
    await config.update('readOnly', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.mcp.startServer', '*', { waitForLiveTools: true, autoTrustChanges: true });
    const restored = await waitFor(() => (mcpNames().some((n) => n.endsWith('pp_delete_environment')) ? mcpNames() : undefined), 30000, 'the full tool list again');
    // A safety setting keeps the sandbox and the operations made before it changed.
    const operations = (await (await extension.activate()).host.runtime()).operations.list().map((o) => o.title);
    return { before: before.length, readOnly: readOnly.length, restored: restored.length, answer, operations };
  });
  report.done = true;
  fs.writeFileSync(process.env.POWER_AGENT_PROBE_REPORT, JSON.stringify(report, null, 1));
}

exports.activate = (context) => {
  context.subscriptions.push(vscode.commands.registerCommand('powerAgentProbe.run', () => run({ steps: {}, done: false })));
};
exports.deactivate = () => {};
