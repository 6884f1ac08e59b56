import { createWriteStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { zipSolutionManifest, type SolutionSummary } from '../../solutions/solutionManifest';
import { child, elements, parseXml } from '../../solutions/xml';
import { ZipReader } from '../../solutions/zipReader';
import { ToolError } from '../errors';

export interface PackageSolution {
  file: string;
  member: string;
  solution: SolutionSummary;
  overwriteUnmanagedCustomizations: boolean;
  publishWorkflows: boolean;
}

export interface PackageContents {
  name: string;
  solutions: PackageSolution[];
  /** Assemblies with custom code (PackageTemplateBase overrides), which cannot run here. */
  assemblies: string[];
  /** The Configuration Migration data to import after the solutions (the package's base-language file), if any. */
  dataFile?: { name: string; member: string };
  /** Import-map files (filestoimport), which this version cannot import. */
  importFiles: string[];
}

/** Assemblies of the Package Deployer runtime itself, which every package carries and which hold no package code. */
const RUNTIME_ASSEMBLIES = /^(microsoft\.|system\.|newtonsoft\.json)/i;

/**
 * Reads a Package Deployer package zip: ImportConfig.xml, its solutions in order, its data files and assemblies
 * (docs/service-notes.md#application-packages-and-package-deployer).
 */
export async function readPackage(file: string, shownAs: string): Promise<PackageContents> {
  const zip = await ZipReader.open(file);
  try {
    const config = zip.names().find((n) => /(^|\/)ImportConfig\.xml$/i.test(n));
    if (!config)
      throw new ToolError(
        `packageFile: ${shownAs} is not a Package Deployer package: it has no ImportConfig.xml. Nothing was changed.`,
        'For a single solution, use pp_import_solution.',
      );
    const folder = config.slice(0, config.length - 'ImportConfig.xml'.length);
    const root = parseXml(await zip.read(config), `${shownAs}/${config}`).documentElement!;
    const flag = (value: string | null, fallback: boolean) => (value === null || value === '' ? fallback : value.toLowerCase() === 'true');
    const solutions: PackageSolution[] = [];
    for (const entry of elements(child(root, 'solutions') ?? root).filter((e) => e.nodeName === 'configsolutionfile')) {
      const name = entry.getAttribute('solutionpackagefilename') ?? '';
      const member = `${folder}${name}`;
      if (!zip.has(member))
        throw new ToolError(`packageFile: ImportConfig.xml names ${name}, which is not in the package. Nothing was changed.`);
      const inner = await innerManifest(zip, member, shownAs);
      solutions.push({
        file: name,
        member,
        solution: inner,
        overwriteUnmanagedCustomizations: flag(entry.getAttribute('overwriteunmanagedcustomizations'), false),
        publishWorkflows: flag(entry.getAttribute('publishworkflowsandactivateplugins'), true),
      });
    }
    // Package Deployer takes the cmtdatafile of the target's base language, else crmmigdataimportfile
    // (docs/service-notes.md#application-packages-and-package-deployer); 1033 is assumed here.
    const perLanguage = elements(child(root, 'cmtdatafiles') ?? root).filter((e) => e.nodeName === 'cmtdatafile');
    const dataName =
      (perLanguage.find((e) => e.getAttribute('lcid') === '1033') ?? perLanguage[0])?.getAttribute('filename') ||
      root.getAttribute('crmmigdataimportfile') ||
      '';
    if (dataName && !zip.has(`${folder}${dataName}`))
      throw new ToolError(
        `packageFile: ImportConfig.xml names the data file ${dataName}, which is not in the package. Nothing was changed.`,
      );
    const importFiles = elements(child(root, 'filestoimport') ?? root)
      .filter((e) => e.nodeName === 'configimportfile')
      .map((e) => e.getAttribute('filename') ?? '')
      .filter(Boolean);
    const assemblies = zip.names().filter((n) => /\.dll$/i.test(n) && !RUNTIME_ASSEMBLIES.test(n.split('/').pop()!));
    return {
      name: shownAs
        .split(/[\\/]/)
        .pop()!
        .replace(/\.zip$/i, ''),
      solutions,
      assemblies,
      dataFile: dataName ? { name: dataName, member: `${folder}${dataName}` } : undefined,
      importFiles,
    };
  } finally {
    zip.close();
  }
}

async function innerManifest(zip: ZipReader, member: string, shownAs: string): Promise<SolutionSummary> {
  const bytes = await zip.read(member);
  const inner = await ZipReader.fromBuffer(bytes, `${shownAs}/${member}`);
  try {
    const manifest = await zipSolutionManifest(inner, member);
    if (!manifest) throw new ToolError(`packageFile: ${member} in the package is not a solution zip. Nothing was changed.`);
    return manifest;
  } finally {
    inner.close();
  }
}

/** Writes one member of the package (a solution, a data file) to a temporary file, for the streamed upload. */
export async function extractMember(file: string, member: string): Promise<string> {
  const zip = await ZipReader.open(file);
  try {
    const target = join(await mkdtemp(join(tmpdir(), 'power-agent-package-')), member.split('/').pop()!);
    await pipeline(await zip.stream(member), createWriteStream(target));
    return target;
  } finally {
    zip.close();
  }
}
