import { z } from 'zod';
import { SolutionFileError } from '../../solutions/errors';
import { packSolution } from '../../solutions/pack';
import type { SolutionSummary } from '../../solutions/solutionManifest';
import { unpackSolution } from '../../solutions/unpack';
import { resolveLocalPath, stagingParent } from '../localPaths';
import { LOCAL_FILES, defineTool } from '../types';

const packageType = z.enum(['Unmanaged', 'Managed', 'Both']);
const mapArgument = z.string().min(1).optional().describe('A SolutionPackager mapping file (<Mapping> with FileToFile, FileToPath, Folder), inside the workspace or an allowed folder, as pac --map.');

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
    'Unpacks a solution .zip into the folder layout of pac solution unpack / SolutionPackager (Other/Solution.xml, Other/Customizations.xml, Entities/<table>/…, Workflows/, WebResources/, Reports/, Dashboards/, Connectors/, Templates/, …), ready for source control. ' +
    'Runs locally; nothing is sent to a service. Refuses unsafe zips (paths outside the folder, links, zip bombs, XML with DOCTYPE). ' +
    'Both reads <name>.zip and <name>_managed.zip side by side and writes _managed files where the managed variant differs. ' +
    'localize also writes every language\'s labels to Resources/<culture>/resources.<culture>.resx (pac --localize); map takes a SolutionPackager mapping file, whose mapped files are not written.',
  input: z.strictObject({
    zipFile: z.string().min(1).describe('Path of the solution zip (inside the workspace or an allowed folder).'),
    folder: z.string().min(1).describe('Folder to unpack into; created if missing. Must be empty unless overwrite is true.'),
    packageType: packageType.optional().describe('Unmanaged or Managed (default: what the zip holds), or Both.'),
    overwrite: z.boolean().default(false).describe('Replace files in a folder that is not empty. Files the unpack does not write are kept and listed as staleFiles.'),
    map: mapArgument,
    localize: z.boolean().default(false).describe('Also write the labels of every language to Resources/<culture>/resources.<culture>.resx, as pac solution unpack --localize.'),
    useLcid: z.boolean().default(false).describe('With localize, name the language folders by LCID (Resources/1036/) instead of culture (Resources/fr-FR/), as --useLcid.'),
  }),
  output: z.object({ folder: z.string(), solution: solutionOutput, packageType, files: z.number(), bytes: z.number(), staleFiles: z.array(z.string()), mapped: z.array(z.string()) }),
  annotations: LOCAL_FILES,
  ui: { paths: { zipFile: { dialog: 'open', filters: { 'Solution zip': ['zip'] } }, folder: { dialog: 'outputFolder' } }, ask: ['packageType'] },
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
    const lines = [`Unpacked ${solution.uniqueName} ${solution.version} (${result.packageType}) into ${folder}: ${result.files} files, ${result.bytes} bytes.`];
    if (result.mapped.length) lines.push(`${result.mapped.length} file(s) the mapping file maps elsewhere were not written: ${result.mapped.slice(0, 10).join(', ')}${result.mapped.length > 10 ? ', …' : ''}`);
    if (result.staleFiles.length) lines.push(`${result.staleFiles.length} file(s) already in the folder were not written by this unpack and were kept: ${result.staleFiles.slice(0, 10).join(', ')}${result.staleFiles.length > 10 ? ', …' : ''}`);
    return { result: { ...result, folder, solution }, summary: lines.join('\n') };
  },
});

export const packSolutionTool = defineTool({
  name: 'pp_pack_solution',
  toolset: 'solutions',
  title: 'Pack solution',
  description:
    'Packs a folder in the pac solution unpack / SolutionPackager layout into a solution .zip that Dataverse imports. Runs locally. ' +
    'Managed uses the _managed files of a Both folder; Both writes <name>.zip and <name>_managed.zip. Warnings name every file that was left out and why. ' +
    'localize merges Resources/<culture>/*.resx back into the labels (pac --localize); map takes a SolutionPackager mapping file, whose files are read from where it maps them.',
  input: z.strictObject({
    folder: z.string().min(1).describe('The unpacked solution folder (the one that holds Other/Solution.xml).'),
    zipFile: z.string().min(1).describe('Path of the zip to write (inside the workspace or an allowed folder). An existing file is replaced.'),
    packageType: packageType.optional().describe('Unmanaged (default) or Managed, or Both; a folder packs only to the types it holds.'),
    useUnmanagedForMissingManaged: z.boolean().default(false).describe('For Managed: use X.xml where X_managed.xml is missing, instead of leaving the component out.'),
    map: mapArgument,
    localize: z.boolean().default(false).describe('Merge the labels of Resources/<culture or LCID>/resources.*.resx back into the solution, as pac solution pack --localize.'),
  }),
  output: z.object({ zipFiles: z.array(z.string()), solution: solutionOutput, packageType, members: z.number(), warnings: z.array(z.string()), leftOut: z.array(z.string()) }),
  annotations: LOCAL_FILES,
  ui: { paths: { folder: { dialog: 'folder' }, zipFile: { dialog: 'save', filters: { 'Solution zip': ['zip'] } } }, ask: ['packageType'] },
  async handler(args, context) {
    const folder = resolveLocalPath('folder', args.folder, context.settings, 'read-folder');
    const zipFile = resolveLocalPath('zipFile', args.zipFile, context.settings, 'write-file');
    if (args.packageType === 'Both') resolveLocalPath('zipFile', zipFile.replace(/(\.zip)?$/i, '_managed.zip'), context.settings, 'write-file');
    const result = await aboutFolder(packSolution({
      folder,
      zipFile,
      packageType: args.packageType,
      useUnmanagedForMissingManaged: args.useUnmanagedForMissingManaged,
      map: mapFile(args.map, context.settings),
      // The mapping file may point outside the folder (build output); those places must be allowed too.
      allowPath: (path) => void resolveLocalPath('map', path, context.settings),
      localize: args.localize,
    }), [zipFile, args.map ?? '']);
    const solution = solutionOf(result.solution);
    const lines = [`Packed ${solution.uniqueName} ${solution.version} (${result.packageType}) into ${result.zipFiles.join(' and ')}: ${result.members} members.`];
    for (const warning of result.warnings) lines.push(`Warning: ${warning}`);
    return { result: { ...result, solution }, summary: lines.join('\n') };
  },
});
