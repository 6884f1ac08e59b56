import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { McpError, ResourceListChangedNotificationSchema, ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { ENVIRONMENTS_URI, OPERATIONS_URI, RESOURCE_NOT_FOUND } from '../../src/server/resources';
import { text } from '../helpers';
import { structured, withHarness } from '../lifecycle/harness';

const readJson = async (
  client: { readResource(p: { uri: string }): Promise<{ contents: Array<{ text?: unknown; mimeType?: string }> }> },
  uri: string,
) => {
  const { contents } = await client.readResource({ uri });
  assert.equal(contents[0]!.mimeType, 'application/json');
  return JSON.parse(contents[0]!.text as string);
};

describe('resources through the SDK client', () => {
  let work: string;
  before(() => (work = mkdtempSync(join(tmpdir(), 'power-agent-resources-'))));
  after(() => rmSync(work, { recursive: true, force: true }));

  it('lists environments and operations, and the templates for one of each', async () => {
    await withHarness(async (h) => {
      const { client } = await h.connect();
      assert.deepEqual(client.getServerCapabilities()?.resources, { subscribe: true, listChanged: true });
      const { resources } = await client.listResources();
      assert.deepEqual(
        resources.map((r) => r.uri),
        [ENVIRONMENTS_URI, OPERATIONS_URI],
      );
      assert.ok(resources.every((r) => r.name && r.description && r.mimeType === 'application/json'));
      const { resourceTemplates } = await client.listResourceTemplates();
      assert.deepEqual(
        resourceTemplates.map((t) => t.uriTemplate),
        ['power-agent://environments/{environment}', 'power-agent://operations/{id}'],
      );
    });
  });

  it('reads the environments, one environment by name or id, and says when one does not exist', async () => {
    await withHarness(async (h) => {
      const { client } = await h.connect();
      const all = await readJson(client, ENVIRONMENTS_URI);
      const dev = all.environments.find((e: { displayName: string }) => e.displayName === 'Contoso Dev');
      assert.ok(dev, 'Contoso Dev is listed');
      assert.equal((await readJson(client, `${ENVIRONMENTS_URI}/Contoso%20Dev`)).id, dev.id);
      assert.equal((await readJson(client, `${ENVIRONMENTS_URI}/${dev.id}`)).displayName, 'Contoso Dev');
      const missing = (await client.readResource({ uri: `${ENVIRONMENTS_URI}/Nowhere` }).catch((e: unknown) => e)) as McpError;
      assert.equal(missing.code, RESOURCE_NOT_FOUND);
      assert.match(missing.message, /No environment matches "Nowhere"/);
      const unknown = (await client.readResource({ uri: 'power-agent://widgets' }).catch((e: unknown) => e)) as McpError;
      assert.equal(unknown.code, RESOURCE_NOT_FOUND);
    });
  });

  it('a subscribed operation is announced at every change until it ends, and an unsubscribed one is not', async () => {
    await withHarness(async (h) => {
      const session = await h.connect();
      const { client } = session;
      const updates: string[] = [];
      let listChanged = 0;
      let onUpdate: (uri: string) => void = () => undefined;
      client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => {
        updates.push(n.params.uri);
        onUpdate(n.params.uri);
      });
      client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void listChanged++);

      await client.subscribeResource({ uri: OPERATIONS_URI });
      await client.unsubscribeResource({ uri: OPERATIONS_URI });
      // A create runs in stages for a few seconds in the sandbox, long enough to subscribe after it started.
      const started = await h.call(session, 'pp_create_environment', { displayName: 'Contoso Subscribed', waitSeconds: 0 });
      const id = structured(started).id as string;
      const uri = `${OPERATIONS_URI}/${id}`;
      const states: string[] = [];
      const ended = new Promise<void>((resolve) => {
        onUpdate = (changed) => {
          if (changed !== uri) return;
          void readJson(client, uri).then((op) => {
            states.push(op.state);
            if (op.done) resolve();
          });
        };
      });
      await client.subscribeResource({ uri });
      assert.equal((await readJson(client, uri)).done, false, 'still running when subscribed');
      await ended;
      assert.ok(states.length >= 2, `updates at each stage: ${states.join(', ')}`);
      assert.equal(states.at(-1), 'succeeded');
      assert.ok(!updates.includes(OPERATIONS_URI), 'the list was unsubscribed');
      assert.ok(listChanged >= 1, 'a new operation changes the resource list');
      const listed = (await client.listResources()).resources.find((r) => r.uri === uri);
      assert.match(listed?.title ?? '', /Create environment Contoso Subscribed/);
      assert.equal((await readJson(client, OPERATIONS_URI)).operations[0].id, id);
    });
  });

  it('the files the tools wrote are readable through resources/read, and only those', async () => {
    await withHarness(async (h) => {
      const session = await h.connect(['--allowed-folders', work]);
      const { client } = session;
      const exported = await h.call(session, 'pp_export_solution', {
        environment: 'Contoso Dev',
        solution: 'ContosoCore',
        zipFile: 'core.zip',
        waitSeconds: 60,
      });
      assert.equal(exported.isError, undefined, text(exported));
      const link = exported.content.find((c) => c.type === 'resource_link') as { uri: string } | undefined;
      assert.equal(link?.uri, pathToFileURL(join(work, 'core.zip')).href);
      const zip = (await client.readResource({ uri: link.uri })).contents[0] as { mimeType?: string; blob?: string };
      assert.equal(zip.mimeType, 'application/zip');
      assert.equal(
        Buffer.from(zip.blob as string, 'base64')
          .subarray(0, 2)
          .toString(),
        'PK',
      );
      assert.ok((await client.listResources()).resources.some((r) => r.uri === link.uri && r.name === 'core.zip'));

      const checked = await h.call(session, 'pp_solution_checker', {
        zipFile: 'core.zip',
        environment: 'Contoso Dev',
        sarifFile: 'core.sarif',
        waitSeconds: 60,
      });
      assert.equal(structured(checked).state, 'succeeded', text(checked));
      const sarif = (await client.readResource({ uri: pathToFileURL(join(work, 'core.sarif')).href })).contents[0] as {
        mimeType?: string;
        text?: string;
      };
      assert.equal(sarif.mimeType, 'application/sarif+json');
      assert.equal(JSON.parse(sarif.text as string).version, '2.1.0');

      writeFileSync(join(work, 'notes.json'), '{}');
      const other = (await client.readResource({ uri: pathToFileURL(join(work, 'notes.json')).href }).catch((e: unknown) => e)) as McpError;
      assert.equal(other.code, RESOURCE_NOT_FOUND);
      assert.match(other.message, /is not a file this server's tools wrote/);
      const outside = (await client.readResource({ uri: 'file:///etc/passwd' }).catch((e: unknown) => e)) as McpError;
      assert.equal(outside.code, RESOURCE_NOT_FOUND);
    });
  });
});
