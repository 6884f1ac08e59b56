import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { dataTables } from '../../src/sandbox/dataTables';
import { connectCli, text, withSandbox } from '../helpers';
import { ACCOUNT, CONTACT, accountsAndContacts, dataXml, schemaXml, writeDataFile } from './files';

interface ImportResult {
  done: boolean;
  resume: string | null;
  entities: Array<{ name: string; imported: number }>;
}

describe('a partial import finished by another server process', () => {
  it('keeps the progress in the state directory, owner-only, and the next server finishes it from the id alone', async () => {
    const root = mkdtempSync(join(tmpdir(), 'power-agent-resume-servers-'));
    try {
      await withSandbox({}, async (sandbox) => {
        const file = await writeDataFile(root, 'data.zip', schemaXml([ACCOUNT, CONTACT]), dataXml(accountsAndContacts(100)));
        const env = { ...sandbox.env(), POWERAGENT_STATE_DIR: join(root, 'state') };
        const args = ['--allowed-folders', root];
        const call = {
          name: 'pp_import_data',
          arguments: { environment: 'Contoso Dev', dataFile: file, batchSize: 25, timeBudgetSeconds: 5 },
        };
        // The contacts are throttled past the budget: the first server stops with the accounts in.
        sandbox.faults.add({ kind: 'throttle', path: 'contacts/Microsoft.Dynamics.CRM.UpsertMultiple', retryAfterSeconds: 900 });
        const first = await connectCli(args, env);
        let partial: ImportResult;
        try {
          const result = await first.client.callTool(call);
          partial = result.structuredContent as ImportResult;
          assert.equal(partial.done, false, text(result));
        } finally {
          await first.close();
        }
        const imports = join(root, 'state', 'imports');
        assert.deepEqual(readdirSync(imports), [`${partial.resume}.json`]);
        assert.equal(statSync(join(imports, `${partial.resume}.json`)).mode & 0o777, 0o600);

        sandbox.faults.clear();
        const from = sandbox.requests.length;
        const second = await connectCli(args, env);
        try {
          const result = await second.client.callTool({ ...call, arguments: { ...call.arguments, resume: partial.resume } });
          const done = result.structuredContent as ImportResult;
          assert.equal(done.done, true, text(result));
          assert.deepEqual(
            done.entities.map((e) => [e.name, e.imported]),
            [
              ['account', 100],
              ['contact', 100],
            ],
          );
        } finally {
          await second.close();
        }
        const written = sandbox.requests.slice(from).filter((r) => r.path.endsWith('UpsertMultiple') && r.status === 204);
        assert.deepEqual(
          [...new Set(written.map((r) => r.path.split('/').at(-2)))],
          ['contacts'],
          'the accounts the first server wrote are not written again',
        );
        const org = [...sandbox.tenant.environments.values()].find((e) => e.record.properties?.displayName === 'Contoso Dev')!.org!;
        assert.deepEqual(
          ['account', 'contact'].map((table) => dataTables(org).get(table)!.rows.size),
          [100, 100],
        );
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('where the progress cannot be kept, says so and how to finish, with no resume', async () => {
    const root = mkdtempSync(join(tmpdir(), 'power-agent-resume-servers-'));
    try {
      await withSandbox({}, async (sandbox) => {
        const file = await writeDataFile(root, 'data.zip', schemaXml([ACCOUNT, CONTACT]), dataXml(accountsAndContacts(30)));
        // The state directory is a file: no folder can be made in it.
        writeFileSync(join(root, 'state'), 'not a folder');
        sandbox.faults.add({ kind: 'throttle', path: 'contacts/Microsoft.Dynamics.CRM.UpsertMultiple', retryAfterSeconds: 900 });
        const server = await connectCli(['--allowed-folders', root], { ...sandbox.env(), POWERAGENT_STATE_DIR: join(root, 'state') });
        try {
          const result = await server.client.callTool({
            name: 'pp_import_data',
            arguments: { environment: 'Contoso Dev', dataFile: file },
          });
          const partial = result.structuredContent as ImportResult & { notes: string[] };
          assert.deepEqual([partial.done, partial.resume, result.isError], [false, null, true]);
          assert.match(
            text(result),
            /The progress of this partial import could not be kept \(.+\), so there is no resume: call pp_import_data again without it/,
          );
          assert.equal(partial.notes.filter((note) => note.includes('could not be kept')).length, 1);
          assert.equal(partial.entities[0]!.imported, 30, 'what was imported is still reported');
        } finally {
          await server.close();
        }
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
