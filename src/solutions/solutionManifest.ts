import type { Document } from '@xmldom/xmldom';
import { SolutionFileError } from './errors';
import { child, elements, parseXml, textOf } from './xml';
import type { ZipReader } from './zipReader';

export type PackageType = 'Unmanaged' | 'Managed' | 'Both';

export interface SolutionSummary {
  uniqueName: string;
  version: string;
  managed: boolean | 'both';
  publisher: string;
  rootComponents: Array<{ type: number; schemaName?: string; id?: string }>;
}

export function readSolutionManifest(document: Document, file: string): SolutionSummary {
  const manifest = child(document.documentElement!, 'SolutionManifest');
  if (document.documentElement!.nodeName !== 'ImportExportXml' || !manifest) throw new SolutionFileError('InvalidSolution', `${file} is not a solution manifest (no ImportExportXml/SolutionManifest).`);
  const managed = textOf(child(manifest, 'Managed'));
  return {
    uniqueName: textOf(child(manifest, 'UniqueName')),
    version: textOf(child(manifest, 'Version')),
    managed: managed === '2' ? 'both' : managed === '1',
    publisher: textOf(child(child(manifest, 'Publisher') ?? manifest, 'UniqueName')),
    rootComponents: elements(child(manifest, 'RootComponents') ?? manifest)
      .filter((e) => e.nodeName === 'RootComponent')
      .map((e) => ({ type: Number(e.getAttribute('type')), schemaName: e.getAttribute('schemaName') ?? undefined, id: e.getAttribute('id') ?? undefined })),
  };
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

/** Sets `<Managed>` to 0, 1 or 2 (2 marks a folder holding both variants). */
export function setManaged(document: Document, value: 0 | 1 | 2): void {
  const managed = child(child(document.documentElement!, 'SolutionManifest')!, 'Managed');
  if (managed) managed.textContent = String(value);
}

/** SolutionPackager's rule: a folder packs only to the type(s) it holds. */
export function checkPackageType(summary: SolutionSummary, requested: PackageType, file: string): void {
  const holds = summary.managed === 'both' ? 'Both' : summary.managed ? 'Managed' : 'Unmanaged';
  if (holds === 'Both' || holds === requested) return;
  throw new SolutionFileError(
    'PackageTypeMismatch',
    `Solution package type did not match requested type: ${file} holds a ${holds.toLowerCase()} solution, and ${requested} was asked for.`,
    holds === 'Unmanaged' ? 'Pack it as Unmanaged; a managed zip comes only from exporting the solution as managed in Dataverse.' : 'Pack it as Managed.',
  );
}

/** The manifest of a solution zip (its root solution.xml), or undefined when the zip has none. */
export async function zipSolutionManifest(zip: ZipReader, shownAs: string): Promise<SolutionSummary | undefined> {
  const name = zip.names().find((n) => n.toLowerCase() === 'solution.xml');
  return name ? readSolutionManifest(parseXml(await zip.read(name), `${shownAs}/solution.xml`), shownAs) : undefined;
}
