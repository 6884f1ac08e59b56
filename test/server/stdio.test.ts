import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { HINT_DEFAULTS } from '../../src/server/toolList';
import { allTools } from '../../src/tools';
import { connectCli, eventually, text } from '../helpers';

describe('standalone server over stdio, --sandbox, through the SDK client', () => {
  let client: Client;
  let close: () => Promise<void>;
  let stderr: () => string;
  before(async () => ({ client, close, stderr } = await connectCli(['--sandbox', '--environment', 'contoso-dev'])));
  after(() => close());

  it('says on stderr that it is ready, and nothing more to a client that started it', async () => {
    // stderr is its own pipe: the line may reach us after the answer to initialize did.
    const ready = /^\[power-agent-mcp\] info: power-agent-mcp \S+ is ready on stdio against the local sandbox\.$/m;
    assert.match(
      await eventually(
        () => Promise.resolve(stderr()),
        (text) => ready.test(text),
      ),
      ready,
    );
    assert.doesNotMatch(stderr(), /mcp\.json/);
  });

  it('lists every tool with title, annotations and both schemas', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), allTools.map((t) => t.name).sort());
    for (const tool of tools) {
      assert.match(tool.name, /^pp_[a-z_]+$/);
      assert.ok(tool.title && tool.description && tool.description.length > 80, `${tool.name} needs a title and a real description`);
      assert.equal(tool.inputSchema.type, 'object');
      assert.equal(tool.outputSchema?.type, 'object');
      const declared = allTools.find((t) => t.name === tool.name)!.annotations;
      for (const hint of Object.keys(HINT_DEFAULTS) as Array<keyof typeof HINT_DEFAULTS>) {
        if (hint === 'idempotentHint' && declared.readOnlyHint) continue; // meaningless for a tool that changes nothing
        const sent = tool.annotations?.[hint] ?? HINT_DEFAULTS[hint];
        assert.equal(sent, declared[hint], `${tool.name}.${hint}, the MCP default when left out`);
      }
      assert.equal(typeof tool.annotations?.destructiveHint, 'boolean', `${tool.name} always says whether it is destructive`);
    }
    assert.equal(client.getServerVersion()?.name, 'power-agent-mcp');
  });

  it('pp_list_environments filters by type, region and name', async () => {
    const sandboxes = await client.callTool({ name: 'pp_list_environments', arguments: { type: 'Sandbox' } });
    const names = (sandboxes.structuredContent as { environments: Array<{ displayName: string }> }).environments.map((e) => e.displayName);
    assert.deepEqual(names, ['Contoso Dev', 'Contoso Test']);
    const byRegion = await client.callTool({ name: 'pp_list_environments', arguments: { region: 'eastus' } });
    assert.deepEqual(
      (byRegion.structuredContent as any).environments.map((e: any) => e.displayName),
      ['Contoso Production'],
    );
    const byName = await client.callTool({ name: 'pp_list_environments', arguments: { name: 'TRIAL', limit: 1 } });
    assert.equal((byName.structuredContent as any).matched, 1);
    assert.match(text(byName), /Field Trial \(Trial, unitedkingdom/);
    const limited = await client.callTool({ name: 'pp_list_environments', arguments: { limit: 2 } });
    assert.deepEqual([(limited.structuredContent as any).environments.length, (limited.structuredContent as any).truncated], [2, true]);
  });

  it('pp_get_environment finds an environment by id, display name, domain name and URL', async () => {
    const byName = await client.callTool({ name: 'pp_get_environment', arguments: { environment: 'contoso production' } });
    const env = byName.structuredContent as { id: string; url: string; type: string; protectionLevel: string };
    assert.equal(env.type, 'Production');
    assert.equal(env.protectionLevel, 'Standard');
    for (const ref of [env.id, 'contoso-prod', env.url, `${env.url}/api/data/v9.2/`]) {
      const again = await client.callTool({ name: 'pp_get_environment', arguments: { environment: ref } });
      assert.equal((again.structuredContent as { id: string }).id, env.id, ref);
    }
  });

  it('pp_get_environment says clearly when nothing matches', async () => {
    const missing = await client.callTool({ name: 'pp_get_environment', arguments: { environment: 'Nope' } });
    assert.equal(missing.isError, true);
    assert.match(text(missing), /No environment matches "Nope"[\s\S]*pp_list_environments \(for example: Contoso \(default\)/);
    const unknownId = await client.callTool({
      name: 'pp_get_environment',
      arguments: { environment: '00000000-0000-0000-0000-0000000000ff' },
    });
    assert.match(text(unknownId), /No environment with id 00000000-0000-0000-0000-0000000000ff exists/);
  });

  it('pp_whoami uses the default environment and reports user, business unit, organization and version', async () => {
    const result = await client.callTool({ name: 'pp_whoami', arguments: {} });
    const who = result.structuredContent as Record<string, unknown>;
    assert.equal(who.environmentName, 'Contoso Dev');
    assert.equal(who.isApplicationUser, true);
    assert.equal(who.businessUnitName, 'contoso-dev');
    assert.match(String(who.version), /^9\.2\./);
    assert.equal(who.signedInAs, 'the local sandbox (no sign-in)', 'the sandbox does not talk of service principals');
    assert.match(text(result), /^Signed in to Contoso Dev/);
  });

  it('pp_whoami says an environment without Dataverse has no user', async () => {
    const result = await client.callTool({ name: 'pp_whoami', arguments: { environment: 'Field Trial' } });
    assert.equal(result.isError, true);
    assert.match(text(result), /Field Trial has no Dataverse database/);
  });

  it('every tool answers bad input with an isError result naming the field', async () => {
    const { tools } = await client.listTools();
    for (const tool of tools) {
      const unknown = await client.callTool({ name: tool.name, arguments: { bogusField: 1 } });
      assert.equal(unknown.isError, true, tool.name);
      assert.match(
        text(unknown),
        new RegExp(`Invalid arguments for ${tool.name}:[\\s\\S]*- bogusField: not a field of this tool`),
        tool.name,
      );
      for (const field of Object.keys(tool.inputSchema.properties ?? {})) {
        const wrongType = await client.callTool({ name: tool.name, arguments: { [field]: { nested: true } } });
        assert.equal(wrongType.isError, true, `${tool.name}.${field}`);
        // An object field names the nested key it does not know: "- settings.nested: not a field of settings".
        assert.match(text(wrongType), new RegExp(`- ${field}(\\.nested)?: `), `${tool.name}.${field}`);
        assert.doesNotMatch(text(wrongType), /\n\s+at /, 'no stack trace');
      }
    }
  });

  it('an unknown tool is a protocol error that points to tools/list', async () => {
    await assert.rejects(client.callTool({ name: 'pp_does_not_exist', arguments: {} }), /Unknown tool "pp_does_not_exist"/);
  });
});
