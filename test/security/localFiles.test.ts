import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { silentLogger } from '../../src/log';
import { PlatformError } from '../../src/platform/errors';
import { HttpClient } from '../../src/platform/http';
import { SolutionFileError } from '../../src/solutions/errors';
import { ZipReader } from '../../src/solutions/zipReader';
import { zipToBuffer } from '../../src/solutions/zipWriter';
import { text } from '../helpers';
import { prepareInputs, startToolHost, type ToolHost } from './toolHost';

const BUG = /bug in Power Agent MCP/;

/** A zip whose central directory declares `size` bytes for `member`, whatever its data holds. */
function withDeclaredSize(zip: Buffer, member: string, size: number): Buffer {
  const patched = Buffer.from(zip);
  const centralEntry = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
  for (let at = patched.indexOf(centralEntry); at >= 0; at = patched.indexOf(centralEntry, at + 4)) {
    const nameLength = patched.readUInt16LE(at + 28);
    if (patched.toString('utf8', at + 46, at + 46 + nameLength) === member) {
      patched.writeUInt32LE(size, at + 24);
      return patched;
    }
  }
  throw new Error(`${member} is not in the zip`);
}

/** Calls a tool, but gives up after `ms`: a call that hangs is a failure, not a stuck test. */
async function bounded(call: Promise<CallToolResult>, ms = 10_000): Promise<CallToolResult | 'hung'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => (timer = setTimeout(() => resolve('hung'), ms)));
  try {
    return await Promise.race([call, hung]);
  } finally {
    clearTimeout(timer);
  }
}

describe('local files', () => {
  let host: ToolHost;
  let outside: string;
  before(async () => {
    host = await startToolHost();
    await prepareInputs(host);
    outside = mkdtempSync(join(tmpdir(), 'power-agent-outside-'));
  });
  after(async () => {
    await host.close();
    rmSync(outside, { recursive: true, force: true });
  });

  describe('stay inside the allowed folders', () => {
    it('unpacking into the allowed folder itself stages inside it, never in its parent', async () => {
      const root = join(host.work, 'root-only');
      mkdirSync(root);
      writeFileSync(join(root, 'core.zip'), readFileSync(join(host.work, 'core.zip')));
      const seen: string[] = [];
      const watcher = watch(host.work, (_event, name) => seen.push(String(name)));
      try {
        const result = await host.call(
          'pp_unpack_solution',
          { zipFile: 'core.zip', folder: root, overwrite: true },
          { allowedFolders: [root] },
        );
        assert.equal(result.isError, undefined, text(result));
        assert.ok(existsSync(join(root, 'Other', 'Solution.xml')));
        // Events arrive in order: once the marker's is seen, any event of the unpack would have been too.
        const marker = new Promise<void>((resolve) => watcher.on('change', (_event, name) => String(name) === 'marker' && resolve()));
        writeFileSync(join(host.work, 'marker'), '');
        await marker;
      } finally {
        watcher.close();
      }
      assert.deepEqual(
        seen.filter((name) => name !== 'marker'),
        [],
        'the parent of the allowed folder was written',
      );
      assert.deepEqual(
        readdirSync(root).filter((name) => name.startsWith('.')),
        [],
        'the staging folder was removed',
      );
    });

    it('a write through a link that leaves them is refused, also when the link points at nothing yet', async () => {
      symlinkSync(join(outside, 'escape.zip'), join(host.work, 'escape.zip'));
      symlinkSync(join(outside, 'escape.json'), join(host.work, 'escape.json'));
      symlinkSync(join(outside, 'escape.sarif'), join(host.work, 'escape.sarif'));
      mkdirSync(join(host.work, 'linked'));
      mkdirSync(join(outside, 'Other'));
      symlinkSync(join(outside, 'Other'), join(host.work, 'linked', 'Other'));
      const calls: Array<[string, Record<string, unknown>, string]> = [
        ['pp_pack_solution', { folder: 'unpacked', zipFile: 'escape.zip' }, 'zipFile'],
        [
          'pp_export_solution',
          { environment: 'Contoso Dev', solution: 'ContosoCore', zipFile: 'escape.zip', overwrite: true, waitSeconds: 0 },
          'zipFile',
        ],
        ['pp_set_connection_variables', { solution: 'core.zip', settingsFile: 'escape.json' }, 'settingsFile'],
        [
          'pp_solution_checker',
          { zipFile: 'core.zip', environment: 'Contoso Dev', sarifFile: 'escape.sarif', waitSeconds: 0 },
          'sarifFile',
        ],
        ['pp_unpack_solution', { zipFile: 'core.zip', folder: 'linked', overwrite: true }, 'folder'],
      ];
      for (const [name, args, field] of calls) {
        const result = await host.call(name, args);
        assert.equal(result.isError, true, `${name}: ${text(result)}`);
        assert.match(text(result), new RegExp(`^${field}: `), name);
        assert.doesNotMatch(text(result), BUG);
      }
      assert.deepEqual(readdirSync(outside).sort(), ['Other']);
      assert.deepEqual(readdirSync(join(outside, 'Other')), []);
    });

    it('a read through a link that leaves them is refused without showing what is there', async () => {
      writeFileSync(join(outside, 'secret-settings.json'), '{"EnvironmentVariables":[{"SchemaName":"topsecretvalue"}]}');
      symlinkSync(join(outside, 'secret-settings.json'), join(host.work, 'innocent.json'));
      const result = await host.call('pp_import_solution', {
        environment: 'Contoso Test',
        zipFile: 'core.zip',
        settingsFile: 'innocent.json',
      });
      assert.match(text(result), /^settingsFile: innocent\.json is outside the folders this server may use/);
      assert.doesNotMatch(text(result), /topsecretvalue/);
    });

    it('a named pipe (FIFO) given as a file is refused at once, wherever a file is read', async () => {
      const pipes = ['pipe.zip', 'pipe.json'].map((name) => join(host.work, name));
      for (const pipe of pipes) execFileSync('mkfifo', [pipe]);
      try {
        const calls: Array<[string, Record<string, unknown>, string]> = [
          ['pp_unpack_solution', { zipFile: 'pipe.zip', folder: 'from-pipe' }, 'zipFile'],
          ['pp_import_solution', { environment: 'Contoso Test', zipFile: 'pipe.zip' }, 'zipFile'],
          ['pp_import_solution', { environment: 'Contoso Test', zipFile: 'core.zip', settingsFile: 'pipe.json' }, 'settingsFile'],
          ['pp_solution_checker', { zipFile: 'pipe.zip', environment: 'Contoso Dev', waitSeconds: 0 }, 'zipFile'],
          ['pp_deploy_package', { environment: 'Contoso Test', packageFile: 'pipe.zip', waitSeconds: 0 }, 'packageFile'],
          ['pp_submit_catalog', { catalog: 'Contoso (default)', submissionFile: 'pipe.json', waitSeconds: 0 }, 'submissionFile'],
          ['pp_set_connection_variables', { solution: 'pipe.zip', settingsFile: 'settings-from-pipe.json' }, 'solution'],
        ];
        for (const [name, args, field] of calls) {
          const result = await bounded(host.call(name, args));
          assert.notEqual(result, 'hung', `${name} hung on a FIFO`);
          assert.match(text(result), new RegExp(`^${field}: pipe\\.(zip|json) is a named pipe \\(FIFO\\)`), name);
        }
        // Below the tools too: a path swapped for a pipe after the check is refused when opened.
        await assert.rejects(ZipReader.open(pipes[0]!), (error: SolutionFileError) => error.code === 'NotAFile');
      } finally {
        // Let any reader that did block see the end of the pipe, so nothing stays stuck.
        for (const pipe of pipes) {
          try {
            closeSync(openSync(pipe, constants.O_WRONLY | constants.O_NONBLOCK));
          } catch {
            // no reader: nothing to release
          }
        }
      }
    });
  });

  describe('ordinary bad input is a clear error naming the field, not a bug', () => {
    async function expectClear(name: string, args: Record<string, unknown>, field: string, pattern?: RegExp): Promise<string> {
      const result = await host.call(name, args);
      const said = text(result);
      assert.equal(result.isError, true, `${name}: ${said}`);
      assert.match(said, new RegExp(`^${field}: `), `${name} names ${field}: ${said}`);
      assert.doesNotMatch(said, BUG);
      assert.doesNotMatch(said, /\n\s+at /);
      if (pattern) assert.match(said, pattern);
      return said;
    }

    it('a file and a folder swapped (EISDIR, ENOTDIR)', async () => {
      await expectClear('pp_unpack_solution', { zipFile: 'unpacked', folder: 'x' }, 'zipFile', /is a folder/);
      await expectClear('pp_unpack_solution', { zipFile: 'core.zip', folder: 'core.zip' }, 'folder', /is a file/);
      await expectClear(
        'pp_unpack_solution',
        { zipFile: 'core.zip', folder: 'core.zip/sub' },
        'folder',
        /core\.zip is a file, not a folder/,
      );
      await expectClear('pp_pack_solution', { folder: 'core.zip', zipFile: 'p.zip' }, 'folder', /is a file/);
      await expectClear('pp_pack_solution', { folder: 'unpacked', zipFile: 'unpacked' }, 'zipFile', /is a folder/);
      await expectClear('pp_import_solution', { environment: 'Contoso Test', zipFile: 'unpacked' }, 'zipFile', /is a folder/);
      await expectClear('pp_deploy_package', { environment: 'Contoso Test', packageFile: 'unpacked' }, 'packageFile', /is a folder/);
      await expectClear(
        'pp_export_solution',
        { environment: 'Contoso Dev', solution: 'ContosoCore', zipFile: 'core.zip/x.zip', waitSeconds: 0 },
        'zipFile',
        /is a file, not a folder/,
      );
    });

    it('the checker is given a folder: a file problem, not a network error', async () => {
      const said = await expectClear(
        'pp_solution_checker',
        { zipFile: 'unpacked', environment: 'Contoso Dev', waitSeconds: 0 },
        'zipFile',
        /is a folder/,
      );
      assert.doesNotMatch(said, /NetworkError|connection/i);
    });

    it('a name too long for the file system (ENAMETOOLONG)', async () => {
      await expectClear('pp_unpack_solution', { zipFile: 'core.zip', folder: 'n'.repeat(240) }, 'folder', /too long/);
      await expectClear('pp_unpack_solution', { zipFile: `${'z'.repeat(300)}.zip`, folder: 'x' }, 'zipFile', /too long/);
      await expectClear(
        'pp_export_solution',
        { environment: 'Contoso Dev', solution: 'ContosoCore', zipFile: `${'e'.repeat(250)}.zip`, waitSeconds: 0 },
        'zipFile',
        /too long/,
      );
    });

    it('a missing file where a file system error is raised deep down (a missing schema file)', async () => {
      await expectClear(
        'pp_export_data',
        { environment: 'Contoso Dev', schemaFile: 'missing_schema.xml', dataFile: 'out.zip' },
        'schemaFile',
        /does not exist/,
      );
    });

    it('a zip whose directory declares a smaller size than its data holds', async () => {
      const core = readFileSync(join(host.work, 'core.zip'));
      const customizations = (
        await ZipReader.open(join(host.work, 'core.zip')).then(async (zip) => [zip.size('customizations.xml'), zip.close()])
      )[0] as number;
      writeFileSync(join(host.work, 'lying.zip'), withDeclaredSize(core, 'customizations.xml', customizations - 10));
      await expectClear('pp_unpack_solution', { zipFile: 'lying.zip', folder: 'from-lying' }, 'zipFile', /could not be read safely/);
      assert.ok(!existsSync(join(host.work, 'from-lying')), 'nothing was unpacked');
    });

    it('a file name with ".." in an unpacked folder, on pack', async () => {
      const result = await host.call('pp_unpack_solution', { zipFile: 'core.zip', folder: 'dotdot' });
      assert.equal(result.isError, undefined, text(result));
      const folder = join(host.work, 'dotdot');
      const customizations = join(folder, 'Other', 'Customizations.xml');
      writeFileSync(
        customizations,
        readFileSync(customizations, 'utf8').replace(/<ImportExportXml([^>]*)>/, '<ImportExportXml$1><WebResources />'),
      );
      mkdirSync(join(folder, 'WebResources', 'contoso_'), { recursive: true });
      writeFileSync(join(folder, 'WebResources', 'contoso_', 'x.js'), 'alert(1)');
      writeFileSync(
        join(folder, 'WebResources', 'contoso_', 'x.js.data.xml'),
        '<WebResource><Name>contoso_/x.js</Name><FileName>/../../evil.js</FileName><WebResourceType>3</WebResourceType></WebResource>',
      );
      await expectClear(
        'pp_pack_solution',
        { folder: 'dotdot', zipFile: 'dotdot.zip' },
        'folder',
        /"\.\.\/\.\.\/evil\.js".*outside the solution; nothing was packed/,
      );
      assert.ok(!existsSync(join(host.work, 'dotdot.zip')));
    });

    it('a customizations.xml far too large to read (700 MB), in a zip and in a folder', async () => {
      // The zip declares 700 MB for 1 MB of data that does not compress, so no zip-bomb rule stops it first.
      const noise = randomBytes(1024 * 1024);
      const zip = await zipToBuffer([
        { name: 'solution.xml', data: readFileSync(join(host.work, 'unpacked', 'Other', 'Solution.xml')) },
        { name: 'customizations.xml', data: noise },
      ]);
      writeFileSync(join(host.work, 'huge.zip'), withDeclaredSize(zip, 'customizations.xml', 700 * 1024 * 1024));
      await expectClear('pp_unpack_solution', { zipFile: 'huge.zip', folder: 'from-huge' }, 'zipFile', /700 MB of XML, over the 256 MB/);
      const result = await host.call('pp_unpack_solution', { zipFile: 'core.zip', folder: 'huge-src' });
      assert.equal(result.isError, undefined, text(result));
      truncateSync(join(host.work, 'huge-src', 'Other', 'Customizations.xml'), 700 * 1024 * 1024); // sparse: no disk used
      await expectClear('pp_pack_solution', { folder: 'huge-src', zipFile: 'huge-out.zip' }, 'folder', /700 MB of XML/);
    });

    it('an upload body that cannot be read from disk is a file error, not a network error', async () => {
      const http = new HttpClient({
        logger: silentLogger,
        userAgent: 'test',
        retry: { baseDelayMs: 1, maxDelayMs: 1 },
        extraCaCerts: [host.sandbox.certificatePem],
      });
      try {
        const failing = async function* (): AsyncIterable<Uint8Array> {
          yield Buffer.from('x');
          throw Object.assign(new Error('EISDIR: illegal operation on a directory, read'), { code: 'EISDIR', syscall: 'read' });
        };
        await assert.rejects(
          http.send({
            service: 'checker',
            method: 'POST',
            url: `${host.sandbox.url}/advisor/api/upload`,
            streamBody: { length: 10, chunks: failing },
            idempotent: true,
          }),
          (error: NodeJS.ErrnoException) => error.code === 'EISDIR' && !(error instanceof PlatformError),
        );
      } finally {
        await http.close();
      }
    });
  });
});
