import type { Document, Element } from '@xmldom/xmldom';
import type { SandboxComponent, SandboxPublisher, SandboxSolution } from '../state';
import { childElements as elements, escapeText as escapeXml, firstChild as child, readXml, textIn as textOf, writeXml } from '../xmlDom';
import { readZipMembers, writeZipMembers } from '../zipFiles';

export interface ConnectionReferenceInfo {
  logicalName: string;
  displayName: string;
  connectorId: string;
}

export interface EnvironmentVariableInfo {
  schemaName: string;
  displayName: string;
  type: number;
  defaultValue: string | null;
}

/** What the service reads from an uploaded solution zip. */
export interface SolutionPackage {
  uniqueName: string;
  friendlyName: string;
  version: string;
  managed: boolean;
  publisher: Omit<SandboxPublisher, 'publisherid'>;
  rootComponents: SandboxComponent[];
  /** Solutions named by its MissingDependencies, besides the system ones. */
  requires: Array<{ solution: string; detail: string }>;
  /** Tables defined in customizations.xml (logical names). */
  entities: string[];
  workflows: Array<{ id: string; name: string }>;
  connectionReferences: ConnectionReferenceInfo[];
  environmentVariables: EnvironmentVariableInfo[];
  /** Every member but `[Content_Types].xml`, for exports. */
  members: Map<string, Buffer>;
}

/** A zip the service refuses; the message is the one the import job reports. */
export class InvalidPackageError extends Error {}

const SYSTEM_SOLUTIONS = new Set(['active', 'system', 'default', 'basic', '']);

/** Reads a solution zip the way an import does, refusing what the service refuses. */
export async function readSolutionPackage(bytes: Buffer): Promise<SolutionPackage> {
  let all: Map<string, Buffer>;
  try {
    all = await readZipMembers(bytes);
  } catch (error) {
    throw new InvalidPackageError(`The solution file is invalid. It is not a readable zip file (${(error as Error).message}).`);
  }
  const names = [...all.keys()];
  const find = (name: string) => names.find((n) => n.toLowerCase() === name.toLowerCase());
  const manifestName = find('solution.xml');
  const customizationsName = find('customizations.xml');
  const contentTypes = find('[Content_Types].xml');
  if (!manifestName || !customizationsName || !contentTypes) {
    throw new InvalidPackageError(
      'The solution file is invalid. The compressed file must contain the following files at its root: solution.xml, customizations.xml, and [Content_Types].xml. Customization files exported from previous versions of Microsoft Dynamics CRM are not supported.',
    );
  }
  const members = new Map([...all].filter(([name]) => name !== contentTypes));
  const manifest = parse(members.get(manifestName)!, 'solution.xml');
  const customizations = parse(members.get(customizationsName)!, 'customizations.xml');
  return {
    ...readManifest(manifest),
    ...readCustomizations(customizations),
    connectionReferences: connectionReferencesOf(customizations),
    environmentVariables: environmentVariablesOf(members),
    members,
  };
}

function connectionReferencesOf(customizations: Document): ConnectionReferenceInfo[] {
  const root = customizations.documentElement!;
  return elements(child(root, 'connectionreferences') ?? root)
    .filter((e) => e.nodeName === 'connectionreference')
    .map((e) => ({
      logicalName: e.getAttribute('connectionreferencelogicalname') ?? '',
      displayName: textOf(child(e, 'connectionreferencedisplayname')),
      connectorId: textOf(child(e, 'connectorid')),
    }));
}

function environmentVariablesOf(members: Map<string, Buffer>): EnvironmentVariableInfo[] {
  const definition = /^environmentvariabledefinitions\/[^/]+\/environmentvariabledefinition\.xml$/i;
  return [...members]
    .filter(([name]) => definition.test(name))
    .map(([name, bytes]) => {
      const root = parse(bytes, name).documentElement!;
      const defaultValue = child(root, 'defaultvalue');
      return {
        schemaName: root.getAttribute('schemaname') ?? '',
        displayName: child(root, 'displayname')?.getAttribute('default') ?? '',
        type: Number(textOf(child(root, 'type'))) || 100000000,
        defaultValue: defaultValue ? textOf(defaultValue) : null,
      };
    });
}

function parse(bytes: Buffer, name: string): Document {
  try {
    return readXml(bytes, name);
  } catch (error) {
    throw new InvalidPackageError(
      `The import file is invalid. XSD validation failed with the following error: ${(error as Error).message}`,
    );
  }
}

function readManifest(
  document: Document,
): Pick<SolutionPackage, 'uniqueName' | 'friendlyName' | 'version' | 'managed' | 'publisher' | 'rootComponents' | 'requires'> {
  const manifest = child(document.documentElement, 'SolutionManifest');
  if (!manifest) throw new InvalidPackageError('The import file is invalid. solution.xml has no SolutionManifest element.');
  const uniqueName = textOf(child(manifest, 'UniqueName'));
  const version = textOf(child(manifest, 'Version'));
  if (!uniqueName || !/^\d+(\.\d+){1,3}$/.test(version))
    throw new InvalidPackageError('The import file is invalid. solution.xml must give a UniqueName and a Version such as 1.0.0.0.');
  const publisher = child(manifest, 'Publisher') ?? manifest;
  const requires = elements(child(manifest, 'MissingDependencies') ?? manifest)
    .map((dependency) => child(dependency, 'Required'))
    .filter((required): required is Element => Boolean(required))
    .map((required) => ({
      solution: (required.getAttribute('solution') ?? '').replace(/\s*\(.*\)\s*$/, ''),
      detail: describeRequired(required),
    }))
    .filter((r) => !SYSTEM_SOLUTIONS.has(r.solution.toLowerCase()));
  return {
    uniqueName,
    friendlyName: localizedName(manifest) || uniqueName,
    version,
    managed: textOf(child(manifest, 'Managed')) === '1',
    publisher: {
      uniquename: textOf(child(publisher, 'UniqueName')) || 'DefaultPublisher',
      friendlyname: localizedName(publisher) || textOf(child(publisher, 'UniqueName')),
      customizationprefix: textOf(child(publisher, 'CustomizationPrefix')) || 'new',
      customizationoptionvalueprefix: Number(textOf(child(publisher, 'CustomizationOptionValuePrefix'))) || 10000,
    },
    rootComponents: elements(child(manifest, 'RootComponents') ?? manifest)
      .filter((e) => e.nodeName === 'RootComponent')
      .map((e) => ({
        componenttype: Number(e.getAttribute('type')),
        objectid: (e.getAttribute('id') ?? '').replace(/[{}]/g, '').toLowerCase(),
        schemaname: e.getAttribute('schemaName') ?? undefined,
        rootcomponentbehavior: Number(e.getAttribute('behavior') ?? 0),
      })),
    requires,
  };
}

function describeRequired(required: Element): string {
  const what = required.getAttribute('displayName') || required.getAttribute('schemaName') || required.getAttribute('id') || 'a component';
  return `${what} (type ${required.getAttribute('type')}) from solution ${required.getAttribute('solution')}`;
}

function localizedName(parent: Element): string {
  const names = child(parent, 'LocalizedNames');
  return names ? (child(names, 'LocalizedName')?.getAttribute('description') ?? '') : '';
}

function readCustomizations(document: Document): Pick<SolutionPackage, 'entities' | 'workflows'> {
  const root = document.documentElement!;
  const entities = elements(child(root, 'Entities') ?? root)
    .map((entity) => textOf(child(entity, 'Name')).toLowerCase())
    .filter(Boolean);
  const workflows = elements(child(root, 'Workflows') ?? root).map((w) => ({
    id: (w.getAttribute('WorkflowId') ?? '').replace(/[{}]/g, ''),
    name: w.getAttribute('Name') ?? '',
  }));
  return { entities, workflows };
}

/**
 * The zip an export gives: the files the solution was imported with, or for a solution made in the
 * environment a minimal customizations.xml, with solution.xml saying the current version, the
 * package type asked for and the current root components.
 */
export async function buildExport(solution: SandboxSolution, managed: boolean, organizationVersion: string): Promise<Buffer> {
  const members = new Map<string, Buffer>();
  if (solution.package) {
    const stored = await readSolutionPackage(Buffer.from(solution.package));
    for (const [name, bytes] of stored.members) members.set(name, bytes);
  }
  const manifestName = [...members.keys()].find((n) => n.toLowerCase() === 'solution.xml') ?? 'solution.xml';
  const customizationsName = [...members.keys()].find((n) => n.toLowerCase() === 'customizations.xml') ?? 'customizations.xml';
  if (!members.has(customizationsName)) members.set(customizationsName, Buffer.from(emptyCustomizations(organizationVersion), 'utf8'));
  members.set(
    manifestName,
    members.has(manifestName)
      ? updateManifest(members.get(manifestName)!, solution, managed)
      : manifestFor(solution, managed, organizationVersion),
  );
  const ordered = [customizationsName, manifestName, ...[...members.keys()].filter((n) => n !== customizationsName && n !== manifestName)];
  const files = ordered.map((name) => ({ name, data: members.get(name)! }));
  return writeZipMembers([...files, { name: '[Content_Types].xml', data: contentTypesFor(ordered) }]);
}

/** The part list Dataverse adds last to an export: a default content type per file extension. */
function contentTypesFor(names: string[]): Buffer {
  const extensions = new Set(names.map((name) => name.slice(name.lastIndexOf('.') + 1).toLowerCase()).filter((ext) => !ext.includes('/')));
  const defaults = [...extensions].map(
    (ext) => `<Default Extension="${escapeXml(ext)}" ContentType="${ext === 'xml' ? 'text/xml' : 'application/octet-stream'}" />`,
  );
  const types = `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">${defaults.join('')}</Types>`;
  return Buffer.from(`\uFEFF<?xml version="1.0" encoding="utf-8"?>${types}`, 'utf8');
}

/** The imported solution.xml with today's version, the package type asked for and the current root components. */
function updateManifest(bytes: Buffer, solution: SandboxSolution, managed: boolean): Buffer {
  const document = readXml(bytes, 'solution.xml');
  const manifest = child(document.documentElement, 'SolutionManifest')!;
  child(manifest, 'Version')!.textContent = solution.version;
  const managedElement = child(manifest, 'Managed');
  if (managedElement) managedElement.textContent = managed ? '1' : '0';
  const roots = child(manifest, 'RootComponents');
  if (roots) {
    const generated = readXml(manifestFor(solution, managed, ''), 'solution.xml');
    const fresh = child(child(generated.documentElement, 'SolutionManifest'), 'RootComponents')!;
    manifest.replaceChild(document.importNode(fresh, true), roots);
  }
  return writeXml(document);
}

function manifestFor(solution: SandboxSolution, managed: boolean, organizationVersion: string): Buffer {
  const p = solution.publisher;
  const roots = solution.components
    .map(
      (c) =>
        `      <RootComponent type="${c.componenttype}" ${c.schemaname ? `schemaName="${escapeXml(c.schemaname)}"` : `id="{${c.objectid}}"`} behavior="${c.rootcomponentbehavior}" />`,
    )
    .join('\n');
  const text = `<ImportExportXml version="${organizationVersion}" SolutionPackageVersion="9.2" languagecode="1033" generatedBy="CrmLive" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <SolutionManifest>
    <UniqueName>${escapeXml(solution.uniquename)}</UniqueName>
    <LocalizedNames>
      <LocalizedName description="${escapeXml(solution.friendlyname)}" languagecode="1033" />
    </LocalizedNames>
    <Descriptions />
    <Version>${escapeXml(solution.version)}</Version>
    <Managed>${managed ? 1 : 0}</Managed>
    <Publisher>
      <UniqueName>${escapeXml(p.uniquename)}</UniqueName>
      <LocalizedNames>
        <LocalizedName description="${escapeXml(p.friendlyname)}" languagecode="1033" />
      </LocalizedNames>
      <Descriptions />
      <EMailAddress xsi:nil="true"></EMailAddress>
      <SupportingWebsiteUrl xsi:nil="true"></SupportingWebsiteUrl>
      <CustomizationPrefix>${escapeXml(p.customizationprefix)}</CustomizationPrefix>
      <CustomizationOptionValuePrefix>${p.customizationoptionvalueprefix}</CustomizationOptionValuePrefix>
      <Addresses />
    </Publisher>
    <RootComponents>${roots ? `\n${roots}\n    ` : ''}</RootComponents>
    <MissingDependencies />
  </SolutionManifest>
</ImportExportXml>`;
  return writeXml(readXml(text, 'solution.xml'));
}

function emptyCustomizations(organizationVersion: string): string {
  const sections = [
    'Entities',
    'Roles',
    'Workflows',
    'FieldSecurityProfiles',
    'Templates',
    'EntityMaps',
    'EntityRelationships',
    'OrganizationSettings',
    'optionsets',
    'CustomControls',
    'EntityDataProviders',
  ];
  return `\uFEFF<?xml version="1.0" encoding="utf-8"?>\r\n<ImportExportXml xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" OrganizationVersion="${organizationVersion}" OrganizationSchemaType="Full">\r\n${sections.map((s) => `  <${s} />`).join('\r\n')}\r\n  <Languages>\r\n    <Language>1033</Language>\r\n  </Languages>\r\n</ImportExportXml>`;
}
