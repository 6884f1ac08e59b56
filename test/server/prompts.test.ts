import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { connectInProcess, type ClientSession } from '../helpers';

const messageText = (result: { messages: Array<{ content: { type: string; text?: string } }> }) =>
  result.messages.map((m) => m.content.text ?? '').join('\n');

describe('prompts and completions through the SDK client', () => {
  let session: ClientSession;
  before(async () => (session = await connectInProcess(['--sandbox'], {})));
  after(() => session.close());

  it('lists the five ALM workflows, each with a title, a description and its arguments', async () => {
    const { prompts } = await session.client.listPrompts();
    assert.deepEqual(
      prompts.map((p) => p.name),
      ['promote_solution', 'backup_then_upgrade', 'add_user_with_role', 'check_environment', 'move_pages_site'],
    );
    for (const prompt of prompts)
      assert.ok(prompt.title && prompt.description && prompt.arguments?.every((a) => a.description), prompt.name);
    const promote = prompts[0]!;
    assert.deepEqual(
      promote.arguments!.map((a) => [a.name, a.required]),
      [
        ['solution', true],
        ['source', true],
        ['target', true],
        ['settingsFile', false],
      ],
    );
  });

  it('a prompt is a short plan with the arguments filled in, naming the tools in order', async () => {
    const promote = await session.client.getPrompt({
      name: 'promote_solution',
      arguments: { solution: 'ContosoCore', source: 'Contoso Dev', target: 'Contoso Test', settingsFile: 'settings/test.json' },
    });
    const text = messageText(promote);
    assert.equal(promote.messages[0]!.role, 'user');
    assert.match(text, /^Promote the solution ContosoCore from Contoso Dev to Contoso Test:/);
    assert.deepEqual(text.match(/pp_[a-z_]+/g), [
      'pp_export_solution',
      'pp_solution_checker',
      'pp_import_solution',
      'pp_list_solutions',
      'pp_get_operation',
    ]);
    assert.match(text, /settingsFile settings\/test\.json/);
    assert.ok(text.length < 800, `${text.length} characters`);
    const withoutSettings = messageText(
      await session.client.getPrompt({
        name: 'promote_solution',
        arguments: { solution: 'ContosoCore', source: 'Contoso Dev', target: 'Contoso Test' },
      }),
    );
    assert.match(withoutSettings, /pp_set_connection_variables/);

    const upgrade = messageText(
      await session.client.getPrompt({
        name: 'backup_then_upgrade',
        arguments: { environment: 'Contoso Test', solution: 'ContosoCore', zipFile: 'core_managed.zip' },
      }),
    );
    assert.ok(upgrade.indexOf('pp_backup_environment') < upgrade.indexOf('pp_import_solution'), 'the backup comes first');
    const move = messageText(
      await session.client.getPrompt({
        name: 'move_pages_site',
        arguments: { site: 'Contoso Portal', source: 'Contoso Dev', target: 'Contoso Test' },
      }),
    );
    assert.match(move, /into the folder pages\/Contoso Portal/);
  });

  it('a missing or unknown argument, or an unknown prompt, is an InvalidParams error that names it', async () => {
    const missing = (await session.client.getPrompt({ name: 'check_environment', arguments: {} }).catch((e: unknown) => e)) as McpError;
    assert.equal(missing.code, ErrorCode.InvalidParams);
    assert.equal(missing.message, 'MCP error -32602: check_environment needs environment.');
    const unknown = (await session.client
      .getPrompt({ name: 'check_environment', arguments: { environment: 'Contoso Dev', colour: 'blue' } })
      .catch((e: unknown) => e)) as McpError;
    assert.match(unknown.message, /colour: not an argument of check_environment\. Arguments: environment\./);
    const noPrompt = (await session.client.getPrompt({ name: 'make_coffee' }).catch((e: unknown) => e)) as McpError;
    assert.match(noPrompt.message, /Unknown prompt "make_coffee"\. Prompts: promote_solution, /);
  });

  it('completes environment names for prompt arguments, best matches first', async () => {
    const { completion } = await session.client.complete({
      ref: { type: 'ref/prompt', name: 'promote_solution' },
      argument: { name: 'target', value: 'contoso t' },
    });
    assert.deepEqual(completion.values, ['Contoso Test']);
    const all = await session.client.complete({
      ref: { type: 'ref/prompt', name: 'check_environment' },
      argument: { name: 'environment', value: '' },
    });
    assert.ok(all.completion.values.includes('Contoso Production') && all.completion.values.includes('Field Trial'));
    const inside = await session.client.complete({
      ref: { type: 'ref/prompt', name: 'check_environment' },
      argument: { name: 'environment', value: 'trial' },
    });
    assert.deepEqual(inside.completion.values, ['Field Trial'], 'a match inside the name counts too');
  });

  it('completes solution names of the environment another argument names', async () => {
    const { completion } = await session.client.complete({
      ref: { type: 'ref/prompt', name: 'promote_solution' },
      argument: { name: 'solution', value: 'contoso' },
      context: { arguments: { source: 'Contoso Dev' } },
    });
    assert.ok(completion.values.includes('ContosoCore'), completion.values.join(', '));
    assert.ok(completion.values.every((v) => v.toLowerCase().includes('contoso')));
  });

  it('completes fixed values, resource template variables, and gives nothing (not an error) for what it does not know', async () => {
    const roles = await session.client.complete({
      ref: { type: 'ref/prompt', name: 'add_user_with_role' },
      argument: { name: 'role', value: 'sys' },
    });
    assert.deepEqual(roles.completion.values, ['System Customizer', 'System Administrator']);
    const environment = await session.client.complete({
      ref: { type: 'ref/resource', uri: 'power-agent://environments/{environment}' },
      argument: { name: 'environment', value: 'Contoso D' },
    });
    assert.deepEqual(environment.completion.values, ['Contoso Dev']);
    const free = await session.client.complete({
      ref: { type: 'ref/prompt', name: 'add_user_with_role' },
      argument: { name: 'user', value: 'a' },
    });
    assert.deepEqual(free.completion.values, []);
    const unknown = await session.client.complete({
      ref: { type: 'ref/prompt', name: 'no_such_prompt' },
      argument: { name: 'x', value: '' },
    });
    assert.deepEqual(unknown.completion.values, []);
  });

  it('completions keep to the allowed environments', async () => {
    const limited = await connectInProcess(['--sandbox', '--allowed-environments', 'Contoso Dev,Contoso Test'], {});
    try {
      const { completion } = await limited.client.complete({
        ref: { type: 'ref/prompt', name: 'check_environment' },
        argument: { name: 'environment', value: '' },
      });
      assert.deepEqual([...completion.values].sort(), ['Contoso Dev', 'Contoso Test']);
    } finally {
      await limited.close();
    }
  });
});
