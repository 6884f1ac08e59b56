import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generatedContributions } from '../../src/extension/contributions';
import { planSteps } from '../../src/extension/toolSteps';
import { operationItemView } from '../../src/extension/operationItem';
import type { OperationRecord } from '../../src/operations/record';
import type { ToolManifestEntry } from '../../src/server/manifest';
import { ROOT } from '../helpers';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(join(ROOT, 'src', 'server', 'generated', 'toolManifest.json'), 'utf8')) as ToolManifestEntry[];

describe('extension manifest and views, without VS Code', () => {
  it('package.json carries one LM tool and one command per catalog tool, as generated (run npm run contributions when this fails)', () => {
    const generated = generatedContributions(manifest);
    assert.deepEqual(pkg.contributes.languageModelTools, generated.languageModelTools);
    assert.deepEqual(
      pkg.contributes.commands.filter((c: { command: string }) => c.command.startsWith('powerAgent.run.')),
      generated.commands,
    );
    assert.equal(generated.languageModelTools.length, manifest.length);
  });

  it('every local path of the catalog declares its dialog, and a solution given as a file is not offered the solution picker', () => {
    const paths = manifest.flatMap((tool) =>
      Object.keys(tool.inputSchema.properties ?? {})
        .filter((field) => /(File|^folder)$/.test(field))
        .map((field) => [tool, field] as const),
    );
    assert.ok(paths.length >= 15, `${paths.length} path fields`);
    for (const [tool, field] of paths) assert.ok(tool.ui?.paths?.[field], `${tool.name}.${field} has a file dialog`);
    const connection = manifest.find((t) => t.name === 'pp_set_connection_variables')!;
    assert.equal(connection.ui?.paths?.solution?.dialog, 'fileOrFolder');
    assert.ok(!planSteps(connection).some((step) => step.kind === 'solution'), 'its solution is a zip or folder, not a name to pick');
  });

  it("the catalog's UI declarations name real arguments: paths, environments, asked optional fields, pickers; each failed operation kind retries with one tool", () => {
    const retried = new Map<string, string>();
    for (const tool of manifest) {
      const properties = (tool.inputSchema.properties ?? {}) as Record<string, { default?: unknown }>;
      const required = new Set((tool.inputSchema.required as string[] | undefined) ?? []);
      const ui = tool.ui ?? {};
      for (const field of [
        ...Object.keys(ui.paths ?? {}),
        ...Object.keys(ui.environments ?? {}),
        ...Object.keys(ui.pickers ?? {}),
        ...(ui.ask ?? []),
      ]) {
        assert.ok(field in properties, `${tool.name}: ${field} is an argument`);
      }
      for (const field of ui.ask ?? [])
        assert.ok(
          !required.has(field) || properties[field]!.default !== undefined,
          `${tool.name}: ${field} is optional, so asking it is a choice`,
        );
      if (ui.retries) {
        assert.ok(!retried.has(ui.retries), `${ui.retries} is retried by ${retried.get(ui.retries)} and ${tool.name}`);
        retried.set(ui.retries, tool.name);
      }
    }
    assert.equal(retried.get('create_environment'), 'pp_create_environment');
    assert.equal(retried.get('restore_environment'), 'pp_restore_environment');
    assert.ok(retried.size >= 14, `${retried.size} operation kinds can be retried`);
  });

  it('every command a menu names is contributed and registered, and every submenu exists', () => {
    const contributed = new Set((pkg.contributes.commands as Array<{ command: string }>).map((c) => c.command));
    const source = readdirSync(join(ROOT, 'src', 'extension'))
      .map((f) => readFileSync(join(ROOT, 'src', 'extension', f), 'utf8'))
      .join('\n');
    const registered = new Set([...source.matchAll(/registerCommand\(\s*'([^']+)'/g)].map((m) => m[1]));
    for (const command of contributed) {
      if (!command.startsWith('powerAgent.run.')) assert.ok(registered.has(command), `${command} is registered by the extension`);
    }
    const submenus = new Set((pkg.contributes.submenus as Array<{ id: string }>).map((s) => s.id));
    for (const item of Object.values(pkg.contributes.menus as Record<string, Array<{ command?: string; submenu?: string }>>).flat()) {
      if (item.command) assert.ok(contributed.has(item.command), `${item.command} is contributed`);
      if (item.submenu) assert.ok(submenus.has(item.submenu), `${item.submenu} is a submenu`);
    }
  });

  it('walkthrough steps tick on context keys the extension sets, so they follow the state, not a click', () => {
    const source = readdirSync(join(ROOT, 'src', 'extension'))
      .map((f) => readFileSync(join(ROOT, 'src', 'extension', f), 'utf8'))
      .join('\n');
    const keys = new Set([...source.matchAll(/'setContext', '([^']+)'/g)].map((m) => m[1]));
    for (const step of pkg.contributes.walkthroughs[0].steps as Array<{ id: string; completionEvents: string[] }>) {
      assert.ok(step.completionEvents.length > 0, step.id);
      for (const event of step.completionEvents) {
        const key = /^onContext:(\S+)$/.exec(event)?.[1];
        assert.ok(key && keys.has(key), `${step.id}: ${event} is a context key the extension sets`);
      }
    }
  });

  it('tools/list never carries the UI declarations', async () => {
    const { createMcpServer } = await import('../../src/server/mcpServer');
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { InMemoryTransport } = await import('@modelcontextprotocol/sdk/inMemory.js');
    const server = createMcpServer({ manifest, runtime: () => Promise.reject(new Error('not needed')) });
    const client = new Client({ name: 'test', version: '1' });
    const [a, b] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(a), client.connect(b)]);
    const { tools } = await client.listTools();
    assert.equal(tools.length, manifest.length);
    assert.ok(tools.every((tool) => !('ui' in tool)));
    await client.close();
  });

  it('each tool reaches Copilot one way: LM tools only when the setting says so, and changing tools hide in read-only mode', () => {
    const lm = pkg.contributes.languageModelTools as Array<{ name: string; when: string }>;
    for (const tool of lm) assert.match(tool.when, /config\.powerAgent\.toolPath == languageModelTools/);
    assert.match(lm.find((t) => t.name === 'pp_delete_environment')!.when, /!config\.powerAgent\.readOnly/);
    assert.doesNotMatch(lm.find((t) => t.name === 'pp_list_environments')!.when, /readOnly/);
    assert.deepEqual(pkg.contributes.mcpServerDefinitionProviders, [{ id: 'powerAgent', label: 'Power Agent MCP' }]);
    for (const tool of ['pp_delete_environment', 'pp_export_solution', 'pp_import_data']) {
      const menus = Object.values(pkg.contributes.menus as Record<string, Array<{ command?: string; when?: string }>>)
        .flat()
        .filter((m) => m.command === `powerAgent.run.${tool}`);
      assert.ok(
        menus.length > 0 && menus.every((m) => /!config\.powerAgent\.readOnly/.test(m.when ?? '')),
        `${tool} is not offered in menus in read-only mode`,
      );
    }
    assert.equal(pkg.engines.vscode, '^1.101.0');
  });

  it('renders operations for the tree: spinner while running, state colours, context values for the menus', () => {
    const record: OperationRecord = {
      id: 'op-1',
      kind: 'create_environment',
      title: 'Create environment Contoso QA',
      environment: { displayName: 'Contoso QA' },
      state: 'running',
      stage: 'Run (3 of 4)',
      percent: 50,
      createdAt: '2026-11-24T10:00:00.000Z',
      updatedAt: '2026-11-24T10:01:30.000Z',
    };
    const running = operationItemView(record, Date.parse('2026-11-24T10:01:30.000Z'));
    assert.deepEqual(
      [running.icon, running.contextValue, running.description],
      ['loading~spin', 'operation.running', 'running · Run (3 of 4) · 50% · 1 min 30 s'],
    );
    const failed = operationItemView({
      ...record,
      state: 'failed',
      finishedAt: '2026-11-24T10:02:00.000Z',
      error: { message: 'No capacity', code: 'InsufficientCapacity_StorageDriven', hint: 'Free capacity.' },
    });
    assert.deepEqual(
      [failed.icon, failed.color, failed.contextValue, failed.description],
      ['error', 'testing.iconFailed', 'operation.failed', 'failed · 2 min 0 s'],
    );
    assert.match(failed.tooltip, /Error \(InsufficientCapacity_StorageDriven\): No capacity/);

    const waited = operationItemView(record, Date.parse('2026-11-24T10:01:30.000Z'), 1);
    assert.deepEqual(
      [waited.contextValue, waited.description],
      ['operation.running.waiting', 'running · Run (3 of 4) · 50% · 1 min 30 s · a call waits'],
    );
    // The menus' `when` clauses must match these context values, or the actions never show.
    const actions = (command: string, contextValue: string) => {
      const menus = (pkg.contributes.menus['view/item/context'] as Array<{ command: string; when: string }>).filter(
        (m) => m.command === command,
      );
      return menus.some((m) => {
        const regex = /viewItem =~ \/(.+)\/$/.exec(m.when)?.[1];
        const equal = /viewItem == (\S+)/.exec(m.when)?.[1];
        return regex ? new RegExp(regex).test(contextValue) : equal === contextValue;
      });
    };
    assert.equal(actions('powerAgent.operation.stopWaiting', waited.contextValue), true);
    assert.equal(actions('powerAgent.operation.stopWaiting', running.contextValue), false, 'nothing to stop when nobody waits');
    assert.equal(actions('powerAgent.operation.follow', waited.contextValue), true);
    assert.equal(actions('powerAgent.operation.retry', failed.contextValue), true);
    assert.equal(
      actions('powerAgent.operation.stopWaiting', operationItemView({ ...record, state: 'succeeded' }, Date.now(), 1).contextValue),
      false,
    );
  });
});
