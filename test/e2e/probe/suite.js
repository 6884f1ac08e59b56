// The in-extension suite, shared by both runners: it runs inside VS Code's extension host next to
// Power Agent MCP and writes what it observed to a report after every step.
// - code-server (npm test): the probe extension runs it; Playwright reads the report and clicks the
//   dialogs and the Stop Waiting action.
// - VS Code desktop (npm run test:desktop, @vscode/test-electron): test/desktop/suite.js runs it with
//   `selfDrive`, so it stops the waiting itself; confirmations are approved by the user settings.
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

/** tools/list from the extension's own loopback MCP server, as a plain HTTP client (no SDK in here). */
async function listToolsOver(server) {
  const post = async (body, session) => {
    const response = await fetch(server.url, {
      method: 'POST',
      headers: {
        ...server.headers,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...(session ? { 'mcp-session-id': session } : {}),
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    // The stream opens with a priming event (an id and empty data) for clients that reconnect.
    const data = text.split('\n').find((line) => line.startsWith('data: {'));
    return { session: response.headers.get('mcp-session-id'), message: data ? JSON.parse(data.slice(6)) : undefined };
  };
  const clientInfo = { name: 'e2e-probe', version: '1' };
  const { session } = await post({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo },
  });
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session);
  const { message } = await post({ jsonrpc: '2.0', id: 2, method: 'tools/list' }, session);
  await fetch(server.url, { method: 'DELETE', headers: { ...server.headers, 'mcp-session-id': session } });
  return message.result.tools;
}

/**
 * Runs every step and returns the report ({ steps: { name: { ok, detail, ms } }, done }).
 * `reportFile`: written after each step. `selfDrive`: do what a person would click (Stop Waiting).
 */
async function runSuite({ reportFile, selfDrive = false }) {
  const report = { steps: {}, done: false };
  const save = () => reportFile && fs.writeFileSync(reportFile, JSON.stringify(report, null, 1));
  const step = async (name, body) => {
    const started = Date.now();
    try {
      report.steps[name] = { ok: true, detail: await body(), ms: Date.now() - started };
    } catch (error) {
      report.steps[name] = { ok: false, detail: String((error && error.stack) || error), ms: Date.now() - started };
    }
    save();
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
    const tools = await waitFor(
      () => {
        const found = vscode.lm.tools.filter((t) => t.name.startsWith('mcp_') && t.name.endsWith('pp_list_environments'));
        return found.length ? found : undefined;
      },
      90000,
      'MCP tools',
    );
    const mcpTools = vscode.lm.tools.filter((t) => t.name.startsWith('mcp_')).map((t) => t.name);
    const result = await vscode.lm.invokeTool(tools[0].name, { input: { type: 'Sandbox' }, toolInvocationToken: undefined });
    const listed = await listToolsOver(await (await extension.activate()).host.mcpServer());
    const withIcon = listed.filter((tool) => tool.icons && tool.icons.length === 1);
    return {
      mcpTools,
      listText: textOf(result),
      toolsOffered: listed.length,
      toolsWithIcon: withIcon.length,
      distinctIcons: new Set(withIcon.map((tool) => tool.icons[0].src)).size,
    };
  });
  await step('operation', async () => {
    const api = await extension.activate();
    const started = await vscode.lm.invokeTool('pp_create_environment', {
      input: { displayName: 'E2E Environment', region: 'europe', waitSeconds: 0 },
      toolInvocationToken: undefined,
    });
    const id = JSON.parse(started.content[1].value).id;
    const runtime = await api.host.runtime();
    const states = [runtime.operations.get(id).state];
    const done = await waitFor(
      () => {
        const state = runtime.operations.get(id).state;
        if (states[states.length - 1] !== state) states.push(state);
        return ['succeeded', 'failed'].includes(state) ? state : undefined;
      },
      90000,
      'the create to end',
    );
    return { id, states, done };
  });
  await step('stopWaiting', async () => {
    // Playwright clicks Stop Waiting on this operation's row in the Operations view; self-driven, the
    // suite runs the same command once a call waits on the operation.
    const started = Date.now();
    if (selfDrive) void stopWaitingWhenWaited(extension, 'Create environment E2E Waited On');
    const result = await vscode.lm.invokeTool('pp_create_environment', {
      input: { displayName: 'E2E Waited On', region: 'europe', waitSeconds: 300 },
      toolInvocationToken: undefined,
    });
    const text = textOf(result);
    const id = JSON.parse(result.content[1].value).id;
    const runtime = await (await extension.activate()).host.runtime();
    const stateAtReturn = JSON.parse(result.content[1].value).state;
    const done = await waitFor(
      () => (['succeeded', 'failed'].includes(runtime.operations.get(id).state) ? runtime.operations.get(id).state : undefined),
      90000,
      'the create to end after Stop Waiting',
    );
    return { seconds: (Date.now() - started) / 1000, text, stateAtReturn, done };
  });
  await step('destructive', async () => {
    const result = await vscode.lm.invokeTool('pp_delete_environment', {
      input: { environment: 'E2E Environment', waitSeconds: 60 },
      toolInvocationToken: undefined,
    });
    return { text: textOf(result) };
  });
  await step('reload', async () => {
    // A setting that changes what the server offers rebuilds it; VS Code must get the new definition.
    const mcpNames = () => vscode.lm.tools.filter((t) => t.name.startsWith('mcp_')).map((t) => t.name);
    const before = mcpNames();
    const config = vscode.workspace.getConfiguration('powerAgent');
    await config.update('readOnly', true, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.mcp.startServer', '*', { waitForLiveTools: true, autoTrustChanges: true });
    const readOnly = await waitFor(
      () => {
        const names = mcpNames();
        return names.length && !names.some((n) => n.endsWith('pp_delete_environment')) ? names : undefined;
      },
      90000,
      'the read-only tool list',
    );
    const whoami = vscode.lm.tools.find((t) => t.name.startsWith('mcp_') && t.name.endsWith('pp_list_environments'));
    const answer = textOf(await vscode.lm.invokeTool(whoami.name, { input: {}, toolInvocationToken: undefined }));
    await config.update('readOnly', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.mcp.startServer', '*', { waitForLiveTools: true, autoTrustChanges: true });
    const restored = await waitFor(
      () => (mcpNames().some((n) => n.endsWith('pp_delete_environment')) ? mcpNames() : undefined),
      90000,
      'the full tool list again',
    );
    // A safety setting keeps the sandbox and the operations made before it changed.
    const operations = (await (await extension.activate()).host.runtime()).operations.list().map((o) => o.title);
    return { before: before.length, readOnly: readOnly.length, restored: restored.length, answer, operations };
  });
  await step('words', async () => {
    // A refusal reaching a VS Code user names the setting to change, not a CLI flag or variable.
    const outside = require('path').join(require('os').tmpdir(), 'outside-the-workspace.zip');
    const message = await vscode.lm
      .invokeTool('pp_unpack_solution', { input: { zipFile: outside, folder: 'unpacked' }, toolInvocationToken: undefined })
      .then(
        (result) => textOf(result),
        (error) => String(error && error.message),
      );
    return { message };
  });
  report.done = true;
  save();
  return report;
}

/** Runs Stop Waiting on the operation titled `title` once a call waits on it (what the Playwright side clicks). */
async function stopWaitingWhenWaited(extension, title) {
  const runtime = await (await extension.activate()).host.runtime();
  const record = await waitFor(
    () => runtime.operations.list().find((r) => r.title === title && runtime.operations.waiting(r.id) > 0),
    60000,
    'a waited-on operation',
  );
  await vscode.commands.executeCommand('powerAgent.operation.stopWaiting', record);
}

module.exports = { runSuite };
