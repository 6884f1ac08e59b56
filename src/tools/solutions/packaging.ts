import { z } from 'zod';
import { SolutionFileError } from '../../solutions/errors';
import { packSolution } from '../../solutions/pack';
import type { SolutionSummary } from '../../solutions/solutionManifest';
import { unpackSolution } from '../../solutions/unpack';
import { firstLines } from '../listText';
import { resolveLocalPath, stagingParent } from '../localPaths';
import { LOCAL_FILES, defineTool } from '../types';

const packageType = z.enum(['Unmanaged', 'Managed', 'Both']);
const mapArgument = z.string().min(1).optional().describe('SolutionPackager mapping file (pac --map).');

function mapFile(map: string | undefined, settings: Parameters<typeof resolveLocalPath>[2]): string | undefined {
  if (!map) return undefined;
  return resolveLocalPath('map', map, settings, 'read-file');
}
/**
 * Pack errors name files relative to the folder; they are about the `folder` argument unless they
 * already name a field or one of the other paths.
 */
async function aboutFolder<T>(work: Promise<T>, otherPaths: string[]): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (!(error instanceof SolutionFileError)) throw error;
    const { message } = error;
    if (/^[A-Za-z][\w.]*: /.test(message) || otherPaths.some((path) => path && message.includes(path))) throw error;
    throw new SolutionFileError(error.code, `folder: ${message}`, error.hint);
  }
}

const solutionOutput = z.object({ uniqueName: z.string(), version: z.string(), managed: z.union([z.boolean(), z.literal('both')]) });

function solutionOf(summary: SolutionSummary): z.infer<typeof solutionOutput> {
  return { uniqueName: summary.uniqueName, version: summary.version, managed: summary.managed };
}

export const unpackSolutionTool = defineTool({
  name: 'pp_unpack_solution',
  toolset: 'solutions',
  title: 'Unpack solution',
  description:
    'Unpacks a solution zip into the pac solution unpack (SolutionPackager) folder layout, for source control. Local only; ' +
    'refuses unsafe zips. Returns the files written.',
  input: z.strictObject({
    zipFile: z.string().min(1).describe('Solution zip.'),
    folder: z.string().min(1).describe('Folder to write; empty unless overwrite.'),
    packageType: packageType.optional().describe('Default: as the zip; Both: with <name>_managed.zip.'),
    overwrite: z.boolean().default(false).describe('Write into a folder that is not empty.'),
    map: mapArgument,
    localize: z.boolean().default(false).describe('Write labels to .resx files (pac --localize).'),
    useLcid: z.boolean().default(false).describe('Folders by LCID, not culture (pac --useLcid).'),
  }),
  output: z.object({
    folder: z.string(),
    solution: solutionOutput,
    packageType,
    files: z.number(),
    bytes: z.number(),
    staleFiles: z.array(z.string()).describe('The first 100 files in the folder this unpack did not write (kept).'),
    staleFileCount: z.number().int(),
    mapped: z.array(z.string()).describe('The first 100 files the mapping file maps elsewhere (not written).'),
    mappedCount: z.number().int(),
  }),
  annotations: LOCAL_FILES,
  ui: {
    paths: { zipFile: { dialog: 'open', filters: { 'Solution zip': ['zip'] } }, folder: { dialog: 'outputFolder' } },
    ask: ['packageType'],
  },
  async handler(args, context) {
    const zipFile = resolveLocalPath('zipFile', args.zipFile, context.settings, 'read-file');
    const folder = resolveLocalPath('folder', args.folder, context.settings, 'write-folder');
    const map = mapFile(args.map, context.settings);
    const result = await unpackSolution({
      zipFile,
      folder,
      packageType: args.packageType,
      overwrite: args.overwrite,
      stagingParent: stagingParent(folder, context.settings),
      map,
      localize: args.localize && { useLcid: args.useLcid },
    });
    const solution = solutionOf(result.solution);
    const lines = [
      `Unpacked ${solution.uniqueName} ${solution.version} (${result.packageType}) into ${folder}: ${result.files} files, ${result.bytes} bytes.`,
    ];
    if (result.mapped.length)
      lines.push(
        `${result.mapped.length} file(s) the mapping file maps elsewhere were not written: ${result.mapped.slice(0, 10).join(', ')}${result.mapped.length > 10 ? ', …' : ''}`,
      );
    if (result.staleFiles.length)
      lines.push(
        `${result.staleFiles.length} file(s) already in the folder were not written by this unpack and were kept: ${result.staleFiles.slice(0, 10).join(', ')}${result.staleFiles.length > 10 ? ', …' : ''}`,
      );
    return {
      result: {
        ...result,
        folder,
        solution,
        staleFiles: result.staleFiles.slice(0, PATHS_LISTED),
        staleFileCount: result.staleFiles.length,
        mapped: result.mapped.slice(0, PATHS_LISTED),
        mappedCount: result.mapped.length,
      },
      summary: lines.join('\n'),
    };
  },
});

/** Paths and warnings a result lists: unpacking over a repository's root can leave tens of thousands unwritten. */
const PATHS_LISTED = 100;
/** Warnings the text shows, one a line. */
const WARNINGS_SHOWN = 20;

export const packSolutionTool = defineTool({
  name: 'pp_pack_solution',
  toolset: 'solutions',
  title: 'Pack solution',
  description:
    'Packs a folder in the pac solution unpack layout into a solution zip Dataverse imports. Local only. ' + 'Warns of each file left out.',
  input: z.strictObject({
    folder: z.string().min(1).describe('Unpacked solution folder.'),
    zipFile: z.string().min(1).describe('Zip to write (replaced if it exists).'),
    packageType: packageType.optional().describe('Both: with <name>_managed.zip.'),
    useUnmanagedForMissingManaged: z.boolean().default(false).describe('Managed: X.xml where X_managed.xml is missing.'),
    map: mapArgument,
    localize: z.boolean().default(false).describe('Merge .resx labels back (pac --localize).'),
  }),
  output: z.object({
    zipFiles: z.array(z.string()),
    solution: solutionOutput,
    packageType,
    members: z.number(),
    warnings: z.array(z.string()).describe('The first 100 warnings.'),
    warningCount: z.number().int(),
    leftOut: z.array(z.string()).describe('The first 100 files left out of the zip.'),
    leftOutCount: z.number().int(),
  }),
  annotations: LOCAL_FILES,
  ui: { paths: { folder: { dialog: 'folder' }, zipFile: { dialog: 'save', filters: { 'Solution zip': ['zip'] } } }, ask: ['packageType'] },
  async handler(args, context) {
    const folder = resolveLocalPath('folder', args.folder, context.settings, 'read-folder');
    const zipFile = resolveLocalPath('zipFile', args.zipFile, context.settings, 'write-file');
    if (args.packageType === 'Both')
      resolveLocalPath('zipFile', zipFile.replace(/(\.zip)?$/i, '_managed.zip'), context.settings, 'write-file');
    const result = await aboutFolder(
      packSolution({
        folder,
        zipFile,
        packageType: args.packageType,
        useUnmanagedForMissingManaged: args.useUnmanagedForMissingManaged,
        map: mapFile(args.map, context.settings),
        // The mapping file may point outside the folder (build output); those places must be allowed too.
        allowPath: (path) => void resolveLocalPath('map', path, context.settings),
        localize: args.localize,
      }),
      [zipFile, args.map ?? ''],
    );
    const solution = solutionOf(result.solution);
    const lines = [
      `Packed ${solution.uniqueName} ${solution.version} (${result.packageType}) into ${result.zipFiles.join(' and ')}: ${result.members} members.`,
    ];
    lines.push(
      ...firstLines(
        result.warnings.map((warning) => `Warning: ${warning}`),
        WARNINGS_SHOWN,
        (left) => `… and ${left} more warnings (the result lists the first ${PATHS_LISTED}).`,
      ),
    );
    return {
      result: {
        ...result,
        solution,
        warnings: result.warnings.slice(0, PATHS_LISTED),
        warningCount: result.warnings.length,
        leftOut: result.leftOut.slice(0, PATHS_LISTED),
        leftOutCount: result.leftOut.length,
      },
      summary: lines.join('\n'),
    };
  },
});
