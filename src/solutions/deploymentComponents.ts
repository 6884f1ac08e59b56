import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SolutionFileError } from './errors';
import { listFiles } from './folderFiles';
import { child, elements, parseXml, textOf } from './xml';
import { ZipReader } from './zipReader';

export interface ConnectionReferenceInfo {
  logicalName: string;
  displayName: string;
  connectorId: string;
}

export interface EnvironmentVariableInfo {
  schemaName: string;
  displayName: string;
  /** 100000000 text, 100000001 number, 100000002 yes/no, 100000003 JSON, 100000004 data source, 100000005 secret. */
  type: number;
  defaultValue: string | null;
}

export interface DeploymentComponents {
  solution: string;
  connectionReferences: ConnectionReferenceInfo[];
  environmentVariables: EnvironmentVariableInfo[];
}

const DEFINITION = /^environmentvariabledefinitions\/[^/]+\/environmentvariabledefinition\.xml$/i;

/**
 * The connection references and environment variables a solution carries (what `pac solution
 * create-settings` reads), from a solution zip or an unpacked folder.
 */
export async function readDeploymentComponents(path: string): Promise<DeploymentComponents> {
  return deploymentComponentsOf(statSync(path).isDirectory() ? await folderFiles(path) : await zipFiles(path), path);
}

/** The same from a solution's files, keyed `customizations.xml`, `solution.xml` and `environmentvariabledefinitions/…`. */
export function deploymentComponentsOf(files: Map<string, Buffer>, path: string): DeploymentComponents {
  const customizations = files.get('customizations.xml');
  const manifest = files.get('solution.xml');
  if (!customizations || !manifest)
    throw new SolutionFileError(
      'InvalidSolution',
      `${path} is not a solution: it has no customizations.xml and solution.xml (or Other/Customizations.xml and Other/Solution.xml).`,
    );
  const root = parseXml(customizations, 'customizations.xml').documentElement!;
  const connectionReferences = elements(child(root, 'connectionreferences') ?? root)
    .filter((e) => e.nodeName === 'connectionreference')
    .map((e) => ({
      logicalName: e.getAttribute('connectionreferencelogicalname') ?? '',
      displayName: textOf(child(e, 'connectionreferencedisplayname')),
      connectorId: textOf(child(e, 'connectorid')),
    }));
  const environmentVariables = [...files]
    .filter(([name]) => DEFINITION.test(name))
    .map(([name, bytes]) => {
      const definition = parseXml(bytes, name).documentElement!;
      const defaultValue = child(definition, 'defaultvalue');
      return {
        schemaName: definition.getAttribute('schemaname') ?? '',
        displayName: child(definition, 'displayname')?.getAttribute('default') ?? '',
        type: Number(textOf(child(definition, 'type'))) || 100000000,
        defaultValue: defaultValue ? textOf(defaultValue) : null,
      };
    });
  const solution = textOf(child(child(parseXml(manifest, 'solution.xml').documentElement!, 'SolutionManifest') ?? root, 'UniqueName'));
  return { solution, connectionReferences, environmentVariables };
}

/** The members `deploymentComponentsOf` reads, under the keys it expects. */
export function deploymentFileKey(member: string): string | undefined {
  if (/^(customizations|solution)\.xml$/i.test(member)) return member.toLowerCase();
  return DEFINITION.test(member) ? member : undefined;
}

async function zipFiles(file: string): Promise<Map<string, Buffer>> {
  const zip = await ZipReader.open(file);
  try {
    const wanted = zip.names().filter((n) => deploymentFileKey(n));
    return new Map(await Promise.all(wanted.map(async (name) => [deploymentFileKey(name)!, await zip.read(name)] as const)));
  } finally {
    zip.close();
  }
}

async function folderFiles(folder: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const [from, to] of [
    ['Other/Customizations.xml', 'customizations.xml'],
    ['Other/Solution.xml', 'solution.xml'],
  ] as const) {
    if (existsSync(join(folder, from))) files.set(to, await readFile(join(folder, from)));
  }
  const base = join(folder, 'environmentvariabledefinitions');
  const definitions = existsSync(base)
    ? listFiles(base)
        .map((f) => `environmentvariabledefinitions/${f}`)
        .filter((f) => DEFINITION.test(f))
    : [];
  for (const name of definitions) files.set(name, await readFile(join(folder, ...name.split('/'))));
  return files;
}
