import { SolutionFileError } from './errors';
import { XmlSlices, type El } from './xmlSlices';
import type { ZipReader } from './zipReader';

export type PackageType = 'Unmanaged' | 'Managed' | 'Both';

export interface SolutionSummary {
  uniqueName: string;
  version: string;
  managed: boolean | 'both';
  publisher: string;
  rootComponents: Array<{ type: number; schemaName?: string; id?: string }>;
}

/** The SolutionManifest element of a solution.xml (or Other/Solution.xml); refused when there is none. */
export function manifestElement(doc: XmlSlices, file: string): El {
  const manifest = doc.child(doc.root, 'SolutionManifest');
  if (!doc.is(doc.root, 'ImportExportXml') || manifest === undefined)
    throw new SolutionFileError('InvalidSolution', `${file} is not a solution manifest (no ImportExportXml/SolutionManifest).`);
  return manifest;
}

export function readSolutionManifest(doc: XmlSlices, file: string): SolutionSummary {
  const manifest = manifestElement(doc, file);
  const managed = doc.childText(manifest, 'Managed');
  const publisher = doc.child(manifest, 'Publisher');
  const roots = doc.child(manifest, 'RootComponents');
  return {
    uniqueName: doc.childText(manifest, 'UniqueName'),
    version: doc.childText(manifest, 'Version'),
    managed: managed === '2' ? 'both' : managed === '1',
    publisher: publisher === undefined ? '' : doc.childText(publisher, 'UniqueName'),
    rootComponents: (roots === undefined ? [] : doc.children(roots))
      .filter((e) => doc.is(e, 'RootComponent'))
      .map((e) => ({ type: Number(doc.attr(e, 'type')), schemaName: doc.attr(e, 'schemaName'), id: doc.attr(e, 'id') })),
  };
}

/** The `<Managed>` element to replace, with its new text: 0, 1, or 2 for a folder holding both variants. */
export function managedReplacement(doc: XmlSlices, file: string, value: 0 | 1 | 2): Map<El, string> {
  const managed = doc.child(manifestElement(doc, file), 'Managed');
  return managed === undefined ? new Map<El, string>() : new Map([[managed, `<Managed>${value}</Managed>`]]);
}

/** Compares dotted versions numerically: 1.10.0.0 is above 1.9.0.0. */
export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference) return Math.sign(difference);
  }
  return 0;
}

/** SolutionPackager's rule: a folder packs only to the type(s) it holds. */
export function checkPackageType(summary: SolutionSummary, requested: PackageType, file: string): void {
  const holds = summary.managed === 'both' ? 'Both' : summary.managed ? 'Managed' : 'Unmanaged';
  if (holds === 'Both' || holds === requested) return;
  throw new SolutionFileError(
    'PackageTypeMismatch',
    `Solution package type did not match requested type: ${file} holds a ${holds.toLowerCase()} solution, and ${requested} was asked for.`,
    holds === 'Unmanaged'
      ? 'Pack it as Unmanaged; a managed zip comes only from exporting the solution as managed in Dataverse.'
      : 'Pack it as Managed.',
  );
}

/** The manifest of a solution zip (its root solution.xml), or undefined when the zip has none. */
export async function zipSolutionManifest(zip: ZipReader, shownAs: string): Promise<SolutionSummary | undefined> {
  const name = zip.names().find((n) => n.toLowerCase() === 'solution.xml');
  return name ? readSolutionManifest(XmlSlices.parse(await zip.read(name), `${shownAs}/solution.xml`), shownAs) : undefined;
}
