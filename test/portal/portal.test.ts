import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { enhancedPortal } from '../../src/sandbox/powerPages';
import { standardPortal } from '../../src/sandbox/powerPagesStandard';
import type { Sandbox } from '../../src/sandbox/server';
import { invokeTool } from '../../src/tools/invoke';
import { downloadPortal, uploadPortal } from '../../src/tools/portal/portalTools';
import { corpus, needsCorpus } from '../corpus';
import { invokeOptions, sandboxServices, text, withSandbox } from '../helpers';
import { environmentByName } from '../lifecycle/harness';
import { compareTrees, manifestRecords, treeOf } from './siteTree';

type Tool = typeof downloadPortal | typeof uploadPortal;
type Structured = Record<string, any>;

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'power-agent-portal-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

/** A sandbox and a way to call the two tools in-process, with the work folder and the fixtures allowed. */
async function withPortal(
  body: (p: { sandbox: Sandbox; call: (tool: Tool, args: Record<string, unknown>) => Promise<CallToolResult> }) => Promise<void>,
): Promise<void> {
  await withSandbox({}, async (sandbox) => {
    const options = invokeOptions(sandboxServices(sandbox), { allowedFolders: [work, corpus('fixtures', 'pages')] });
    await body({ sandbox, call: (tool, args) => invokeTool(tool, args, { signal: new AbortController().signal }, options) });
  });
}

const structured = (result: CallToolResult): Structured => result.structuredContent ?? {};
const changes = (sandbox: Sandbox) => sandbox.requests.filter((r) => r.method !== 'GET' && r.path.includes('/api/data/'));
const fresh = (name: string) => {
  const folder = join(work, `${name}-${Math.random().toString(36).slice(2, 8)}`);
  mkdirSync(folder);
  return folder;
};

describe('pp_upload_portal and pp_download_portal round-trip the sites pac downloaded', needsCorpus, () => {
  const fixtures = [
    { name: 'std-zh-paportal', model: 'standard', layout: 'aggregate' },
    { name: 'std-bilingual-cantinho', model: 'standard', layout: 'aggregate' },
    { name: 'edm-courses-registration', model: 'enhanced', layout: 'aggregate' },
    { name: 'edm-gds-appointments', model: 'enhanced', layout: 'aggregate' },
    { name: 'code-adaptivecards', model: 'enhanced', layout: 'code-site' },
  ];
  for (const fixture of fixtures) {
    const title = `${fixture.name}: uploaded and downloaded again, gives the same tree; uploaded again, changes nothing`;
    it(title, async () => {
      await withPortal(async ({ sandbox, call }) => {
        const source = corpus('fixtures', 'pages', fixture.name);
        const up = await call(uploadPortal, { environment: 'Contoso Production', folder: source });
        assert.equal(up.isError, undefined, text(up));
        assert.deepEqual([structured(up).newSite, structured(up).dataModel, structured(up).changed.length], [true, fixture.model, 0]);
        // The result names at most 100 of the records; the count is whole.
        const { created, createdCount } = structured(up);
        assert.ok(createdCount > 0);
        assert.equal(created.length, Math.min(100, createdCount));

        const folder = fresh(fixture.name);
        const down = await call(downloadPortal, {
          environment: 'Contoso Production',
          site: structured(up).siteId,
          folder,
          overwrite: true,
        });
        assert.equal(down.isError, undefined, text(down));
        assert.equal(structured(down).layout, fixture.layout);

        const theirs = treeOf(source);
        const ours = treeOf(folder);
        const manifest = (tree: Map<string, Buffer>) => [...tree.keys()].find((p) => /^\.portalconfig\/.+-manifest\.yml$/.test(p));
        if (fixture.layout === 'aggregate') {
          // pac writes its manifest with its own checksums and the org's host name: compared below as the records it lists.
          const theirManifest = theirs.get(manifest(theirs)!)!;
          const ourManifest = ours.get(manifest(ours)!)!;
          const withoutBindings = (records: string[]) => records.filter((r) => !r.startsWith('adx_websitebinding '));
          assert.deepEqual(withoutBindings(manifestRecords(ourManifest)), withoutBindings(manifestRecords(theirManifest)));
          theirs.delete(manifest(theirs)!);
          ours.delete(manifest(ours)!);
          // A site's binding to its host name belongs to the environment it came from: not uploaded, so not downloaded.
          theirs.delete('.portalconfig/websitebinding.yml');
        } else {
          // powerpages.config.json is the developer's file beside .powerpages-site, not a record of the site.
          theirs.delete('powerpages.config.json');
        }
        const difference = compareTrees(renameClashes(theirs, ours), ours);
        assert.deepEqual([difference.missing, difference.extra, difference.different], [[], [], []]);

        const before = changes(sandbox).length;
        const again = await call(uploadPortal, { environment: 'Contoso Production', folder });
        assert.equal(again.isError, undefined, text(again));
        assert.deepEqual([structured(again).created, structured(again).changed, structured(again).newSite], [[], [], false]);
        assert.equal(changes(sandbox).length, before, 'a folder as it was downloaded uploads nothing');
      });
    });
  }
});

/**
 * pac names web files whose names clash with a suffix we could not derive (footer_b22bf7a5.png);
 * ours is the record id's first eight digits. Maps pac's names to ours by the record id in the YAML.
 */
function renameClashes(theirs: Map<string, Buffer>, ours: Map<string, Buffer>): Map<string, Buffer> {
  const renamed = new Map(theirs);
  for (const [path, data] of theirs) {
    const match = /^(.*web-files\/.*?)_([0-9a-f]{8})(\.[^/]*)?\.webfile\.yml$/.exec(path);
    if (!match || ours.has(path)) continue;
    const id = /adx_webfileid: ([0-9a-f]{8})|\nid: ([0-9a-f]{8})/.exec(data.toString())!;
    const ourPath = `${match[1]}_${id[1] ?? id[2]}${match[3] ?? ''}`;
    renamed.delete(path);
    renamed.set(`${ourPath}.webfile.yml`, data);
    const content = path.slice(0, -'.webfile.yml'.length);
    if (theirs.has(content)) {
      renamed.delete(content);
      renamed.set(ourPath, theirs.get(content)!);
    }
  }
  return renamed;
}

describe('pp_download_portal', () => {
  it('writes a site on the enhanced model in the aggregate layout pac writes', async () => {
    await withPortal(async ({ call }) => {
      const folder = fresh('contoso');
      const down = await call(downloadPortal, { environment: 'Contoso Dev', site: 'Contoso Portal', folder, overwrite: true });
      assert.equal(down.isError, undefined, text(down));
      assert.deepEqual([structured(down).dataModel, structured(down).layout], ['enhanced', 'aggregate']);
      const tree = treeOf(folder);
      assert.equal(
        tree.get('web-pages/home/content-pages/Home.en-US.webpage.copy.html')!.toString(),
        '<div class="row sectionBlockLayout">\n  <h1>Welcome to Contoso</h1>\n  <p>Track your orders and talk to our team.</p>\n</div>\n',
      );
      assert.equal(
        tree.get('web-files/theme.css')!.toString(),
        'body { color: #333; font-family: "Segoe UI", sans-serif; }\n.navbar { background: #0b5394; }\n',
      );
      const rule = [
        '- adx_name: Grant Change to Administrators',
        '  adx_right: 1',
        '  adx_webpageaccesscontrolrule_webrole:',
        `  - ${'5e5e0000-0000-4000-8000-000000000022'}`,
      ];
      assert.ok(
        tree
          .get('webpagerule.yml')!
          .toString()
          .startsWith(`${rule.join('\n')}\n`),
        tree.get('webpagerule.yml')!.toString(),
      );
      assert.match(tree.get('sitesetting.yml')!.toString(), /adx_value: False\n/, 'a text column keeps its spelling');
      assert.match(tree.get('sitesetting.yml')!.toString(), /adx_value: 00:10:00\n/);
      // The tell-tale signs of an enhanced-model download.
      assert.match(tree.get('websitelanguage.yml')!.toString(), /adx_portallanguageid: 5e5e0000-0000-4000-8000-000000000002\n/);
      assert.equal(tree.has('.portalconfig/websitebinding.yml'), false);
      assert.equal(tree.get('.portalconfig/manifest.yml')!.toString(), '{}\n');
      const entry = [
        '^adx_contentsnippet:',
        '- RecordId: 5e5e0000-0000-4000-8000-000000000070',
        '  DisplayName: Footer',
        '  CheckSum: [0-9a-f]{64}',
        '  IsDeleted: false',
      ];
      assert.match(tree.get('.portalconfig/127.0.0.1-manifest.yml')!.toString(), new RegExp(`${entry.join('\n')}\n`));
    });
  });

  it('writes a site on the standard model with its web files from their notes and its binding', async () => {
    await withPortal(async ({ call }) => {
      const folder = fresh('fabrikam');
      const down = await call(downloadPortal, { environment: 'Contoso Test', site: 'Fabrikam Partners', folder, overwrite: true });
      assert.equal(structured(down).dataModel, 'standard', text(down));
      const tree = treeOf(folder);
      assert.equal(
        tree.get('web-files/theme.css')!.toString().split('\n')[0],
        'body { color: #333; font-family: "Segoe UI", sans-serif; }',
      );
      const webFile = tree.get('web-files/theme.css.webfile.yml')!.toString();
      const note = ['annotationid: 7a7a0000-0000-4000-8000-000000000061', 'filename: theme.css', 'isdocument: true', 'mimetype: text/css'];
      assert.ok(
        webFile.endsWith(`\n${[...note, 'objectid: 7a7a0000-0000-4000-8000-000000000060', 'objecttypecode: adx_webfile'].join('\n')}\n`),
        webFile,
      );
      assert.doesNotMatch(webFile, /createdon|versionnumber|adx_websiteid|organizationid/, 'system columns are left out');
      assert.match(tree.get('.portalconfig/websitebinding.yml')!.toString(), /adx_sitename: fabrikam-partners.powerappsportals.com/);
      assert.match(tree.get('.portalconfig/portallanguage.yml')!.toString(), /adx_portallanguageid: 7a7a0000-0000-4000-8000-000000000003/);
    });
  });

  it('names the sites there are when the site is not found', async () => {
    await withPortal(async ({ call }) => {
      const missing = await call(downloadPortal, { environment: 'Contoso Dev', site: 'Fabrikam', folder: fresh('other') });
      assert.match(
        text(missing),
        /^site: no Power Pages site "Fabrikam" is in this environment\. Nothing was done\.\nWhat to do: Sites: Contoso Portal\./,
      );
      const none = await call(downloadPortal, { environment: 'Contoso Production', site: 'Contoso Portal', folder: fresh('other') });
      assert.match(text(none), /What to do: This environment has no Power Pages sites\./);
    });
  });
});

describe('pp_upload_portal', () => {
  for (const seed of [
    { model: 'enhanced', environment: 'Contoso Dev', site: 'Contoso Portal', prefix: '5e5e0000' },
    { model: 'standard', environment: 'Contoso Test', site: 'Fabrikam Partners', prefix: '7a7a0000' },
  ]) {
    it(`uploads an edit of one file as exactly one change (${seed.model} model)`, async () => {
      await withPortal(async ({ sandbox, call }) => {
        const folder = fresh(seed.model);
        await call(downloadPortal, { environment: seed.environment, site: seed.site, folder, overwrite: true });
        writeFileSync(join(folder, 'web-pages', 'home', 'content-pages', 'Home.en-US.webpage.copy.html'), '<h1>Welcome back</h1>\n');
        const before = changes(sandbox).length;
        const sentBefore = sandbox.requests.length;
        const up = await call(uploadPortal, { environment: seed.environment, folder });
        assert.equal(up.isError, undefined, text(up));
        assert.deepEqual([structured(up).changed, structured(up).created], [['webpage Home'], []]);
        // Column types are all the upload needs of a table's metadata: one read, no date columns' read.
        const metadata = sandbox.requests.slice(sentBefore).filter((r) => r.path.includes('EntityDefinitions'));
        assert.ok(metadata.length > 0);
        assert.deepEqual(
          metadata.filter((r) => r.path.includes('DateTimeAttributeMetadata')),
          [],
        );
        assert.deepEqual(
          changes(sandbox)
            .slice(before)
            .map((r) => r.method),
          ['PATCH'],
        );
        const org = environmentByName(sandbox, seed.environment)!.org!;
        const id = `${seed.prefix}-0000-4000-8000-000000000051`;
        const copy =
          seed.model === 'enhanced'
            ? JSON.parse(String(enhancedPortal(org).components.get(id)!.content)).copy
            : standardPortal(org).tables.get('adx_webpage')!.get(id)!.adx_copy;
        assert.equal(copy, '<h1>Welcome back</h1>\n');
      });
    });

    it(`creates a page added to the folder and writes its id back (${seed.model} model)`, async () => {
      await withPortal(async ({ sandbox, call }) => {
        const folder = fresh(seed.model);
        await call(downloadPortal, { environment: seed.environment, site: seed.site, folder, overwrite: true });
        mkdirSync(join(folder, 'web-pages', 'about'));
        const yaml = [
          'adx_isroot: true',
          'adx_name: About',
          `adx_pagetemplateid: ${seed.prefix}-0000-4000-8000-000000000040`,
          `adx_parentpageid: ${seed.prefix}-0000-4000-8000-000000000050`,
          'adx_partialurl: about',
          `adx_publishingstateid: ${seed.prefix}-0000-4000-8000-000000000010`,
          '',
        ].join('\n');
        writeFileSync(join(folder, 'web-pages', 'about', 'About.webpage.yml'), yaml);
        writeFileSync(join(folder, 'web-pages', 'about', 'About.webpage.copy.html'), '<h1>About us</h1>');
        const up = await call(uploadPortal, { environment: seed.environment, folder });
        assert.equal(up.isError, undefined, text(up));
        assert.deepEqual(
          [structured(up).created, structured(up).changed, structured(up).idsWrittenTo],
          [['webpage About'], [], ['web-pages/about/About.webpage.yml']],
        );
        const written = readFileSync(join(folder, 'web-pages', 'about', 'About.webpage.yml'), 'utf8');
        const id = /adx_webpageid: ([0-9a-f-]{36})\n/.exec(written)?.[1];
        assert.ok(id, written);
        assert.equal(written, `${yaml}adx_webpageid: ${id}\n`, 'the id goes in where pac puts it, the rest stays as it was');
        const org = environmentByName(sandbox, seed.environment)!.org!;
        const copy =
          seed.model === 'enhanced'
            ? JSON.parse(String(enhancedPortal(org).components.get(id)!.content)).copy
            : standardPortal(org).tables.get('adx_webpage')!.get(id)!.adx_copy;
        assert.equal(copy, '<h1>About us</h1>');
        const again = await call(uploadPortal, { environment: seed.environment, folder });
        assert.deepEqual([structured(again).created, structured(again).changed], [[], []], text(again));
      });
    });
  }

  for (const seed of [
    { model: 'enhanced', environment: 'Contoso Dev', site: 'Contoso Portal' },
    { model: 'standard', environment: 'Contoso Test', site: 'Fabrikam Partners' },
  ]) {
    it(`creates a web file added to the folder with its bytes (${seed.model} model)`, async () => {
      await withPortal(async ({ sandbox, call }) => {
        const folder = fresh(seed.model);
        await call(downloadPortal, { environment: seed.environment, site: seed.site, folder, overwrite: true });
        writeFileSync(join(folder, 'web-files', 'site.js.webfile.yml'), 'adx_name: site.js\nadx_partialurl: site.js\n');
        writeFileSync(join(folder, 'web-files', 'site.js'), 'console.log("hello");\n');
        const up = await call(uploadPortal, { environment: seed.environment, folder });
        assert.deepEqual([structured(up).created, structured(up).changed], [['webfile site.js'], []], text(up));
        const id = /adx_webfileid: (\S+)/.exec(readFileSync(join(folder, 'web-files', 'site.js.webfile.yml'), 'utf8'))![1]!;
        const org = environmentByName(sandbox, seed.environment)!.org!;
        const bytes =
          seed.model === 'enhanced'
            ? enhancedPortal(org).files.get(id)!.bytes
            : Buffer.from(String([...standardPortal(org).notes.values()].find((n) => n.objectid === id)!.documentbody), 'base64');
        assert.equal(bytes.toString(), 'console.log("hello");\n');
        const again = await call(uploadPortal, { environment: seed.environment, folder });
        assert.deepEqual([structured(again).created, structured(again).changed], [[], []], text(again));
      });
    });
  }

  it("deletes what the manifest marks as deleted, once the site's name is confirmed", async () => {
    await withPortal(async ({ sandbox, call }) => {
      const folder = fresh('deleted');
      await call(downloadPortal, { environment: 'Contoso Dev', site: 'Contoso Portal', folder, overwrite: true });
      const manifestFile = join(folder, '.portalconfig', '127.0.0.1-manifest.yml');
      const marker = '5e5e0000-0000-4000-8000-000000000090';
      writeFileSync(
        manifestFile,
        readFileSync(manifestFile, 'utf8').replace(new RegExp(`(RecordId: ${marker}\\n.*\\n.*\\n  IsDeleted: )false`), '$1true'),
      );
      const before = changes(sandbox).length;
      const refused = await call(uploadPortal, { environment: 'Contoso Dev', folder });
      assert.match(
        text(refused),
        /needs the user's confirmation\. 1 record\(s\) of the site will be deleted: sitemarker Home\. Nothing was changed\./,
      );
      assert.equal(changes(sandbox).length, before, 'nothing changes before the confirmation');
      const up = await call(uploadPortal, { environment: 'Contoso Dev', folder, confirm: 'Contoso Portal' });
      assert.deepEqual([structured(up).deleted, structured(up).changed, structured(up).created], [['sitemarker Home'], [], []], text(up));
      assert.equal(enhancedPortal(environmentByName(sandbox, 'Contoso Dev')!.org!).components.has(marker), false);
    });
  });

  it('with deleteMissing deletes the records the folder no longer has, and without it leaves them', async () => {
    await withPortal(async ({ sandbox, call }) => {
      const folder = fresh('missing');
      await call(downloadPortal, { environment: 'Contoso Test', site: 'Fabrikam Partners', folder, overwrite: true });
      rmSync(join(folder, 'web-pages', 'orders'), { recursive: true });
      const kept = await call(uploadPortal, { environment: 'Contoso Test', folder });
      assert.deepEqual([structured(kept).deleted, structured(kept).notInFolder], [[], 2], text(kept));
      const up = await call(uploadPortal, { environment: 'Contoso Test', folder, deleteMissing: true, confirm: 'Fabrikam Partners' });
      assert.deepEqual(structured(up).deleted.sort(), ['webpage Orders', 'webpage Orders'], text(up));
      const pages = standardPortal(environmentByName(sandbox, 'Contoso Test')!.org!).tables.get('adx_webpage')!;
      assert.deepEqual([...pages.values()].map((p) => p.adx_name).sort(), ['Home', 'Home']);
    });
  });

  it('refuses a folder that is not a site folder, and one outside the allowed folders, uploading nothing', async () => {
    await withPortal(async ({ sandbox, call }) => {
      const empty = await call(uploadPortal, { environment: 'Contoso Dev', folder: fresh('empty') });
      assert.match(text(empty), /^folder: .* has no website\.yml \(nor \.powerpages-site\/website\.yml\), so it is not a site folder/);
      assert.match(text(empty), /pac or pp_download_portal wrote\. Nothing was uploaded\./);
      const outside = await call(uploadPortal, { environment: 'Contoso Dev', folder: tmpdir() });
      assert.match(text(outside), /^folder: .* is outside the folders this server may use/);
      assert.equal(sandbox.requests.filter((r) => r.path.includes('/api/data/')).length, 0, 'not even a read of the environment');
    });
  });
});

describe('Power Pages folders and links (hardening, files)', () => {
  it('refuses to upload through a symbolic link that leaves the folder, naming the file and echoing none of its content', async () => {
    await withPortal(async ({ sandbox, call }) => {
      const folder = fresh('linked');
      await call(downloadPortal, { environment: 'Contoso Dev', site: 'Contoso Portal', folder, overwrite: true });
      const secret = join(fresh('secret'), 'passwd');
      writeFileSync(secret, 'root:x:0:0:root:/root:/bin/bash\n');
      unlinkSync(join(folder, 'website.yml'));
      symlinkSync(secret, join(folder, 'website.yml'));
      const before = sandbox.requests.length;
      const up = await call(uploadPortal, { environment: 'Contoso Dev', folder });
      assert.match(
        text(up),
        /^folder: website\.yml is a symbolic link to a place outside the folder; it was not followed\. Nothing was uploaded\./,
      );
      assert.doesNotMatch(text(up), /root:/);
      assert.equal(sandbox.requests.length, before, 'nothing was sent');
    });
  });

  it('refuses a FIFO in the folder instead of waiting on it', async () => {
    await withPortal(async ({ sandbox, call }) => {
      const folder = fresh('fifo');
      await call(downloadPortal, { environment: 'Contoso Dev', site: 'Contoso Portal', folder, overwrite: true });
      const fifo = join(folder, 'web-templates', 'header', 'Header.webtemplate.source.html');
      unlinkSync(fifo);
      execFileSync('mkfifo', [fifo]);
      const before = sandbox.requests.length;
      const up = await call(uploadPortal, { environment: 'Contoso Dev', folder });
      assert.match(
        text(up),
        /^folder: web-templates\/header\/Header\.webtemplate\.source\.html is not a regular file \(a FIFO, socket or device\)/,
      );
      assert.equal(sandbox.requests.length, before);
    });
  });

  it('refuses to download into a folder whose link leads out of it, writing nothing there', async () => {
    await withPortal(async ({ call }) => {
      const outside = fresh('outside');
      const folder = fresh('into');
      symlinkSync(outside, join(folder, 'web-pages'));
      const down = await call(downloadPortal, { environment: 'Contoso Dev', site: 'Contoso Portal', folder, overwrite: true });
      assert.match(
        text(down),
        /^folder: web-pages is a symbolic link to a place outside the folder; it was not followed\. Nothing was written\./,
      );
      assert.deepEqual(readdirSync(outside), []);
      assert.deepEqual(readdirSync(folder), ['web-pages']);
    });
  });

  it('refuses to download into a folder holding a FIFO, writing nothing', async () => {
    await withPortal(async ({ call }) => {
      const folder = fresh('fifo-down');
      execFileSync('mkfifo', [join(folder, 'website.yml')]);
      const down = await call(downloadPortal, { environment: 'Contoso Dev', site: 'Contoso Portal', folder, overwrite: true });
      assert.match(text(down), /^folder: website\.yml is not a regular file \(a FIFO, socket or device\).*Nothing was written\./);
      assert.deepEqual(readdirSync(folder), ['website.yml']);
    });
  });

  it('never writes through a link to a file outside, even one made after the check', async () => {
    const { SafeFolder } = await import('../../src/portal/safeFolder');
    const folder = fresh('late');
    const outside = join(fresh('target'), 'website.yml');
    writeFileSync(outside, 'untouched\n');
    const files = await SafeFolder.at(folder);
    await files.checkBeforeWriting();
    symlinkSync(outside, join(folder, 'website.yml'));
    await assert.rejects(
      files.write('website.yml', Buffer.from('adx_name: x\n')),
      /website\.yml is a symbolic link; nothing was written through it\./,
    );
    mkdirSync(join(folder, 'real'));
    symlinkSync(join(outside, '..'), join(folder, 'real', 'sub'));
    await assert.rejects(
      files.write('real/sub/website.yml', Buffer.from('x')),
      /real\/sub is a symbolic link; nothing was written through it\./,
    );
    assert.equal(readFileSync(outside, 'utf8'), 'untouched\n');
    assert.equal(existsSync(join(outside, '..', 'sub')), false);
  });

  it('reads a link that stays inside the folder like the file it points at', async () => {
    const { SafeFolder } = await import('../../src/portal/safeFolder');
    const folder = fresh('inside');
    cpSync(join(__dirname, 'pacYaml.test.ts'), join(folder, 'a.txt'));
    symlinkSync(join(folder, 'a.txt'), join(folder, 'b.txt'));
    const files = await SafeFolder.at(folder);
    assert.deepEqual(await files.files(), ['a.txt', 'b.txt']);
    assert.deepEqual(await files.read('b.txt'), readFileSync(join(folder, 'a.txt')));
  });
});
