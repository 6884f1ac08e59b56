// The extensionTestsPath of the desktop run (@vscode/test-electron): runs the shared in-extension
// suite inside VS Code desktop, self-driven, then checks its report as the code-server run does.
const { readFileSync } = require('fs');
const { join } = require('path');
const { runSuite } = require('../e2e/probe/suite');
const { checkReport } = require('../e2e/probe/checks');

exports.run = async () => {
  const report = await runSuite({ reportFile: process.env.POWER_AGENT_PROBE_REPORT, selfDrive: true });
  for (const [name, step] of Object.entries(report.steps))
    console.log(`${step.ok ? 'ok' : 'FAILED'} ${name} (${step.ms} ms)${step.ok ? '' : `: ${step.detail}`}`);
  const contributedTools = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).contributes.languageModelTools
    .length;
  checkReport(report, { contributedTools });
};
