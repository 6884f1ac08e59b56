import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { kindOf, type SplitContext } from './components';
import { SolutionFileError } from './errors';
import { listFiles } from './folderFiles';
import { localizedResources, type LocalizeOptions } from './localize';
import { SolutionMapping } from './mapping';
import { folderPathOfMember } from './memberNames';
import { safeJoin } from './safePath';
import { StagingFolder } from './stagingFolder';
import { managedReplacement, readSolutionManifest, type PackageType, type SolutionSummary } from './solutionManifest';
import { DEFAULT_ZIP_LIMITS, ZipReader, type ZipLimits } from './zipReader';
import { checkXmlSize } from './xml';
import { bytesOf, elementFile, type Piece } from './xmlText';
import { XmlSlices, type El } from './xmlSlices';

export interface UnpackOptions {
  zipFile: string;
  folder: string;
  /** Default: the type the zip holds. Both reads `<name>.zip` and `<name>_managed.zip`. */
  packageType?: PackageType;
  /** Replace files in a folder that is not empty (files the unpack does not write are kept and listed). */
  overwrite?: boolean;
  /**
   * Where the staging folder is made: beside the target by default. The target itself when its parent
   * is off limits (unpacking into an allowed folder's root); the files are then moved in one by one.
   */
  stagingParent?: string;
  limits?: ZipLimits;
  /** A SolutionPackager mapping file: files it maps are not written (they live elsewhere). */
  map?: string;
  /** Also write the labels of every language to `Resources/<culture>/resources.<culture>.resx` (`--localize`). */
  localize?: LocalizeOptions | boolean;
}

export interface UnpackResult {
  folder: string;
  solution: SolutionSummary;
  packageType: PackageType;
  files: number;
  bytes: number;
  /** Files that were already in the folder and that this unpack did not write. */
  staleFiles: string[];
  /** Files not written because the mapping file maps them elsewhere. */
  mapped: string[];
}

const ROOT_MEMBERS = ['solution.xml', 'customizations.xml', '[Content_Types].xml'];

/**
 * Unpacks a solution zip into SolutionPackager's folder layout. Everything is written to a staging
 * folder first (beside the target, or inside it), so a refused or broken zip leaves the target as it was.
 */
export async function unpackSolution(options: UnpackOptions): Promise<UnpackResult> {
  const target = options.folder;
  const existing = existsSync(target) ? listFiles(target, { skipDotFolders: true }) : [];
  if (existing.length && !options.overwrite) {
    throw new SolutionFileError(
      'FolderNotEmpty',
      `${target} already has ${existing.length} file(s); nothing was written.`,
      'Pass overwrite: true to replace the files the unpack writes, or give an empty folder.',
    );
  }
  const mapping = options.map ? await SolutionMapping.load(options.map, target) : undefined;
  const zips = await openZips(options);
  const stagingParent = options.stagingParent ?? dirname(target);
  const stage = new StagingFolder(stagingParent, zips.main, mapping);
  try {
    const base = split(await readXml(zips.main), false, stage);
    const packageType = options.packageType ?? (base.solution.managed === true ? 'Managed' : 'Unmanaged');
    if (packageType !== 'Both' && (packageType === 'Managed') !== (base.solution.managed === true)) {
      throw new SolutionFileError(
        'PackageTypeMismatch',
        `Solution package type did not match requested type: ${options.zipFile} is ${base.solution.managed ? 'managed' : 'unmanaged'}, and ${packageType} was asked for.`,
      );
    }
    if (zips.managed) {
      const managed = await readXml(zips.managed);
      if (managed.solution.uniqueName !== base.solution.uniqueName)
        throw new SolutionFileError(
          'PackageTypeMismatch',
          `${zips.managed.file} holds ${managed.solution.uniqueName}, not ${base.solution.uniqueName}.`,
        );
      split(managed, true, stage);
    }
    const manifestRoot = base.manifest.root;
    const replacements: Map<El, Piece> = zips.managed ? managedReplacement(base.manifest, 'solution.xml', 2) : new Map<El, Piece>();
    stage.write('Other/Solution.xml', bytesOf(elementFile(base.manifest, manifestRoot, { xsi: false, replacements })));
    if (options.localize) {
      const localize = typeof options.localize === 'object' ? options.localize : {};
      for (const [path, bytes] of localizedResources(base.manifest, base.customizations, {
        ...localize,
        sourceFile: basename(zips.main.file),
        packageType,
      }))
        stage.write(path, bytes);
    }
    for (const name of zips.main.names())
      if (!ROOT_MEMBERS.includes(name)) stage.member(name, base.payloads.get(name) ?? folderPathOfMember(name));
    await stage.done();
    moveInto(stage.path, target, stage.written, existing.length > 0 || stagingParent === target);
    const writtenSet = new Set(stage.written);
    return {
      folder: target,
      solution: { ...base.solution, managed: zips.managed ? 'both' : base.solution.managed },
      packageType,
      files: stage.written.length,
      bytes: stage.bytes,
      staleFiles: existing.filter((f) => !writtenSet.has(f)),
      mapped: stage.mapped.sort(),
    };
  } finally {
    await stage.remove();
    zips.main.close();
    zips.managed?.close();
  }
}

async function openZips(options: UnpackOptions): Promise<{ main: ZipReader; managed?: ZipReader }> {
  const limits = options.limits ?? DEFAULT_ZIP_LIMITS;
  if (options.packageType !== 'Both') return { main: await ZipReader.open(options.zipFile, limits) };
  const unmanagedFile = options.zipFile.replace(/_managed\.zip$/i, '.zip');
  const managedFile = unmanagedFile.replace(/\.zip$/i, '_managed.zip');
  for (const file of [unmanagedFile, managedFile]) {
    if (!existsSync(file))
      throw new SolutionFileError(
        'MissingFile',
        `A Both unpack needs ${basename(unmanagedFile)} and ${basename(managedFile)} side by side; ${file} does not exist.`,
      );
  }
  const main = await ZipReader.open(unmanagedFile, limits);
  try {
    return { main, managed: await ZipReader.open(managedFile, limits) };
  } catch (error) {
    main.close();
    throw error;
  }
}

/** A solution zip's two XML members, parsed. */
interface SolutionXml {
  zip: ZipReader;
  solution: SolutionSummary;
  manifest: XmlSlices;
  customizations: XmlSlices;
}

async function readXml(zip: ZipReader): Promise<SolutionXml> {
  for (const name of ROOT_MEMBERS) {
    if (!zip.has(name)) {
      throw new SolutionFileError(
        'InvalidSolution',
        `${zip.file} is not a solution zip: it has no ${name} at its root. A solution zip holds solution.xml, customizations.xml and [Content_Types].xml at its root.`,
        'If the files sit one folder down, the folder was zipped instead of its contents.',
      );
    }
  }
  for (const name of ROOT_MEMBERS) checkXmlSize(zip.size(name), `${zip.file}: ${name}`);
  const manifest = XmlSlices.parse(await zip.read('solution.xml'), `${zip.file}: solution.xml`);
  const solution = readSolutionManifest(manifest, `${zip.file}: solution.xml`);
  const customizations = XmlSlices.parse(await zip.read('customizations.xml'), `${zip.file}: customizations.xml`);
  return { zip, solution, manifest, customizations };
}

/**
 * Writes the component files of customizations.xml to the staging folder as they are made, and returns
 * where the zip members the components name go (zip member → folder path). The managed pass writes
 * only the `_managed` twins.
 */
function split(xml: SolutionXml, managedPass: boolean, stage: StagingFolder): SolutionXml & { payloads: Map<string, string> } {
  const { zip, customizations } = xml;
  const files = new Set<string>();
  const payloads = new Map<string, string>();
  const context: SplitContext = {
    write(path, content, options) {
      if (managedPass && !options?.twin) return;
      const file = managedPass ? path.replace(/\.xml$/, '_managed.xml') : path;
      if (files.has(file))
        throw new SolutionFileError('DuplicateComponent', `${zip.file}: two components would both be written to ${file}.`);
      files.add(file);
      stage.build(file, content);
    },
    claim(zipName, folderPath) {
      if (zip.has(zipName)) payloads.set(zipName, folderPath);
    },
  };
  const skeleton = new Map<El, Piece>();
  for (const container of customizations.children(customizations.root)) {
    const kind = kindOf(customizations.name(container));
    if (!kind) continue;
    kind.split(customizations, container, context);
    skeleton.set(container, `<${kind.container} />`);
  }
  if (!managedPass)
    context.write('Other/Customizations.xml', elementFile(customizations, customizations.root, { xsi: false, replacements: skeleton }));
  return { ...xml, payloads };
}

/** Moves the staged tree into the target: one rename when the target is new or empty, file by file otherwise. */
function moveInto(stage: string, target: string, written: string[], targetHasFiles: boolean): void {
  if (!targetHasFiles) {
    if (existsSync(target)) removeEmptyTree(target);
    if (!existsSync(target)) return renameSync(stage, target);
  }
  for (const file of written) {
    const destination = safeJoin(target, file);
    mkdirSync(dirname(destination), { recursive: true });
    renameSync(join(stage, ...file.split('/')), destination);
  }
}

/** Removes a folder that holds no files (only empty folders or dot folders are left alone). */
function removeEmptyTree(folder: string): void {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    if (entry.isDirectory() && !entry.name.startsWith('.')) removeEmptyTree(join(folder, entry.name));
  }
  if (!readdirSync(folder).length) rmdirSync(folder);
}
