import { randomUUID } from 'node:crypto';
import yauzl from 'yauzl';
import type { SandboxOrg } from '../state';

/**
 * StageSolution: the service unpacks the uploaded zip into a staging area and validates it against the
 * environment without installing anything. The sandbox reads what it needs with its own small readers
 * (yauzl for the zip, regular expressions for the XML), not with the server's packager.
 */

interface Staged {
  uniqueName: string;
  friendlyName: string;
  description: string;
  version: string;
  managed: boolean;
  publisher: { uniqueName: string; friendlyName: string };
  missing: Array<{ required: Record<string, string>; dependent: Record<string, string> }>;
  connectionReferences: Array<{ logicalName: string; connectorId: string }>;
  environmentVariables: string[];
}

const SYSTEM_SOLUTIONS = new Set(['active', 'system', 'default', 'basic', '']);

/** The members of a zip held in memory, by name. */
function unzip(bytes: Buffer, wanted: (name: string) => boolean): Promise<Map<string, Buffer>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (error, zip) => {
      if (error || !zip) return reject(error ?? new Error('not a zip'));
      const found = new Map<string, Buffer>();
      zip.on('entry', (entry: yauzl.Entry) => {
        if (!wanted(entry.fileName)) return zip.readEntry();
        zip.openReadStream(entry, (streamError, stream) => {
          if (streamError || !stream) return reject(streamError ?? new Error('no stream for a zip entry'));
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            found.set(entry.fileName.toLowerCase(), Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(found));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

const decode = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
const firstText = (xml: string, tag: string) => decode(new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml)?.[1]?.trim() ?? '');
const attribute = (tag: string, name: string) => decode(new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1] ?? '');
const firstLabel = (xml: string, holder: string) =>
  attribute(new RegExp(`<${holder}>\\s*<[A-Za-z]+ [^>]*>`).exec(xml)?.[0] ?? '', 'description');

async function read(bytes: Buffer): Promise<Staged | string> {
  let members: Map<string, Buffer>;
  try {
    members = await unzip(
      bytes,
      (name) =>
        /^(solution|customizations)\.xml$/i.test(name) ||
        /^environmentvariabledefinitions\/[^/]+\/environmentvariabledefinition\.xml$/i.test(name),
    );
  } catch {
    return 'The solution file is invalid. The compressed file could not be read.';
  }
  const manifest = members.get('solution.xml')?.toString('utf8');
  const customizations = members.get('customizations.xml')?.toString('utf8');
  if (!manifest || !customizations)
    return 'The solution file is invalid. The compressed file must contain solution.xml and customizations.xml at its root.';
  const solution = /<SolutionManifest>([\s\S]*)<\/SolutionManifest>/.exec(manifest)?.[1] ?? '';
  const publisher = /<Publisher>([\s\S]*?)<\/Publisher>/.exec(solution)?.[1] ?? '';
  const ownPart = solution.replace(/<Publisher>[\s\S]*?<\/Publisher>/, '');
  const uniqueName = firstText(ownPart, 'UniqueName');
  const version = firstText(ownPart, 'Version');
  if (!uniqueName || !/^\d+(\.\d+){1,3}$/.test(version))
    return 'The import file is invalid. solution.xml must give a UniqueName and a Version such as 1.0.0.0.';
  const missing = [...solution.matchAll(/<MissingDependency>([\s\S]*?)<\/MissingDependency>/g)].map((m) => {
    const tag = (name: string) => /<(Required|Dependent)\s[^>]*>/.exec(m[1]!.slice(m[1]!.indexOf(`<${name}`)))?.[0] ?? '';
    const fields = (text: string) =>
      Object.fromEntries([...text.matchAll(/\s([A-Za-z]+)="([^"]*)"/g)].map(([, key, value]) => [key!, decode(value!)]));
    return { required: fields(tag('Required')), dependent: fields(tag('Dependent')) };
  });
  const connectionReferences = [
    ...customizations.matchAll(
      /<connectionreference\s[^>]*connectionreferencelogicalname="([^"]*)"[^>]*>([\s\S]*?)<\/connectionreference>/g,
    ),
  ].map((m) => ({ logicalName: decode(m[1]!), connectorId: firstText(m[2]!, 'connectorid') }));
  const environmentVariables = [...members]
    .filter(([name]) => name.startsWith('environmentvariabledefinitions/'))
    .map(([, definition]) =>
      attribute(/<environmentvariabledefinition\s[^>]*>/.exec(definition.toString('utf8'))?.[0] ?? '', 'schemaname'),
    );
  return {
    uniqueName,
    friendlyName: firstLabel(ownPart, 'LocalizedNames') || uniqueName,
    description: firstLabel(ownPart, 'Descriptions'),
    version,
    managed: firstText(ownPart, 'Managed') === '1',
    publisher: { uniqueName: firstText(publisher, 'UniqueName'), friendlyName: firstLabel(publisher, 'LocalizedNames') },
    missing,
    connectionReferences,
    environmentVariables,
  };
}

const compare = (a: string, b: string) => {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < 4; i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return Math.sign((x[i] ?? 0) - (y[i] ?? 0));
  return 0;
};

/** The StageSolutionResults the service returns for an uploaded zip. */
export async function stageSolution(org: SandboxOrg, bytes: Buffer): Promise<Record<string, unknown> | { invalid: string }> {
  const staged = await read(bytes);
  if (typeof staged === 'string') return { invalid: staged };
  const installed = org.solutions.find((s) => s.uniquename.toLowerCase() === staged.uniqueName.toLowerCase());
  const holding = org.solutions.some((s) => s.uniquename.toLowerCase() === `${staged.uniqueName}_upgrade`.toLowerCase());
  const validation: Array<{ SolutionValidationResultType: string; Message: string; ErrorCode: number; AdditionalInfo: string | null }> = [];
  const error = (message: string, code: number) =>
    validation.push({ SolutionValidationResultType: 'Error', Message: message, ErrorCode: code, AdditionalInfo: null });
  if (installed && installed.ismanaged !== staged.managed) {
    error(
      `The solution is already installed on this system as ${installed.ismanaged ? 'a managed' : 'an unmanaged'} solution and the package to be imported is ${staged.managed ? 'managed' : 'unmanaged'}.`,
      -2147188685,
    );
  }
  if (installed?.ismanaged && staged.managed && compare(staged.version, installed.version) < 0) {
    error(
      `Solution ${staged.uniqueName} version ${staged.version} cannot be imported, because version ${installed.version}, which is higher, is already installed.`,
      -2147188684,
    );
  }
  const missing = staged.missing.filter((m) => {
    const solution = (m.required.solution ?? '').replace(/\s*\(.*\)\s*$/, '');
    return (
      !SYSTEM_SOLUTIONS.has(solution.toLowerCase()) && !org.solutions.some((s) => s.uniquename.toLowerCase() === solution.toLowerCase())
    );
  });
  const components = [
    ...staged.connectionReferences.map((r) => ({
      ComponentName: r.logicalName,
      ComponentTypeName: 'Connection Reference',
      IsPresentInOrg: org.connectionReferences.some(
        (row) => row.connectionreferencelogicalname.toLowerCase() === r.logicalName.toLowerCase(),
      )
        ? 'True'
        : 'False',
    })),
    ...staged.environmentVariables.map((name) => ({
      ComponentName: name,
      ComponentTypeName: 'Environment Variable Definition',
      IsPresentInOrg: org.environmentVariableDefinitions.some((d) => d.schemaname.toLowerCase() === name.toLowerCase()) ? 'True' : 'False',
    })),
  ];
  return {
    StageSolutionUploadId: randomUUID(),
    StageSolutionStatus: validation.length ? 'Failed' : 'Passed',
    SolutionDetails: {
      SolutionUniqueName: staged.uniqueName,
      SolutionFriendlyName: staged.friendlyName,
      SolutionDescription: staged.description,
      PublisherUniqueName: staged.publisher.uniqueName,
      PublisherFriendlyName: staged.publisher.friendlyName,
      SolutionVersion: staged.version,
      IsManaged: staged.managed,
      IsPatchSolution: false,
      IsPrerequisitesExport: false,
      HasPendingUpgrade: holding,
      PreviousSolutionUniqueName: installed?.uniquename ?? null,
      PreviousSolutionFriendlyName: installed?.friendlyname ?? null,
      PreviousPublisherUniqueName: installed?.publisher.uniquename ?? null,
      PreviousPublisherFriendlyName: installed?.publisher.friendlyname ?? null,
      PreviousSolutionVersion: installed?.version ?? null,
      PreviousIsManaged: installed?.ismanaged ?? false,
      PreviousPatchSolutionsNames: [],
    },
    MissingDependencies: missing.map((m) => ({
      RequiredComponentSchemaName: m.required.schemaName ?? null,
      RequiredComponentDisplayName: m.required.displayName ?? null,
      RequiredComponentParentSchemaName: m.required.parentSchemaName ?? null,
      RequiredComponentParentDisplayName: m.required.parentDisplayName ?? null,
      RequiredComponentId: (m.required.id ?? '').replace(/[{}]/g, '') || null,
      RequiredComponentType: m.required.type ?? null,
      RequiredSolutionName: m.required.solution ?? null,
      DependentComponentSchemaName: m.dependent.schemaName ?? null,
      DependentComponentDisplayName: m.dependent.displayName ?? null,
      DependentComponentParentSchemaName: m.dependent.parentSchemaName ?? null,
      DependentComponentParentDisplayName: m.dependent.parentDisplayName ?? null,
      DependentComponentId: (m.dependent.id ?? '').replace(/[{}]/g, '') || null,
      DependentComponentType: m.dependent.type ?? null,
      CanResolveMissingDependency: false,
    })),
    SolutionValidationResults: validation,
    SolutionComponentsDetails: components,
  };
}
