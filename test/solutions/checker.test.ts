import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ZipReader } from '../../src/solutions/zipReader';
import { writeZip } from '../../src/solutions/zipWriter';
import { text } from '../helpers';
import { corpus, needsCorpus } from '../corpus';
import { structured, withHarness } from '../lifecycle/harness';

const K12 = corpus('fixtures', 'solutions', 'zips', 'education', 'EducationK12ModelApps_managed.zip');
const SCRIPT = [
  'function onLoad(context) {',
  '  var name = Xrm.Page.getAttribute("name").getValue();',
  '  var request = new XMLHttpRequest();',
  '  request.open("GET", "/api/data/v9.2/accounts", false);',
  '  return eval("name + 1");',
  '}',
].join('\n');

describe('pp_solution_checker through an MCP client', needsCorpus, () => {
  let work: string;
  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'power-agent-checker-'));
    await k12WithScript(join(work, 'k12.zip'), SCRIPT);
    // 150 lines of eval: more issues than a result lists.
    await k12WithScript(join(work, 'k12-many.zip'), Array.from({ length: 150 }, (_, n) => `eval("step ${n}");`).join('\n'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  /** The K12 solution with a script web resource added, so the checker has something to find. */
  async function k12WithScript(file: string, script: string): Promise<void> {
    const zip = await ZipReader.open(K12);
    const members = [];
    for (const name of zip.names().filter((n) => n !== '[Content_Types].xml')) {
      let data = await zip.read(name);
      if (name === 'customizations.xml') {
        data = Buffer.from(
          data
            .toString('utf8')
            .replace(
              '<WebResources>',
              '<WebResources><WebResource><WebResourceId>{11111111-2222-4333-8444-555555555555}</WebResourceId><Name>mshied_/scripts/form.js</Name><DisplayName>form.js</DisplayName><WebResourceType>3</WebResourceType><FileName>/WebResources/mshied_scriptsformjs11111111-2222-4333-8444-555555555555</FileName></WebResource>',
            ),
        );
      }
      members.push({ name, data });
    }
    zip.close();
    members.push({ name: 'WebResources/mshied_scriptsformjs11111111-2222-4333-8444-555555555555', data: Buffer.from(script) });
    await writeZip(file, members);
  }

  it('uploads, analyses, and returns issues by severity with the SARIF report as a resource link', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect(['--allowed-folders', work]);
      const result = await h.call(cli, 'pp_solution_checker', { zipFile: 'k12.zip', environment: 'Contoso Dev', waitSeconds: 60 });
      assert.equal(result.isError, undefined, text(result));
      assert.equal(structured(result).state, 'succeeded');
      assert.deepEqual(structured(result).result.bySeverity, { Critical: 0, High: 1, Medium: 2, Low: 0, Informational: 0 });
      assert.match(
        text(result),
        /Issues: 0 critical, 1 high, 2 medium, 0 low, 0 informational\.\n- High web-avoid-eval: Don't use the 'eval' function[^\n]*\(mshied_\/scripts\/form\.js:5\)/,
      );
      const link = result.content.find((c) => c.type === 'resource_link') as { uri: string; mimeType: string } | undefined;
      assert.equal(link?.mimeType, 'application/sarif+json');
      const sarif = JSON.parse(readFileSync(fileURLToPath(link.uri), 'utf8'));
      assert.equal(sarif.version, '2.1.0');
      assert.deepEqual(sarif.runs[0].results.map((r: { ruleId: string }) => r.ruleId).sort(), [
        'web-avoid-eval',
        'web-use-async',
        'web-use-client-context',
      ]);
      const calls = h.sandbox.requests.filter((r) => r.path.startsWith('/advisor/api/'));
      assert.deepEqual(
        [...new Set(calls.map((c) => c.path.replace(/[0-9a-f-]{36}/, 'id')))],
        ['/advisor/api/upload', '/advisor/api/analyze', '/advisor/api/status/id'],
      );

      const excluded = await h.call(cli, 'pp_solution_checker', {
        zipFile: 'k12.zip',
        environment: 'Contoso Dev',
        sarifFile: 'reports/excluded.sarif',
        excludeFiles: ['*form.js'],
        waitSeconds: 60,
      });
      assert.equal(structured(excluded).result.total, 0, text(excluded));
      assert.ok(readFileSync(join(work, 'reports', 'excluded.sarif')).length > 0);
    });
  });

  it('lists the worst 100 issues and how many the report holds, which has them all', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect(['--allowed-folders', work]);
      const result = await h.call(cli, 'pp_solution_checker', { zipFile: 'k12-many.zip', environment: 'Contoso Dev', waitSeconds: 60 });
      const checked = structured(result).result;
      assert.deepEqual([checked.total, checked.issues.length, checked.issuesInReport], [150, 100, 150], text(result));
      assert.match(text(result), /\n… and 140 more in the report\.\nSARIF report: /);
      const link = result.content.find((c) => c.type === 'resource_link') as { uri: string };
      assert.equal(JSON.parse(readFileSync(fileURLToPath(link.uri), 'utf8')).runs[0].results.length, 150);
      // The operation, read again, holds the same 100.
      const again = await h.call(cli, 'pp_get_operation', { id: structured(result).id });
      assert.equal(structured(again).result.issues.length, 100);
    });
  });

  it('refuses a file that is not a solution with the service message, and paths outside the allowed folders', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect(['--allowed-folders', work]);
      await writeZip(join(work, 'not-a-solution.zip'), [{ name: 'readme.txt', data: Buffer.from('hello') }]);
      const failed = await h.call(cli, 'pp_solution_checker', {
        zipFile: 'not-a-solution.zip',
        environment: 'Contoso Dev',
        waitSeconds: 60,
      });
      assert.equal(failed.isError, true);
      assert.match(text(failed), /Error \(AnalysisFailed\): The solution file is invalid/);
      const outside = await h.call(cli, 'pp_solution_checker', { zipFile: '/etc/passwd', environment: 'Contoso Dev' });
      assert.match(text(outside), /^zipFile: \/etc\/passwd is outside the folders this server may use/);
    });
  });
});
