import { join } from 'node:path';
import { COMPONENT_KINDS, kindOf, type JoinContext } from './components';
import { SolutionFileError } from './errors';
import { listFiles } from './folderFiles';
import { mergeResources, type LocalizeOptions } from './localize';
import { SolutionMapping } from './mapping';
import { memberOfFolderPath } from './memberNames';
import { readInBackground } from './backgroundReader';
import { isSafeRelative } from './safePath';
import { DeflateInPieces, PIECE_BYTES } from './deflatePieces';
import { checkPackageType, managedReplacement, readSolutionManifest, type PackageType, type SolutionSummary } from './solutionManifest';
import { ByteBuilder, DECLARATION, filledContainer, type Piece } from './xmlText';
import { XmlSlices, withoutBom, type El } from './xmlSlices';
import { MAX_XML_BYTES, xmlTooLarge } from './xml';
import { writeZip, type ZipMember } from './zipWriter';

export interface PackOptions {
  folder: string;
  /** The zip to write; a Both pack also writes `<name>_managed.zip` beside it. */
  zipFile: string;
  /** Default: Unmanaged, or Managed for a folder that holds only a managed solution. */
  packageType?: PackageType;
  /** Managed packs use `X_managed.xml`; when it is missing, use `X.xml` instead of leaving the component out. */
  useUnmanagedForMissingManaged?: boolean;
  /** A SolutionPackager mapping file: files it matches are read from the places it maps them to. */
  map?: string;
  /** Checks a place outside the folder before anything is read from it (the mapping file's targets). */
  allowPath?: (absolutePath: string) => void;
  /** Merge the labels of `Resources/<culture>/*.resx` back into the solution (`--localize`). */
  localize?: LocalizeOptions | boolean;
}

export interface PackResult {
  zipFiles: string[];
  solution: SolutionSummary;
  packageType: PackageType;
  members: number;
  warnings: string[];
  /** Folder files no component uses, so not in the zip (each is also named in a warning). */
  leftOut: string[];
}

/** Files read as text up front: the XML of the layout, template documents and resource files. */
const TEXT_FILE = /\.(xml|xsl|resx)$/i;

/** A folder's files, read once for every zip a pack writes. */
interface Folder {
  root: string;
  files: string[];
  fileSet: Set<string>;
  /** The text files' bytes, BOM removed. */
  texts: Map<string, Buffer>;
  docs: Map<string, XmlSlices>;
  /** Files that come from elsewhere (mapping file) → their absolute path. */
  sources: Map<string, string>;
  mapping?: SolutionMapping;
  both: boolean;
  plainIsManaged: boolean;
}

/** Packs a SolutionPackager folder into a solution zip Dataverse imports. */
export async function packSolution(options: PackOptions): Promise<PackResult> {
  const folder = await readFolder(options);
  const solution = readSolutionManifest(parse(folder, 'Other/Solution.xml'), 'Other/Solution.xml');
  const packageType = options.packageType ?? (solution.managed === true ? 'Managed' : 'Unmanaged');
  checkPackageType(solution, packageType, 'Other/Solution.xml');
  folder.both = solution.managed === 'both';
  folder.plainIsManaged = solution.managed === true;

  const warnings: string[] = [];
  const zipFiles: string[] = [];
  const leftOut = new Set<string>();
  let members = 0;
  for (const managed of packageType === 'Both' ? [false, true] : [packageType === 'Managed']) {
    const zipFile = managed && packageType === 'Both' ? options.zipFile.replace(/(\.zip)?$/i, '_managed.zip') : options.zipFile;
    const built = build(folder, options, managed);
    warnings.push(...built.warnings.map((w) => (packageType === 'Both' ? `${managed ? 'Managed' : 'Unmanaged'}: ${w}` : w)));
    for (const file of built.leftOut) leftOut.add(file);
    await writeZip(zipFile, built.members);
    zipFiles.push(zipFile);
    members = built.members.length + 1;
  }
  return { zipFiles, solution, packageType, members, warnings, leftOut: [...leftOut].sort() };
}

async function readFolder(options: PackOptions): Promise<Folder> {
  const files = listFiles(options.folder, { skipDotFolders: true });
  if (files.some((f) => /^solutions\/[^/]+\/solution\.yml$/.test(f))) {
    throw new SolutionFileError(
      'UnsupportedFormat',
      `${options.folder} is in the YAML source-control format (solutions/*/solution.yml), which this version does not pack.`,
      'Unpack the solution zip with pp_unpack_solution to get the XML layout.',
    );
  }
  for (const required of ['Other/Solution.xml', 'Other/Customizations.xml']) {
    if (!files.includes(required))
      throw new SolutionFileError(
        'InvalidFolder',
        `Cannot find required file ${required} in ${options.folder}.`,
        'Point folder at the unpacked solution root (the folder that contains Other/), often src/ in a pac project.',
      );
  }
  const sources = new Map<string, string>();
  let mapping: SolutionMapping | undefined;
  if (options.map) {
    mapping = await SolutionMapping.load(options.map, options.folder);
    for (const target of mapping.targets()) options.allowPath?.(target);
    for (const [path, file] of mapping.folderFiles()) sources.set(path, file);
  }
  const all = [...new Set([...files, ...sources.keys()])].sort();
  const folder: Folder = {
    root: options.folder,
    files: all,
    fileSet: new Set(all),
    texts: new Map(),
    docs: new Map(),
    sources,
    mapping,
    both: false,
    plainIsManaged: false,
  };
  const textFiles = all.filter((f) => TEXT_FILE.test(f));
  const paths = textFiles.map((file) => sourceOf(folder, file));
  const nameOf = new Map(paths.map((path, i) => [path, textFiles[i]!]));
  // Read on the file thread while this one parses what is read; an XML file too large is refused before it is read.
  await readInBackground(
    paths.map((file, i) => ({ file, limit: textFiles[i]!.endsWith('.xml') ? MAX_XML_BYTES : Infinity })),
    (first, read) =>
      read.forEach((bytes, i) => {
        const file = textFiles[first + i]!;
        folder.texts.set(file, withoutBom(bytes));
        try {
          if (file.endsWith('.xml')) parse(folder, file);
        } catch {
          // Not XML after all: refused when a component uses it, and left out if none does.
        }
      }),
    (path, size) => xmlTooLarge(size, nameOf.get(path) ?? path),
  );
  return folder;
}

/** Where a folder file is read from: the mapped place when the mapping file matches it. */
function sourceOf(folder: Folder, path: string): string {
  const mapped = folder.sources.get(path) ?? folder.mapping?.resolve(path)?.file;
  return mapped ?? join(folder.root, ...path.split('/'));
}

function parse(folder: Folder, path: string): XmlSlices {
  let doc = folder.docs.get(path);
  if (!doc) {
    doc = XmlSlices.parse(folder.texts.get(path) ?? Buffer.alloc(0), path);
    folder.docs.set(path, doc);
  }
  return doc;
}

/** The files under a prefix, from the sorted list. */
function filesUnder(files: string[], prefix: string): string[] {
  let low = 0;
  let high = files.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (files[middle]! < prefix) low = middle + 1;
    else high = middle;
  }
  const found: string[] = [];
  for (let i = low; i < files.length && files[i]!.startsWith(prefix); i++) found.push(files[i]!);
  return found;
}

/** One zip's members. */
function build(folder: Folder, options: PackOptions, managed: boolean): { members: ZipMember[]; warnings: string[]; leftOut: string[] } {
  const used = new Set<string>(['Other/Solution.xml', 'Other/Customizations.xml']);
  const warnings: string[] = [];
  const payloads = new Map<string, string>();
  const load = (path: string) => {
    used.add(path);
    return parse(folder, path);
  };
  const context: JoinContext = {
    list: (prefix) => filesUnder(folder.files, prefix),
    exists: (path) => folder.fileSet.has(path),
    read(path, readOptions) {
      if (!readOptions?.twin) return load(path);
      const managedPath = path.replace(/\.xml$/, '_managed.xml');
      // In a folder holding both variants, the twin not packed is expected; elsewhere it is reported.
      if (folder.both) used.add(path).add(managedPath);
      if (!managed) return load(path);
      if (folder.fileSet.has(managedPath)) return load(managedPath);
      if (folder.plainIsManaged || options.useUnmanagedForMissingManaged) return load(path);
      used.add(path);
      warnings.push(
        `${managedPath} is missing, so that component is not in the managed zip (useUnmanagedForMissingManaged uses ${path} instead).`,
      );
      return undefined;
    },
    readText(path) {
      used.add(path);
      return folder.texts.get(path)?.toString('utf8');
    },
    payload(zipName, folderPath) {
      if (!payloads.has(zipName)) payloads.set(zipName, folderPath);
    },
    warn: (message) => void warnings.push(message),
  };

  const manifestDoc = load('Other/Solution.xml');
  const replacement = managedReplacement(manifestDoc, 'Other/Solution.xml', managed ? 1 : 0);
  let manifestXml = new ByteBuilder(manifestDoc.bytes.length + 64)
    .bom()
    .raw(`${DECLARATION}\r\n`)
    .copyReplacing(manifestDoc, manifestDoc.root, 0, replacement)
    .result();
  const skeleton = load('Other/Customizations.xml');
  const filled = new Map<El, Piece>();
  for (const container of skeleton.children(skeleton.root)) {
    const kind = kindOf(skeleton.name(container));
    if (!kind) continue;
    if (!skeleton.isEmpty(container)) {
      warnings.push(`${kind.container} has content inline in Other/Customizations.xml; it was kept as it is.`);
      continue;
    }
    const indent = skeleton.indentOf(container) + 2;
    const items = kind.join(context, indent);
    if (items.length) filled.set(container, filledContainer(skeleton, container, items, indent));
  }
  // Compressed while it is written, in pieces on the thread pool (see handOff); unless localize rewrites it
  // afterwards: then it is written in one buffer, without copies of its parts. Its size is about the folder's XML
  // plus the indentation the parts get back; twice that is reserved so the buffer never grows (growing copied
  // it, 80 ms at 18 MB).
  const deflate = options.localize ? undefined : new DeflateInPieces();
  const customizations = deflate
    ? new ByteBuilder(2 * PIECE_BYTES).handOff(PIECE_BYTES, (piece) => deflate.add(piece))
    : new ByteBuilder(2 * [...folder.texts.values()].reduce((sum, bytes) => sum + bytes.length, 64));
  customizations.bom().raw(`${DECLARATION}\r\n`).copyReplacing(skeleton, skeleton.root, 0, filled);
  let customizationsXml = customizations.result();
  if (options.localize) {
    const merged = mergeResources(
      manifestXml,
      customizationsXml,
      folder.texts,
      typeof options.localize === 'object' ? options.localize : {},
    );
    for (const file of merged.used) used.add(file);
    warnings.push(...merged.warnings);
    customizationsXml = merged.customizations;
    manifestXml = merged.manifest;
  }
  warnings.push(...undefinedRootComponents(readSolutionManifest(manifestDoc, 'Other/Solution.xml'), definedNames(folder, used, skeleton)));

  const members: ZipMember[] = [
    deflate
      ? { name: 'customizations.xml', deflated: deflate.finish(customizations.result()) }
      : { name: 'customizations.xml', data: customizationsXml },
    { name: 'solution.xml', data: manifestXml },
  ];
  for (const [zipName, folderPath] of payloads) {
    // Both come from metadata in the folder: neither may reach outside the folder or the zip.
    if (!isSafeRelative(zipName) || !isSafeRelative(folderPath)) {
      throw new SolutionFileError(
        'UnsafePath',
        `A component names the file "${zipName}" (read from "${folderPath}"), which is outside the solution; nothing was packed.`,
        "Fix the path in the component's metadata file.",
      );
    }
    const mapped = folder.sources.get(folderPath) ?? folder.mapping?.resolve(folderPath);
    const file = typeof mapped === 'string' ? mapped : mapped?.file;
    if (typeof mapped === 'object' && mapped.note) warnings.push(mapped.note);
    if (!file && !folder.fileSet.has(folderPath)) {
      warnings.push(`${folderPath} is missing; the component that names ${zipName} has no content.`);
      continue;
    }
    used.add(folderPath);
    members.push({ name: zipName, file: file ?? join(folder.root, ...folderPath.split('/')) });
  }
  const taken = new Set(members.map((m) => m.name));
  const leftOut: string[] = [];
  for (const path of folder.files) {
    if (used.has(path) || taken.has(path) || isMappingFile(folder, path)) continue;
    if (
      !path.includes('/') ||
      path.startsWith('Other/') ||
      path.startsWith('Resources/') ||
      COMPONENT_KINDS.some((kind) => kind.owns(path))
    ) {
      leftOut.push(path);
      continue;
    }
    // Environment variables, agents, custom APIs and other tables' records: copied as they are.
    const member = memberOfFolderPath(path);
    if (!taken.has(member)) members.push({ name: member, file: folder.sources.get(path) ?? join(folder.root, ...path.split('/')) });
  }
  warnings.push(...leftOutWarnings(leftOut, Boolean(options.localize)));
  return { members, warnings, leftOut };
}

function isMappingFile(folder: Folder, path: string): boolean {
  return Boolean(folder.mapping) && join(folder.root, ...path.split('/')) === folder.mapping!.file;
}

/** One warning per reason, naming the files (the first ten of each). */
function leftOutWarnings(leftOut: string[], localize: boolean): string[] {
  const groups = new Map<string, string[]>();
  for (const file of leftOut) {
    const reason =
      file.startsWith('Resources/') && !localize
        ? 'hold labels for other languages; pack with localize: true to merge them'
        : file.endsWith('_managed.xml')
          ? 'are managed variants, but the folder holds one package type only'
          : !file.includes('/')
            ? 'are not part of the SolutionPackager layout'
            : 'are not used by any component';
    groups.set(reason, [...(groups.get(reason) ?? []), file]);
  }
  return [...groups].map(
    ([reason, files]) =>
      `${files.length} file(s) were left out: they ${reason}: ${files.slice(0, 10).join(', ')}${files.length > 10 ? ', …' : ''}.`,
  );
}

/** What can be a root component, by component type, from the files packed and from containers kept inline. */
const DEFINITIONS: Array<{ type: number; container: string; file: RegExp; name: (doc: XmlSlices, e: El) => string }> = [
  { type: 1, container: 'Entities', file: /^Entities\/[^/]+\/Entity\.xml$/, name: (doc, e) => doc.childText(e, 'Name') },
  { type: 29, container: 'Workflows', file: /^Workflows\/.*\.data\.xml$/, name: (doc, e) => doc.attr(e, 'WorkflowId') ?? '' },
  { type: 61, container: 'WebResources', file: /^WebResources\/.*\.data\.xml$/, name: (doc, e) => doc.childText(e, 'Name') },
  { type: 300, container: 'CanvasApps', file: /^CanvasApps\/[^/]+\.meta\.xml$/, name: (doc, e) => doc.childText(e, 'Name') },
];

function definedNames(folder: Folder, used: Set<string>, skeleton: XmlSlices): Record<number, Set<string>> {
  const defined: Record<number, Set<string>> = {};
  const key = (name: string) => name.replace(/[{}]/g, '').toLowerCase();
  for (const { type, container, file, name } of DEFINITIONS) {
    const names = (defined[type] = new Set<string>());
    for (const path of used) if (file.test(path)) names.add(key(name(parse(folder, path), parse(folder, path).root)));
    for (const e of skeleton.children(skeleton.child(skeleton.root, container))) names.add(key(name(skeleton, e)));
  }
  return defined;
}

/** pac reports these and still succeeds; we report them as warnings too, with the names. */
function undefinedRootComponents(solution: SolutionSummary, defined: Record<number, Set<string>>): string[] {
  const missing = solution.rootComponents.filter((c) => {
    const set = defined[c.type];
    const key = (c.schemaName ?? c.id ?? '').replace(/[{}]/g, '').toLowerCase();
    return set && key && !set.has(key);
  });
  return missing.length
    ? [
        `Following root components are not defined in customizations: ${missing.map((c) => `${c.schemaName ?? c.id} (type ${c.type})`).join(', ')}.`,
      ]
    : [];
}
