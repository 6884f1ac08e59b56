import { languageFolder, lcidOfFolder, readResx, writeResx, type ResxEntry } from './resx';
import { ByteBuilder, bytesOf, escapeAttribute, textFile, type Piece } from './xmlText';
import { XmlSlices, type El } from './xmlSlices';

export interface LocalizeOptions {
  /** Name the language folders by LCID (`Resources/1036/`) instead of culture (`Resources/fr-FR/`), as `--useLcid`. */
  useLcid?: boolean;
}

/** One translatable text: its key in the resource files, and the element holding its labels, one per language. */
interface LabelSite {
  key: string;
  comment: string;
  doc: XmlSlices;
  /** The element whose children are the labels (`<labels>`, `<LocalizedNames>`, `<Descriptions>`…). */
  holder: El;
  /** The labels' element name (`label`, `LocalizedName`, `Description`, `displayname`, `CustomLabel`). */
  label: string;
}

/** A property's texts: the resource key's property name, the holder element and the label element in it. */
type Property = [property: string, holder: string, label: string];
const NAMES: Property = ['LocalizedName', 'LocalizedNames', 'LocalizedName'];
const COLLECTION_NAMES: Property = ['LocalizedCollectionName', 'LocalizedCollectionNames', 'LocalizedCollectionName'];
const DESCRIPTIONS: Property = ['Description', 'Descriptions', 'Description'];
const DISPLAY_NAMES: Property = ['displayname', 'displaynames', 'displayname'];
const LABELS: Property = ['label', 'labels', 'label'];

/** Collects label sites; a text with no label in any language (`<Descriptions />`) has no entry, as in SolutionPackager's files. */
class Sites {
  readonly found: LabelSite[] = [];

  constructor(private readonly doc: XmlSlices) {}

  /** The properties of one element: key `<type>:<property>,<object>`, the comment made by `comment`. */
  add(type: number, object: string, parent: El | undefined, properties: Property[], comment: (property: string) => string): void {
    for (const [property, holderName, label] of properties)
      this.holder(`${type}:${property},${object}`, comment(property), this.doc.child(parent, holderName), label);
  }

  holder(key: string, comment: string, holder: El | undefined, label: string): void {
    if (holder !== undefined && this.doc.hasChildren(holder)) this.found.push({ key, comment, doc: this.doc, holder, label });
  }
}

/**
 * The translatable texts SolutionPackager's `--localize` moves to resource files, with its keys:
 * `<component type>:<property>,<object key>`. Covered: the solution and its publisher, tables (names,
 * descriptions), their columns and column choices, views, forms (names, tabs, sections, cells),
 * relationships, and processes (names, descriptions, stage labels). Other labels stay in the XML only.
 */
function labelSites(manifest: XmlSlices, customizations: XmlSlices): LabelSite[] {
  const solutionSites = new Sites(manifest);
  const solution = manifest.child(manifest.root, 'SolutionManifest');
  const name = manifest.childText(solution, 'UniqueName');
  solutionSites.add(15062, name, solution, [NAMES, DESCRIPTIONS], (p) => ` '${name}' : ${p} for Solution`);
  const publisher = manifest.child(solution, 'Publisher');
  const unique = manifest.childText(publisher, 'UniqueName');
  const publisherKey = `${unique}${manifest.childText(publisher, 'CustomizationPrefix')}${manifest.childText(publisher, 'CustomizationOptionValuePrefix')}`;
  solutionSites.add(15062, publisherKey, publisher, [NAMES, DESCRIPTIONS], (p) => ` '${unique}' : ${p} for Solution Publisher`);

  const doc = customizations;
  const sites = new Sites(doc);
  const base = baseLanguage(manifest);
  for (const entity of doc.children(doc.child(doc.root, 'Entities'))) entitySites(doc, entity, base, sites);
  for (const relationship of doc.children(doc.child(doc.root, 'EntityRelationships'))) {
    const relationshipName = doc.attr(relationship, 'Name') ?? '';
    const owner = doc.childText(relationship, 'ReferencingEntityName') || doc.childText(relationship, 'FirstEntityName');
    const comment = (p: string) => `${owner} ${p} for EntityRelationship '${relationshipName}'`;
    sites.add(10, relationshipName, doc.child(relationship, 'RelationshipDescription'), [DESCRIPTIONS], comment);
    for (const role of doc.children(doc.child(relationship, 'EntityRelationshipRoles'))) {
      sites.add(10, relationshipName, role, [['CustomLabel', 'CustomLabels', 'CustomLabel']], comment);
    }
  }
  for (const workflow of doc.children(doc.child(doc.root, 'Workflows'))) {
    const id = doc.attr(workflow, 'WorkflowId') ?? '';
    const workflowName = doc.attr(workflow, 'Name') ?? '';
    sites.add(29, id, workflow, [NAMES, DESCRIPTIONS], (p) => `'${workflowName}' : ${p} for Workflow`);
    for (const step of doc.descendants(workflow, 'steplabels')) {
      const stepId = doc.attr(step, 'id') ?? '';
      // A stage's labels are the children of its `steplabels` element itself.
      sites.holder(`29:label,${stepId}`, `'${workflowName}:${stepId}' : label for Workflow Label`, step, 'label');
    }
  }
  // A key named twice keeps its first place, as a resource file holds each name once.
  const seen = new Set<string>();
  return [...solutionSites.found, ...sites.found].filter((site) => !seen.has(site.key) && seen.add(site.key));
}

function entitySites(doc: XmlSlices, entity: El, base: number, sites: Sites): void {
  const name = doc.childText(entity, 'Name');
  const info = doc.child(doc.child(entity, 'EntityInfo'), 'entity');
  if (info === undefined) return;
  const display = labelText(doc, doc.child(info, 'LocalizedNames'), 'LocalizedName', base) || name;
  sites.add(1, `${name}entity${name}`, info, [NAMES, COLLECTION_NAMES, DESCRIPTIONS], (p) => ` '${name}' : ${p} for Entity`);
  for (const attribute of doc.children(doc.child(info, 'attributes'))) {
    const physical = doc.attr(attribute, 'PhysicalName') ?? '';
    sites.add(
      1,
      `${name}${physical}`,
      attribute,
      [DISPLAY_NAMES, DESCRIPTIONS],
      (p) => `'${name}' : ${p} for Attribute '${physical}' on Entity`,
    );
    const choices = doc.child(attribute, 'optionset');
    if (choices === undefined) continue;
    const set = doc.attr(choices, 'Name') ?? '';
    sites.add(1, `${name}${set}`, choices, [DISPLAY_NAMES, DESCRIPTIONS], (p) => `'${name}' : ${p} for OptionSet '${set}' on Entity`);
    for (const [list, kind] of [
      ['states', 'state'],
      ['statuses', 'status'],
      ['options', 'option'],
    ] as const) {
      for (const option of doc.children(doc.child(choices, list))) {
        const value = doc.attr(option, 'value') ?? '';
        sites.add(1, `${name}${set}${value}`, option, [LABELS], (p) => `'${name}' : ${p} for ${kind} '${value}' on Entity`);
      }
    }
  }
  for (const view of doc.children(doc.child(doc.child(entity, 'SavedQueries'), 'savedqueries'))) {
    const id = doc.childText(view, 'savedqueryid');
    sites.add(1, `${display}${id}`, view, [NAMES, DESCRIPTIONS], (p) => `'${display}' : ${p} for SavedQuery on Entity QueryId: '${id}'`);
  }
  for (const form of doc.descendants(doc.child(entity, 'FormXml'), 'systemform')) {
    const id = doc.childText(form, 'formid');
    sites.add(1, `${display}${id}`, form, [NAMES, DESCRIPTIONS], (p) => `'${display}' : ${p} for systemform in Entity FormXml ID: '${id}'`);
    for (const part of ['tab', 'section', 'cell']) {
      for (const element of doc.descendants(form, part)) {
        const partId = doc.attr(element, 'id') ?? '';
        sites.add(1, `${display}${partId}`, element, [LABELS], (p) => `'${display}' : ${p} for ${part} in Entity FormXml ID: '${partId}'`);
      }
    }
  }
}

function baseLanguage(manifest: XmlSlices): number {
  return Number(manifest.attr(manifest.root, 'languagecode') ?? 1033) || 1033;
}

/** The languages of the solution: customizations.xml's `<Languages>`, the base language first. */
function languages(manifest: XmlSlices, customizations: XmlSlices): number[] {
  const listed = customizations
    .children(customizations.child(customizations.root, 'Languages'))
    .map((e) => Number(customizations.textOf(e)));
  return [...new Set([baseLanguage(manifest), ...listed.filter((lcid) => lcid > 0)])];
}

function labelElements(doc: XmlSlices, holder: El, label: string): Map<number, El> {
  const found = new Map<number, El>();
  for (const e of doc.children(holder)) if (doc.is(e, label)) found.set(Number(doc.attr(e, 'languagecode')), e);
  return found;
}

function labelText(doc: XmlSlices, holder: El | undefined, label: string, lcid: number): string {
  if (holder === undefined) return '';
  const e = labelElements(doc, holder, label).get(lcid);
  return e === undefined ? '' : (doc.attr(e, 'description') ?? '');
}

/** OrdinalIgnoreCase, the order of the names in SolutionPackager's resource files. */
function byName(a: ResxEntry, b: ResxEntry): number {
  const x = a.name.toUpperCase();
  const y = b.name.toUpperCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * The resource files of `--localize` (unpack): `Resources/<culture>/resources.<culture>.resx` for each
 * language of the solution, and `Resources/template_resources.resx` with the base language's texts.
 * The labels also stay in the XML files, as SolutionPackager leaves them.
 */
export function localizedResources(
  manifest: XmlSlices,
  customizations: XmlSlices,
  options: LocalizeOptions & { sourceFile: string; packageType: string },
): Map<string, Buffer> {
  const sites = labelSites(manifest, customizations);
  const files = new Map<string, Buffer>();
  const entriesFor = (lcid: number) =>
    sites
      .map((site) => ({ name: site.key, comment: site.comment, value: labelText(site.doc, site.holder, site.label, lcid) }))
      .sort(byName);
  const base = baseLanguage(manifest);
  for (const lcid of languages(manifest, customizations)) {
    const folder = languageFolder(lcid, Boolean(options.useLcid));
    files.set(
      `Resources/${folder}/resources.${folder}.resx`,
      bytesOf(textFile(writeResx(entriesFor(lcid), { lcid, sourceFile: options.sourceFile, packageType: options.packageType }))),
    );
  }
  files.set(
    'Resources/template_resources.resx',
    bytesOf(textFile(writeResx(entriesFor(base), { lcid: base, sourceFile: options.sourceFile, packageType: options.packageType }))),
  );
  return files;
}

/**
 * Pack with `--localize`: the texts of `Resources/<culture or LCID>/*.resx` go back into the labels of
 * their language, replacing the label of that language or adding it; an empty text changes nothing.
 * Names no label of the solution has are reported.
 */
export function mergeResources(
  manifest: Buffer,
  customizations: Buffer,
  files: Map<string, Buffer>,
  _options: LocalizeOptions,
): { manifest: Buffer; customizations: Buffer; used: string[]; warnings: string[] } {
  const manifestDoc = XmlSlices.parse(manifest, 'solution.xml');
  const customizationsDoc = XmlSlices.parse(customizations, 'customizations.xml');
  const sites = new Map(labelSites(manifestDoc, customizationsDoc).map((site) => [site.key, site]));
  const used: string[] = [];
  const unknown = new Set<string>();
  const texts = new Map<LabelSite, Map<number, string>>();
  for (const [path, bytes] of files) {
    const match = /^Resources\/([^/]+)\/resources\.\1\.resx$/i.exec(path);
    const lcid = match ? lcidOfFolder(match[1]!) : undefined;
    if (lcid === undefined) continue;
    used.push(path);
    for (const entry of readResx(bytes, path)) {
      const site = sites.get(entry.name);
      if (!site) unknown.add(entry.name);
      else if (entry.value) texts.set(site, (texts.get(site) ?? new Map<number, string>()).set(lcid, entry.value));
    }
  }
  if (files.has('Resources/template_resources.resx')) used.push('Resources/template_resources.resx');
  const replacements = new Map<XmlSlices, Map<El, Piece>>([
    [manifestDoc, new Map()],
    [customizationsDoc, new Map()],
  ]);
  for (const [site, values] of texts) {
    const changed = relabelled(site, values);
    if (changed) replacements.get(site.doc)!.set(site.holder, changed);
  }
  const rebuild = (doc: XmlSlices, original: Buffer) => {
    const changes = replacements.get(doc)!;
    if (!changes.size) return original;
    return new ByteBuilder(original.length + 4096)
      .raw(original.subarray(0, original.length - doc.bytes.length))
      .copy(doc, 0, doc.start(doc.root), 0)
      .copyReplacing(doc, doc.root, 0, changes)
      .result();
  };
  const warnings = unknown.size
    ? [
        `${unknown.size} name(s) in the resource files match no label of the solution and were not merged: ${[...unknown].slice(0, 10).join(', ')}${unknown.size > 10 ? ', …' : ''}.`,
      ]
    : [];
  return { manifest: rebuild(manifestDoc, manifest), customizations: rebuild(customizationsDoc, customizations), used, warnings };
}

/** The holder element rewritten with the new texts, or undefined when nothing changes. */
function relabelled(site: LabelSite, values: Map<number, string>): Buffer | undefined {
  const { doc, holder, label } = site;
  const existing = labelElements(doc, holder, label);
  const replaced = new Map<El, Piece>();
  const added: string[] = [];
  for (const [lcid, text] of values) {
    const element = existing.get(lcid);
    const tag = `<${label} description="${escapeAttribute(text)}" languagecode="${lcid}" />`;
    if (element === undefined) added.push(tag);
    else if (doc.attr(element, 'description') !== text) replaced.set(element, tag);
  }
  if (!replaced.size && !added.length) return undefined;
  const indent = doc.indentOf(holder);
  const children = doc.children(holder);
  const builder = new ByteBuilder();
  if (!children.length) {
    builder.raw(doc.openTag(holder));
    for (const tag of added) builder.line(indent + 2).raw(tag);
    return builder
      .line(indent)
      .raw(`</${doc.name(holder)}>`)
      .result();
  }
  builder.copyReplacing(doc, holder, 0, replaced, doc.start(holder));
  if (!added.length) return builder.result();
  // New labels go after the last one, at its indentation.
  const whole = builder.toString();
  const closeAt = whole.lastIndexOf(`</${doc.name(holder)}>`);
  const lines = added.map((tag) => `\r\n${' '.repeat(indent + 2)}${tag}`).join('');
  const before = whole.slice(0, closeAt).replace(/\s*$/, '');
  return Buffer.from(`${before}${lines}\r\n${' '.repeat(indent)}${whole.slice(closeAt)}`, 'utf8');
}
