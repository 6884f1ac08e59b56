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

/**
 * The translatable texts SolutionPackager's `--localize` moves to resource files, with its keys:
 * `<component type>:<property>,<object key>`. Covered: the solution and its publisher, tables (names,
 * descriptions), their columns and column choices, views, forms (names, tabs, sections, cells),
 * relationships, and processes (names, descriptions, stage labels). Other labels stay in the XML only.
 */
function labelSites(manifest: XmlSlices, customizations: XmlSlices): LabelSite[] {
  const sites: LabelSite[] = [];
  // A text with no label in any language (`<Descriptions />`) has no entry, as in SolutionPackager's files.
  const add = (key: string, comment: string, doc: XmlSlices, holder: El | undefined, label: string) => {
    if (holder !== undefined && doc.hasChildren(holder)) sites.push({ key, comment, doc, holder, label });
  };
  const holder = (doc: XmlSlices, parent: El | undefined, name: string) => doc.child(parent, name);

  const solution = manifest.child(manifest.root, 'SolutionManifest');
  if (solution !== undefined) {
    const name = manifest.childText(solution, 'UniqueName');
    add(
      `15062:LocalizedName,${name}`,
      ` '${name}' : LocalizedName for Solution`,
      manifest,
      holder(manifest, solution, 'LocalizedNames'),
      'LocalizedName',
    );
    add(
      `15062:Description,${name}`,
      ` '${name}' : Description for Solution`,
      manifest,
      holder(manifest, solution, 'Descriptions'),
      'Description',
    );
    const publisher = manifest.child(solution, 'Publisher');
    if (publisher !== undefined) {
      const unique = manifest.childText(publisher, 'UniqueName');
      const id = `${unique}${manifest.childText(publisher, 'CustomizationPrefix')}${manifest.childText(publisher, 'CustomizationOptionValuePrefix')}`;
      add(
        `15062:LocalizedName,${id}`,
        ` '${unique}' : LocalizedName for Solution Publisher`,
        manifest,
        holder(manifest, publisher, 'LocalizedNames'),
        'LocalizedName',
      );
      add(
        `15062:Description,${id}`,
        ` '${unique}' : Description for Solution Publisher`,
        manifest,
        holder(manifest, publisher, 'Descriptions'),
        'Description',
      );
    }
  }

  const doc = customizations;
  const root = doc.root;
  const base = baseLanguage(manifest);
  for (const entity of doc.children(doc.child(root, 'Entities'))) entitySites(doc, entity, base, add);
  for (const relationship of doc.children(doc.child(root, 'EntityRelationships'))) {
    const name = doc.attr(relationship, 'Name') ?? '';
    const owner = doc.childText(relationship, 'ReferencingEntityName') || doc.childText(relationship, 'FirstEntityName');
    add(
      `10:Description,${name}`,
      `${owner} Description for EntityRelationship '${name}'`,
      doc,
      holder(doc, doc.child(relationship, 'RelationshipDescription'), 'Descriptions'),
      'Description',
    );
    for (const role of doc.children(doc.child(relationship, 'EntityRelationshipRoles'))) {
      add(
        `10:CustomLabel,${name}`,
        `${owner} CustomLabel for EntityRelationship '${name}'`,
        doc,
        doc.child(role, 'CustomLabels'),
        'CustomLabel',
      );
    }
  }
  for (const workflow of doc.children(doc.child(root, 'Workflows'))) {
    const id = doc.attr(workflow, 'WorkflowId') ?? '';
    const name = doc.attr(workflow, 'Name') ?? '';
    add(`29:LocalizedName,${id}`, `'${name}' : LocalizedName for Workflow`, doc, doc.child(workflow, 'LocalizedNames'), 'LocalizedName');
    add(`29:Description,${id}`, `'${name}' : Description for Workflow`, doc, doc.child(workflow, 'Descriptions'), 'Description');
    for (const step of doc.descendants(workflow, 'steplabels')) {
      const stepId = doc.attr(step, 'id') ?? '';
      add(`29:label,${stepId}`, `'${name}:${stepId}' : label for Workflow Label`, doc, step, 'label');
    }
  }
  // A key named twice keeps its first place, as a resource file holds each name once.
  const seen = new Set<string>();
  return sites.filter((site) => !seen.has(site.key) && seen.add(site.key));
}

type Add = (key: string, comment: string, doc: XmlSlices, holder: El | undefined, label: string) => void;

function entitySites(doc: XmlSlices, entity: El, base: number, add: Add): void {
  const name = doc.childText(entity, 'Name');
  const info = doc.child(doc.child(entity, 'EntityInfo'), 'entity');
  if (info === undefined) return;
  const display = labelText(doc, doc.child(info, 'LocalizedNames'), 'LocalizedName', base) || name;
  add(
    `1:LocalizedName,${name}entity${name}`,
    ` '${name}' : LocalizedName for Entity`,
    doc,
    doc.child(info, 'LocalizedNames'),
    'LocalizedName',
  );
  add(
    `1:LocalizedCollectionName,${name}entity${name}`,
    ` '${name}' : LocalizedCollectionName for Entity`,
    doc,
    doc.child(info, 'LocalizedCollectionNames'),
    'LocalizedCollectionName',
  );
  add(`1:Description,${name}entity${name}`, ` '${name}' : Description for Entity`, doc, doc.child(info, 'Descriptions'), 'Description');
  for (const attribute of doc.children(doc.child(info, 'attributes'))) {
    const physical = doc.attr(attribute, 'PhysicalName') ?? '';
    add(
      `1:displayname,${name}${physical}`,
      `'${name}' : displayname for Attribute '${physical}' on Entity`,
      doc,
      doc.child(attribute, 'displaynames'),
      'displayname',
    );
    add(
      `1:Description,${name}${physical}`,
      `'${name}' : Description for Attribute '${physical}' on Entity`,
      doc,
      doc.child(attribute, 'Descriptions'),
      'Description',
    );
    const choices = doc.child(attribute, 'optionset');
    if (choices === undefined) continue;
    const set = doc.attr(choices, 'Name') ?? '';
    add(
      `1:displayname,${name}${set}`,
      `'${name}' : displayname for OptionSet '${set}' on Entity`,
      doc,
      doc.child(choices, 'displaynames'),
      'displayname',
    );
    add(
      `1:Description,${name}${set}`,
      `'${name}' : Description for OptionSet '${set}' on Entity`,
      doc,
      doc.child(choices, 'Descriptions'),
      'Description',
    );
    for (const [list, kind] of [
      ['states', 'state'],
      ['statuses', 'status'],
      ['options', 'option'],
    ] as const) {
      for (const option of doc.children(doc.child(choices, list))) {
        const value = doc.attr(option, 'value') ?? '';
        add(
          `1:label,${name}${set}${value}`,
          `'${name}' : label for ${kind} '${value}' on Entity`,
          doc,
          doc.child(option, 'labels'),
          'label',
        );
      }
    }
  }
  for (const view of doc.children(doc.child(doc.child(entity, 'SavedQueries'), 'savedqueries'))) {
    const id = doc.childText(view, 'savedqueryid');
    add(
      `1:LocalizedName,${display}${id}`,
      `'${display}' : LocalizedName for SavedQuery on Entity QueryId: '${id}'`,
      doc,
      doc.child(view, 'LocalizedNames'),
      'LocalizedName',
    );
    add(
      `1:Description,${display}${id}`,
      `'${display}' : Description for SavedQuery on Entity QueryId: '${id}'`,
      doc,
      doc.child(view, 'Descriptions'),
      'Description',
    );
  }
  for (const form of doc.descendants(doc.child(entity, 'FormXml'), 'systemform')) {
    const id = doc.childText(form, 'formid');
    add(
      `1:LocalizedName,${display}${id}`,
      `'${display}' : LocalizedName for systemform in Entity FormXml ID: '${id}'`,
      doc,
      doc.child(form, 'LocalizedNames'),
      'LocalizedName',
    );
    add(
      `1:Description,${display}${id}`,
      `'${display}' : Description for systemform in Entity FormXml ID: '${id}'`,
      doc,
      doc.child(form, 'Descriptions'),
      'Description',
    );
    for (const part of ['tab', 'section', 'cell']) {
      for (const element of doc.descendants(form, part)) {
        const partId = doc.attr(element, 'id') ?? '';
        add(
          `1:label,${display}${partId}`,
          `'${display}' : label for ${part} in Entity FormXml ID: '${partId}'`,
          doc,
          doc.child(element, 'labels'),
          'label',
        );
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
