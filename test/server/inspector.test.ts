import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CLI, ROOT, childEnv } from '../helpers';

const run = promisify(execFile);
const inspectorDir = join(ROOT, 'node_modules', '@modelcontextprotocol', 'inspector-cli', 'build');

/** Runs the MCP Inspector CLI. Its cwd is its own folder: it looks up its package.json relative to the cwd. */
async function inspector(args: string[]): Promise<any> {
  const { stdout } = await run(process.execPath, [join(inspectorDir, 'index.js'), process.execPath, CLI, '--sandbox', ...args], {
    cwd: inspectorDir,
    timeout: 60_000,
    env: childEnv(),
  });
  return JSON.parse(stdout);
}

describe('MCP Inspector CLI against power-agent-mcp --sandbox', () => {
  it('lists the tools', async () => {
    const { tools } = await inspector(['--method', 'tools/list']);
    assert.ok(tools.some((t: { name: string }) => t.name === 'pp_whoami'));
    assert.ok(tools.every((t: { inputSchema: { type: string } }) => t.inputSchema.type === 'object'));
  });

  it('calls pp_whoami', async () => {
    const result = await inspector(['--method', 'tools/call', '--tool-name', 'pp_whoami', '--tool-arg', 'environment=Contoso Test']);
    assert.equal(result.isError, undefined);
    assert.equal(result.structuredContent.environmentName, 'Contoso Test');
    assert.match(result.content[0].text, /^Signed in to Contoso Test/);
  });
});
