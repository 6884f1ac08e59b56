// The test-only probe extension for the code-server run: its command runs the shared suite and
// writes the report to POWER_AGENT_PROBE_REPORT, which the Playwright test reads.
const vscode = require('vscode');
const { runSuite } = require('./suite');

exports.activate = (context) => {
  context.subscriptions.push(
    vscode.commands.registerCommand('powerAgentProbe.run', () => runSuite({ reportFile: process.env.POWER_AGENT_PROBE_REPORT })),
  );
};
exports.deactivate = () => {};
