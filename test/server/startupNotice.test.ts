import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startupNotice } from '../../src/server/startupNotice';

describe('what the stdio server says when it is ready', () => {
  it('tells a person at a terminal how to connect a client to this very file, with the same mode', () => {
    const lines = startupNotice('1.2.3', true, true, '/opt/power agent/dist/cli.js');
    assert.equal(lines[0], 'power-agent-mcp 1.2.3 is ready on stdio against the local sandbox.');
    const text = lines.join('\n');
    assert.match(text, /command "node" and args \["\/opt\/power agent\/dist\/cli\.js","--sandbox"\]/);
    const config = JSON.parse(text.slice(text.indexOf('{'), text.lastIndexOf('}') + 1));
    assert.deepEqual(config.servers['power-agent'], {
      type: 'stdio',
      command: 'node',
      args: ['/opt/power agent/dist/cli.js', '--sandbox'],
    });
  });

  it('leaves --sandbox out for a server signed in to a tenant, and writes a Windows path as JSON', () => {
    const lines = startupNotice('1.2.3', false, true, String.raw`C:\tools\cli.js`);
    assert.equal(lines[0], 'power-agent-mcp 1.2.3 is ready on stdio.');
    assert.ok(lines.includes(String.raw`  command "node" and args ["C:\\tools\\cli.js"]`), lines.join('\n'));
  });

  it('says only that it is ready to a client that started it', () => {
    assert.deepEqual(startupNotice('1.2.3', false, false, '/x/cli.js'), ['power-agent-mcp 1.2.3 is ready on stdio.']);
  });
});
