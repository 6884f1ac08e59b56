import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { listFiles } from '../../src/solutions/folderFiles';
import { packSolution } from '../../src/solutions/pack';
import type { PackageType } from '../../src/solutions/solutionManifest';
import { unpackSolution } from '../../src/solutions/unpack';
import { corpus, corpusFound, needsCorpus } from '../corpus';
import { canonicalXml, entries, lf, sameMember, zipMembers, zipsUnder } from './solutionFiles';

const FIXTURES = corpus('fixtures', 'solutions');
const ZIP_ROOTS = ['zips', 'zips-more'];
const FOLDER_ROOTS = ['unpacked', 'unpacked-more'];
/** Folders written by SolutionPackager 9.1, which declared no xsi namespace on the files' roots (newer versions do, and so does the unpack). */
const WITHOUT_XSI = new Set(['localized-res-fieldservice']);
const work = mkdtempSync(join(tmpdir(), 'power-agent-round-trips-'));
after(() => rmSync(work, { recursive: true, force: true }));
let counter = 0;
const fresh = (name: string) => join(work, `${counter++}-${name}`);

const zips = corpusFound ? ZIP_ROOTS.flatMap((root) => zipsUnder(join(FIXTURES, root)).map((zip) => `${root}/${zip}`)) : [];
const folders = corpusFound
  ? FOLDER_ROOTS.flatMap((root) =>
      entries(join(FIXTURES, root))
        .filter((name) => existsSync(join(FIXTURES, root, name, 'Other', 'Solution.xml')))
        .map((name) => `${root}/${name}`),
    )
  : [];

/** The package type a folder holds: `<Managed>` 0, 1, or 2 for both. */
function packageTypeOf(folder: string): PackageType {
  const managed = /<Managed>(\d)<\/Managed>/.exec(readFileSync(join(folder, 'Other', 'Solution.xml'), 'utf8'))?.[1];
  return managed === '2' ? 'Both' : managed === '1' ? 'Managed' : 'Unmanaged';
}

/** The data entries of a resource file, read with xmldom: name, text and comment. */
function resxData(bytes: Buffer): string[][] {
  const doc = new DOMParser().parseFromString(bytes.toString('utf8').replace(/^\uFEFF/, ''), 'text/xml');
  return Array.from(doc.getElementsByTagName('data')).map((data) => [
    data.getAttribute('name') ?? '',
    data.getElementsByTagName('value')[0]?.textContent ?? '',
    data.getElementsByTagName('comment')[0]?.textContent ?? '',
  ]);
}

/**
 * The files a pack of this folder should leave out, worked out from the folder itself: managed variants
 * in a folder of one package type, canvas app files no metadata names, files at the root, and resource
 * files when not localizing.
 */
function expectedLeftOut(folder: string, files: string[], packageType: PackageType, localize: boolean): string[] {
  const named = files
    .filter((f) => f.endsWith('.meta.xml'))
    .flatMap((f) => [...readFileSync(join(folder, f), 'utf8').matchAll(/>\/(CanvasApps\/[^<]+)</g)].map((m) => m[1]));
  return files.filter(
    (f) =>
      (packageType !== 'Both' && f.endsWith('_managed.xml')) ||
      (/^CanvasApps\/[^/]+_(DocumentUri\.msapp|BackgroundImageUri)$/.test(f) && !named.includes(f)) ||
      !f.includes('/') ||
      (f.startsWith('Resources/') && !localize),
  );
}

/** Compares two folder files: resource files by their entries, XML of a reformatted folder as XML, anything else by its text. */
function assertSameFile(file: string, expected: Buffer, actual: Buffer, options: { semantic?: boolean; withoutXsi?: boolean } = {}): void {
  if (file.endsWith('.resx')) return assert.deepEqual(resxData(actual), resxData(expected), `${file}: resource entries differ`);
  if (options.semantic && file.endsWith('.xml'))
    return assert.equal(canonicalXml(actual, file), canonicalXml(expected, file), `${file} differs as XML`);
  const wanted = lf(expected);
  let text = lf(actual);
  const xsiOnRoot = /^(\uFEFF?<\?xml[^>]*>\n<[^>]*?) xmlns:xsi="http:\/\/www\.w3\.org\/2001\/XMLSchema-instance"/;
  if (options.withoutXsi && !xsiOnRoot.test(wanted)) text = text.replace(xsiOnRoot, '$1');
  assert.equal(text, wanted, `${file} differs`);
}

describe('every fixture zip: unpack then pack gives the same members', needsCorpus, () => {
  for (const zip of zips) {
    it(zip, async () => {
      const folder = fresh('unpacked');
      const packed = `${fresh('packed')}.zip`;
      await unpackSolution({ zipFile: join(FIXTURES, zip), folder, localize: true });
      const result = await packSolution({ folder, zipFile: packed, localize: true });
      assert.deepEqual(result.leftOut, [], 'a folder the unpack wrote packs whole');
      assert.ok(!result.warnings.some((w) => /left out|missing|inline/.test(w)), result.warnings.join('\n'));
      const original = await zipMembers(join(FIXTURES, zip));
      const rebuilt = await zipMembers(packed);
      assert.deepEqual([...rebuilt.keys()].sort(), [...original.keys()].sort());
      for (const [name, bytes] of original) {
        if (name !== '[Content_Types].xml') assert.ok(sameMember(name, bytes, rebuilt.get(name)!), `${name} differs after the round trip`);
      }
    });
  }
});

describe('every fixture folder: pack then unpack, with its package type, gives the same tree', needsCorpus, () => {
  for (const name of folders) {
    it(name, async () => {
      const folder = join(FIXTURES, name);
      const packageType = packageTypeOf(folder);
      const files = listFiles(folder);
      const zip = `${fresh('packed')}.zip`;
      const out = fresh('unpacked');
      const packed = await packSolution({ folder, zipFile: zip, packageType, localize: true });
      assert.deepEqual(packed.leftOut, expectedLeftOut(folder, files, packageType, true));
      for (const file of packed.leftOut)
        assert.ok(
          packed.warnings.some((w) => w.includes(file) || /, …\.$/.test(w)),
          `${file} is named in a warning`,
        );
      await unpackSolution({ zipFile: zip, folder: out, packageType, localize: files.some((f) => f.startsWith('Resources/')) });
      const kept = files.filter((f) => !packed.leftOut.includes(f));
      const written = listFiles(out);
      // Plug-in assemblies whose DLL the folder lacks come back as the empty payload they were packed as: none here.
      assert.deepEqual(written, kept);
      const semantic = name.endsWith('apollo-reports-templates'); // re-indented by a formatter after extraction
      for (const file of kept)
        assertSameFile(file, readFileSync(join(folder, file)), readFileSync(join(out, file)), {
          semantic,
          withoutXsi: WITHOUT_XSI.has(name.split('/')[1]!),
        });
    });
  }
});

describe('unpacking a fixture zip gives its SolutionPackager folder', needsCorpus, () => {
  const pairs = [
    { zip: 'zips/pnp/ai-driven-expense-report-processing-sample.zip', folder: 'unpacked/ai-driven-expense-report-processing' },
    { zip: 'zips-more/tsykes/PurchaseRequisitionCustomConnectors.zip', folder: 'unpacked-more/connectors-purchase-requisition' },
    {
      zip: 'zips-more/res-fieldservice/RES.FieldService.BusinessExtensions.zip',
      folder: 'unpacked-more/localized-res-fieldservice',
      localize: true,
      withoutXsi: true,
    },
    { zip: 'zips-more/apollo/ApolloHospitalProject_1_0_0_4.zip', folder: 'unpacked-more/apollo-reports-templates', semantic: true },
  ];
  for (const pair of pairs) {
    it(`${pair.zip} gives ${pair.folder}`, async () => {
      const out = fresh('unpacked');
      await unpackSolution({ zipFile: join(FIXTURES, pair.zip), folder: out, localize: pair.localize });
      const folder = join(FIXTURES, pair.folder);
      const theirs = listFiles(folder);
      const ours = listFiles(out);
      // Theirs beyond ours: what an unpack cannot know (Both twins, leftovers, the mapping file); ours beyond theirs: DLLs the repositories did not commit.
      const onlyTheirs = theirs.filter((f) => !ours.includes(f));
      assert.deepEqual(onlyTheirs, expectedLeftOut(folder, theirs, 'Unmanaged', true));
      assert.ok(ours.filter((f) => !theirs.includes(f)).every((f) => f.endsWith('.dll')));
      for (const file of theirs.filter((f) => ours.includes(f))) {
        const expected =
          file === 'Other/Solution.xml'
            ? Buffer.from(readFileSync(join(folder, file), 'utf8').replace('<Managed>2</Managed>', '<Managed>0</Managed>'))
            : readFileSync(join(folder, file));
        assertSameFile(file, expected, readFileSync(join(out, file)), pair);
      }
    });
  }
});
