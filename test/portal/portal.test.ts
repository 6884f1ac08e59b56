import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { powerPagesSites } from '../../src/sandbox/powerPages';
import { standardSite } from '../../src/sandbox/powerPagesStandard';
import { text } from '../helpers';
import { environmentByName, structured, withHarness } from '../lifecycle/harness';

describe('pp_download_portal and pp_upload_portal through an MCP client', () => {
  let work: string;
  before(() => {
    work = mkdtempSync(join(tmpdir(), 'power-agent-portal-'));
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('downloads a site into a source-control folder, and uploads only what changed or was added', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect(['--allowed-folders', work]);
      const down = await h.call(cli, 'pp_download_portal', { environment: 'Contoso Dev', site: 'Contoso Portal', folder: 'portal' });
      assert.equal(down.isError, undefined, text(down));
      const folder = join(work, 'portal');
      for (const file of ['site.json', 'web-pages/Home.json', 'web-pages/Home.html', 'web-templates/Layout 1 Column.liquid', 'content-snippets/Footer.html', 'site-settings/Search_Enabled.json', 'web-files/theme.css', 'web-files/theme.css.json']) {
        assert.ok(existsSync(join(folder, file)), `${file} in ${structured(down).files.join(', ')}`);
      }
      assert.equal(readFileSync(join(folder, 'web-pages', 'Home.html'), 'utf8'), '<h1>Welcome to Contoso</h1>\n<p>Find your orders here.</p>');
      assert.doesNotMatch(readFileSync(join(folder, 'web-pages', 'Home.json'), 'utf8'), /Welcome/, 'the HTML lives in its own file');

      const untouched = await h.call(cli, 'pp_upload_portal', { environment: 'Contoso Dev', folder: 'portal' });
      assert.deepEqual([structured(untouched).changed, structured(untouched).created, structured(untouched).unchanged], [[], [], 6], text(untouched));
      assert.equal(h.sandbox.requests.filter((r) => r.method === 'PATCH' || r.method === 'POST' && r.path.endsWith('powerpagecomponents')).length, 0, 'an unchanged folder changes nothing');

      writeFileSync(join(folder, 'web-pages', 'Home.html'), '<h1>Welcome back</h1>');
      writeFileSync(join(folder, 'web-files', 'theme.css'), 'body { color: #000; }\n');
      writeFileSync(join(folder, 'content-snippets', 'Banner.json'), JSON.stringify({ name: 'Banner', type: 7, content: { type: 756150001 } }));
      writeFileSync(join(folder, 'content-snippets', 'Banner.html'), '<p>Sale!</p>');
      const up = await h.call(cli, 'pp_upload_portal', { environment: 'Contoso Dev', folder: 'portal' });
      assert.equal(up.isError, undefined, text(up));
      assert.deepEqual([structured(up).changed.sort(), structured(up).created], [['Home', 'theme.css'], ['Banner']]);
      const site = powerPagesSites(environmentByName(h.sandbox, 'Contoso Dev')!.org!)[0]!;
      const home = site.components.get('5e5e0000-0000-4000-8000-000000000010')!;
      assert.deepEqual(JSON.parse(home.content), { partialurl: '/', copy: '<h1>Welcome back</h1>', hiddenfromsitemap: false });
      assert.equal(site.components.get('5e5e0000-0000-4000-8000-000000000050')!.filecontent!.toString(), 'body { color: #000; }\n');
      const banner = [...site.components.values()].find((c) => c.name === 'Banner')!;
      assert.equal(JSON.parse(banner.content).value, '<p>Sale!</p>');
      assert.equal(JSON.parse(readFileSync(join(folder, 'content-snippets', 'Banner.json'), 'utf8')).id, banner.powerpagecomponentid, 'the new id is written back');
    });
  });

  it('does the same for a site on the standard data model (adx_ tables, web file bytes in a note)', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect(['--allowed-folders', work]);
      const down = await h.call(cli, 'pp_download_portal', { environment: 'Contoso Test', site: 'Fabrikam Partners', folder: 'fabrikam' });
      assert.equal(down.isError, undefined, text(down));
      assert.equal(structured(down).dataModel, 'standard');
      const folder = join(work, 'fabrikam');
      assert.equal(readFileSync(join(folder, 'web-pages', 'Home.html'), 'utf8'), '<h1>Fabrikam partners</h1>');
      assert.equal(readFileSync(join(folder, 'web-files', 'logo.svg'), 'utf8'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
      assert.deepEqual(JSON.parse(readFileSync(join(folder, 'site-settings', 'Search_Enabled.json'), 'utf8')).content, { adx_value: 'false' });

      writeFileSync(join(folder, 'site-settings', 'Search_Enabled.json'), JSON.stringify({ ...JSON.parse(readFileSync(join(folder, 'site-settings', 'Search_Enabled.json'), 'utf8')), content: { adx_value: 'true' } }));
      writeFileSync(join(folder, 'web-files', 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>');
      writeFileSync(join(folder, 'web-files', 'site.js.json'), JSON.stringify({ name: 'site.js', type: 'adx_webfile', fileName: 'site.js', content: { adx_partialurl: 'site.js' } }));
      writeFileSync(join(folder, 'web-files', 'site.js'), 'console.log("fabrikam");');
      const up = await h.call(cli, 'pp_upload_portal', { environment: 'Contoso Test', folder: 'fabrikam' });
      assert.equal(up.isError, undefined, text(up));
      assert.deepEqual([structured(up).changed.sort(), structured(up).created, structured(up).unchanged], [['Search/Enabled', 'logo.svg'], ['site.js'], 3]);
      const site = standardSite(environmentByName(h.sandbox, 'Contoso Test')!.org!);
      assert.equal(site.tables.get('adx_sitesetting')!.get('7a7a0000-0000-4000-8000-000000000040')!.adx_value, 'true');
      assert.equal(Buffer.from(String(site.annotations.get('7a7a0000-0000-4000-8000-000000000051')!.documentbody), 'base64').toString(), '<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>');
      const note = [...site.annotations.values()].find((n) => n.filename === 'site.js')!;
      assert.equal(Buffer.from(String(note.documentbody), 'base64').toString(), 'console.log("fabrikam");', 'a new web file gets its note');
      const patches = h.sandbox.requests.filter((r) => r.method === 'PATCH').map((r) => r.path.split('/').pop()!.replace(/\(.*/, ''));
      assert.deepEqual(patches.sort(), ['adx_sitesettings', 'annotations'], 'only what changed');
    });
  });

  it('names the sites there are, and refuses a folder that is not a downloaded site', async () => {
    await withHarness(async (h) => {
      const cli = await h.connect(['--allowed-folders', work]);
      const missing = await h.call(cli, 'pp_download_portal', { environment: 'Contoso Dev', site: 'Fabrikam', folder: 'other' });
      assert.match(text(missing), /^site: no Power Pages site "Fabrikam" is in this environment\. Nothing was done\.\nWhat to do: Sites: Contoso Portal\./);
      const none = await h.call(cli, 'pp_download_portal', { environment: 'Contoso Production', site: 'Contoso Portal', folder: 'other' });
      assert.match(text(none), /What to do: This environment has no Power Pages sites\./);
      const upload = await h.call(cli, 'pp_upload_portal', { environment: 'Contoso Dev', folder: '.' });
      assert.match(text(upload), /^folder: .* has no site\.json; download the site with pp_download_portal first\. Nothing was uploaded\./);
    });
  });
});
