import { readFile, stat } from 'node:fs/promises';
import { PARALLEL_FILES, mapLimited } from './parallel';
import { join } from 'node:path';
import type { Document } from '@xmldom/xmldom';
import { COMPONENT_KINDS, UNSUPPORTED_LAYOUTS, type JoinContext } from './components';
import { SolutionFileError } from './errors';
import { listFiles } from './folderFiles';
import { checkPackageType, readSolutionManifest, setManaged, type PackageType, type SolutionSummary } from './solutionManifest';
import { checkXmlSize, child, elements, isEmpty, parseXml, serializeXml, textOf } from './xml';
import { memberNameProblem, writeZip, type ZipMember } from './zipWriter';

export interface PackOptions {
  folder: string;
  /** The zip to write; a Both pack also writes `<name>_managed.zip` beside it. */
  zipFile: string;
  /** Default: Unmanaged, or Managed for a folder that holds only a managed solution. */
  packageType?: PackageType;
  /** Managed packs use `X_managed.xml`; when it is missing, use `X.xml` instead of leaving the component out. */
  useUnmanagedForMissingManaged?: boolean;
}

export interface PackResult {
  zipFiles: string[];
  solution: SolutionSummary;
  packageType: PackageType;
  members: number;
  warnings: string[];
}

/** Packs a SolutionPackager folder into a solution zip Dataverse imports. */
export async function packSolution(options: PackOptions): Promise<PackResult> {
  const files = await listFiles(options.folder, { skipDotFolders: true });
  if (files.some((f) => /^solutions\/[^/]+\/solution\.yml$/.test(f))) {
    throw new SolutionFileError('UnsupportedFormat', `${options.folder} is in the YAML source-control format (solutions/*/solution.yml), which this version does not pack.`, 'Unpack the solution zip with pp_unpack_solution to get the XML layout.');
  }
  for (const required of ['Other/Solution.xml', 'Other/Customizations.xml']) {
    if (!files.includes(required)) throw new SolutionFileError('InvalidFolder', `Cannot find required file ${required} in ${options.folder}.`, 'Point folder at the unpacked solution root (the folder that contains Other/), often src/ in a pac project.');
  }
  for (const layout of UNSUPPORTED_LAYOUTS) {
    if (files.some((f) => f.startsWith(layout.prefix))) {
      throw new SolutionFileError('UnsupportedComponents', `${options.folder} holds ${layout.what} in SolutionPackager's split layout (${layout.prefix}), which this version does not pack yet; nothing was written.`, 'Pack this folder with pac solution pack for now.');
    }
  }
  // Read once; each build parses its own copy, because joining fills the documents in.
  const xmlNames = files.filter((f) => f.endsWith('.xml'));
  const xmlFiles = new Map<string, Buffer>(await mapLimited(xmlNames, PARALLEL_FILES, (file) => readXmlFile(options.folder, file)));
  const solution = readSolutionManifest(parseXml(xmlFiles.get('Other/Solution.xml')!, 'Other/Solution.xml'), 'Other/Solution.xml');
  const packageType = options.packageType ?? (solution.managed === true ? 'Managed' : 'Unmanaged');
  checkPackageType(solution, packageType, 'Other/Solution.xml');

  const warnings: string[] = [];
  const zipFiles: string[] = [];
  let members = 0;
  for (const managed of packageType === 'Both' ? [false, true] : [packageType === 'Managed']) {
    const zipFile = managed && packageType === 'Both' ? options.zipFile.replace(/(\.zip)?$/i, '_managed.zip') : options.zipFile;
    const built = build(options, files, xmlFiles, { managed, plainIsManaged: solution.managed === true });
    warnings.push(...built.warnings.map((w) => (packageType === 'Both' ? `${managed ? 'Managed' : 'Unmanaged'}: ${w}` : w)));
    await writeZip(zipFile, built.members);
    zipFiles.push(zipFile);
    members = built.members.length + 1;
  }
  return { zipFiles, solution, packageType, members, warnings };
}

/**
 * One zip's members. `plainIsManaged`: the folder holds only a managed solution, so its plain files
 * are the managed variant.
 */
function build(options: PackOptions, files: string[], xmlFiles: Map<string, Buffer>, variant: { managed: boolean; plainIsManaged: boolean }): { members: ZipMember[]; warnings: string[] } {
  const { managed, plainIsManaged } = variant;
  const fileSet = new Set(files);
  const used = new Set<string>();
  const warnings: string[] = [];
  const payloads = new Map<string, string>();
  const parsed = new Map<string, Document>();
  for (const [file, bytes] of xmlFiles) parsed.set(file, parseXml(bytes, file));
  const load = (path: string) => {
    used.add(path);
    return parsed.get(path);
  };
  const context: JoinContext = {
    managed,
    list: (prefix) => files.filter((f) => f.startsWith(prefix)),
    exists: (path) => fileSet.has(path),
    read(path, readOptions) {
      if (!readOptions?.twin) return load(path);
      const managedPath = path.replace(/\.xml$/, '_managed.xml');
      used.add(path).add(managedPath);
      if (!managed) return load(path);
      if (fileSet.has(managedPath)) return load(managedPath);
      if (plainIsManaged || options.useUnmanagedForMissingManaged) return load(path);
      warnings.push(`${managedPath} is missing, so that component is not in the managed zip (useUnmanagedForMissingManaged uses ${path} instead).`);
      return undefined;
    },
    payload(zipName, folderPath) {
      const unsafe = memberNameProblem(zipName);
      if (unsafe) {
        throw new SolutionFileError('UnsafePath', `${join(options.folder, ...folderPath.split('/'))}.data.xml names its file "${zipName}", which cannot be in a solution zip: ${unsafe}. Nothing was written.`, 'Correct the file name in that file so it names a file inside the solution.');
      }
      if (!fileSet.has(folderPath)) return void warnings.push(`${folderPath} is missing; the component that names ${zipName} has no content.`);
      used.add(folderPath);
      payloads.set(zipName, folderPath);
    },
    warn: (message) => void warnings.push(message),
  };

  const manifest = load('Other/Solution.xml')!;
  setManaged(manifest, managed ? 1 : 0);
  const customizations = load('Other/Customizations.xml')!;
  const owned: string[] = ['Other/'];
  for (const container of elements(customizations.documentElement!)) {
    const kind = COMPONENT_KINDS.find((k) => k.container === container.nodeName);
    if (!kind) continue;
    owned.push(...kind.owns);
    if (isEmpty(container)) kind.join(container, context);
    else warnings.push(`${container.nodeName} has content inline in Other/Customizations.xml; it was kept as it is.`);
  }
  warnings.push(...undefinedRootComponents(readSolutionManifest(manifest, 'Other/Solution.xml'), customizations));

  const members: ZipMember[] = [
    { name: 'solution.xml', data: serializeXml(manifest) },
    { name: 'customizations.xml', data: serializeXml(customizations) },
  ];
  for (const [zipName, folderPath] of [...payloads].sort(([a], [b]) => a.localeCompare(b))) members.push({ name: zipName, file: join(options.folder, ...folderPath.split('/')) });
  const taken = new Set(members.map((m) => m.name));
  for (const file of files) {
    if (used.has(file) || taken.has(file)) continue;
    if (owned.some((prefix) => file === prefix || (prefix.endsWith('/') && file.startsWith(prefix)))) {
      if (!file.endsWith('_managed.xml')) warnings.push(`${file} is not part of any component and was left out.`);
      continue;
    }
    members.push({ name: file, file: join(options.folder, ...file.split('/')) }); // environment variables, bots, custom APIs…: verbatim
  }
  return { members, warnings };
}

/** One XML file of the folder, refused before it is read when it is too large to parse. */
async function readXmlFile(folder: string, file: string): Promise<readonly [string, Buffer]> {
  const path = join(folder, ...file.split('/'));
  checkXmlSize((await stat(path)).size, path);
  return [file, await readFile(path)] as const;
}

/** pac reports these and still succeeds; we report them as warnings too, with the names. */
function undefinedRootComponents(solution: SolutionSummary, customizations: Document): string[] {
  const root = customizations.documentElement!;
  const names = (container: string, read: (e: import('@xmldom/xmldom').Element) => string) =>
    new Set(elements(child(root, container) ?? root).filter((e) => e.parentNode && (e.parentNode as { nodeName: string }).nodeName === container).map((e) => read(e).toLowerCase()));
  const defined: Record<number, Set<string>> = {
    1: names('Entities', (e) => textOf(child(e, 'Name'))),
    29: names('Workflows', (e) => (e.getAttribute('WorkflowId') ?? '').replace(/[{}]/g, '')),
    61: names('WebResources', (e) => textOf(child(e, 'Name'))),
    300: names('CanvasApps', (e) => textOf(child(e, 'Name'))),
  };
  const missing = solution.rootComponents.filter((c) => {
    const set = defined[c.type];
    const key = (c.schemaName ?? c.id ?? '').replace(/[{}]/g, '').toLowerCase();
    return set && key && !set.has(key);
  });
  return missing.length ? [`Following root components are not defined in customizations: ${missing.map((c) => `${c.schemaName ?? c.id} (type ${c.type})`).join(', ')}.`] : [];
}
