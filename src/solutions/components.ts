import type { Document, Element } from '@xmldom/xmldom';
import { appendIndented, child, elements, empty, isEmpty, standalone, textOf } from './xml';

/** What a component kind needs while unpacking. */
export interface SplitContext {
  /** Writes one component file. `twin` files get a `_managed` variant in a Both unpack. */
  write(path: string, document: Document, options?: { twin?: boolean }): void;
  /** The zip member `zipName` is this component's payload and goes to `folderPath`. */
  claim(zipName: string, folderPath: string): void;
}

/** What a component kind needs while packing. */
export interface JoinContext {
  managed: boolean;
  /** Files under a folder (relative, forward slashes), sorted; `_managed` twins included. */
  list(prefix: string): string[];
  exists(path: string): boolean;
  /** Reads and parses a file, and marks it used. For a twin, the variant for the package type is read. */
  read(path: string, options?: { twin?: boolean }): Document | undefined;
  /** Adds a folder file as the zip member `zipName`. */
  payload(zipName: string, folderPath: string): void;
  warn(message: string): void;
}

/** One top-level container of customizations.xml that SolutionPackager splits into files. */
export interface ComponentKind {
  container: string;
  /** Folders and files this kind owns in the unpacked layout. */
  owns: string[];
  split(container: Element, context: SplitContext): void;
  join(container: Element, context: JoinContext): void;
}

/** Characters that cannot be in a file name on Windows, or that would make a path. */
export function fileNameOf(name: string): string {
  return name.replace(/[\\/:*?"<>|]/g, '_');
}

/** One file per child element, named by a child's text or an attribute. */
function filePerElement(options: { container: string; folder: string; key: (e: Element) => string; twin?: boolean; file?: (key: string) => string }): ComponentKind {
  const path = (key: string) => `${options.folder}/${options.file ? options.file(key) : `${fileNameOf(key)}.xml`}`;
  return {
    container: options.container,
    owns: [`${options.folder}/`],
    split(container, context) {
      for (const item of elements(container)) context.write(path(options.key(item)), standalone(item), { twin: options.twin });
      empty(container);
    },
    join(container, context) {
      const roots: Element[] = [];
      for (const file of context.list(`${options.folder}/`)) {
        if (!file.endsWith('.xml') || file.endsWith('_managed.xml')) continue;
        if (options.file && !file.endsWith(options.file(''))) continue;
        const document = context.read(file, { twin: options.twin });
        if (document) roots.push(document.documentElement!);
      }
      appendIndented(container, roots, 2);
    },
  };
}

/** A container written whole to one file, the container element kept as the file's root. */
function singleFile(container: string, file: string, twin = false): ComponentKind {
  return {
    container,
    owns: [file, file.replace(/\.xml$/, '_managed.xml')],
    split(element, context) {
      if (isEmpty(element)) return;
      context.write(file, standalone(element), { twin });
      empty(element);
    },
    join(element, context) {
      const document = context.exists(file) ? context.read(file, { twin }) : undefined;
      if (document) appendIndented(element, elements(document.documentElement!), 2);
    },
  };
}

const entities: ComponentKind = {
  container: 'Entities',
  owns: ['Entities/'],
  split(container, context) {
    for (const entity of elements(container)) {
      const dir = `Entities/${fileNameOf(textOf(child(entity, 'Name')))}`;
      const forms = child(entity, 'FormXml');
      if (forms) {
        for (const group of elements(forms)) {
          for (const form of elements(group)) context.write(`${dir}/FormXml/${fileNameOf(group.getAttribute('type') ?? 'main')}/${fileNameOf(textOf(child(form, 'formid')))}.xml`, standalone(form, { wrapIn: 'forms' }), { twin: true });
        }
        empty(forms);
      }
      const views = child(entity, 'SavedQueries');
      if (views) {
        for (const view of elements(child(views, 'savedqueries') ?? views)) context.write(`${dir}/SavedQueries/${fileNameOf(textOf(child(view, 'savedqueryid')))}.xml`, standalone(view, { wrapIn: 'savedqueries' }));
        empty(views);
      }
      const charts = child(entity, 'Visualizations');
      if (charts) {
        for (const chart of elements(charts)) context.write(`${dir}/Visualizations/${fileNameOf(textOf(child(chart, 'savedqueryvisualizationid')))}.xml`, standalone(chart));
        empty(charts);
      }
      const ribbon = child(entity, 'RibbonDiffXml');
      if (ribbon) {
        context.write(`${dir}/RibbonDiff.xml`, standalone(ribbon));
        empty(ribbon);
      }
      context.write(`${dir}/Entity.xml`, standalone(entity));
    }
    empty(container);
  },
  join(container, context) {
    const result: Element[] = [];
    for (const file of context.list('Entities/').filter((f) => /^Entities\/[^/]+\/Entity\.xml$/.test(f))) {
      const dir = file.slice(0, -'/Entity.xml'.length);
      const entity = context.read(file)!.documentElement!;
      const document = entity.ownerDocument!;
      const forms = child(entity, 'FormXml');
      if (forms) {
        const groups: Element[] = [];
        const types = new Set(context.list(`${dir}/FormXml/`).map((f) => f.split('/')[3]!));
        for (const type of types) {
          const group = document.createElement('forms');
          group.setAttribute('type', type);
          const systemForms = context
            .list(`${dir}/FormXml/${type}/`)
            .filter((f) => !f.endsWith('_managed.xml'))
            .map((f) => context.read(f, { twin: true }))
            .flatMap((d) => (d ? elements(d.documentElement!) : []));
          appendIndented(group, systemForms, 0);
          groups.push(group);
        }
        appendIndented(forms, groups, 2);
      }
      const views = child(entity, 'SavedQueries');
      if (views) {
        const wrapper = document.createElement('savedqueries');
        appendIndented(wrapper, context.list(`${dir}/SavedQueries/`).flatMap((f) => elements(context.read(f)!.documentElement!)), 0);
        appendIndented(views, [wrapper], 2);
      }
      const charts = child(entity, 'Visualizations');
      if (charts) appendIndented(charts, context.list(`${dir}/Visualizations/`).map((f) => context.read(f)!.documentElement!), 2);
      const ribbon = child(entity, 'RibbonDiffXml');
      if (ribbon && context.exists(`${dir}/RibbonDiff.xml`)) appendIndented(ribbon, elements(context.read(`${dir}/RibbonDiff.xml`)!.documentElement!), 2);
      result.push(entity);
    }
    appendIndented(container, result, 2);
  },
};

/** 1:N relationships go to the referenced entity's file, N:N to the first entity's (SolutionPackager's rule). */
function relationshipFile(relationship: Element): string {
  const owner = textOf(child(relationship, 'ReferencedEntityName')) || textOf(child(relationship, 'FirstEntityName')) || textOf(child(relationship, 'ReferencingEntityName')) || 'Other';
  return `Other/Relationships/${fileNameOf(owner)}.xml`;
}

const relationships: ComponentKind = {
  container: 'EntityRelationships',
  owns: ['Other/Relationships.xml', 'Other/Relationships/'],
  split(container, context) {
    const all = elements(container);
    if (!all.length) return;
    const names = standalone(container);
    for (const item of elements(names.documentElement!)) empty(item);
    context.write('Other/Relationships.xml', names);
    const byFile = new Map<string, Element[]>();
    for (const item of all) {
      const file = relationshipFile(item);
      const group = byFile.get(file);
      if (group) group.push(item);
      else byFile.set(file, [item]);
    }
    for (const [file, items] of byFile) {
      const document = standalone(container);
      appendIndented(document.documentElement!, items, 0);
      context.write(file, document);
    }
    empty(container);
  },
  join(container, context) {
    const byName = new Map<string, Element>();
    for (const file of context.list('Other/Relationships/')) for (const item of elements(context.read(file)!.documentElement!)) byName.set(item.getAttribute('Name') ?? '', item);
    const order = context.exists('Other/Relationships.xml') ? elements(context.read('Other/Relationships.xml')!.documentElement!).map((e) => e.getAttribute('Name') ?? '') : [];
    const result: Element[] = [];
    for (const name of order) {
      const item = byName.get(name);
      if (!item) context.warn(`Other/Relationships.xml names the relationship ${name}, but no file under Other/Relationships/ defines it; it was left out.`);
      else result.push(item);
      byName.delete(name);
    }
    result.push(...byName.values());
    appendIndented(container, result, 2);
  },
};

/** Components whose payload file is named in their metadata, kept beside it as `<path>.data.xml`. */
function withPayload(options: { container: string; folder: string; payloadOf: (e: Element) => string; folderPathOf: (e: Element, zipPath: string) => string }): ComponentKind {
  return {
    container: options.container,
    owns: [`${options.folder}/`],
    split(container, context) {
      for (const item of elements(container)) {
        const zipPath = options.payloadOf(item).replace(/^\//, '');
        const folderPath = options.folderPathOf(item, zipPath);
        context.write(`${folderPath}.data.xml`, standalone(item));
        if (zipPath) context.claim(zipPath, folderPath);
      }
      empty(container);
    },
    join(container, context) {
      const roots: Element[] = [];
      for (const file of context.list(`${options.folder}/`).filter((f) => f.endsWith('.data.xml'))) {
        const root = context.read(file)!.documentElement!;
        const zipPath = options.payloadOf(root).replace(/^\//, '');
        if (zipPath) context.payload(zipPath, file.slice(0, -'.data.xml'.length));
        roots.push(root);
      }
      appendIndented(container, roots, 2);
    },
  };
}

const workflows = withPayload({
  container: 'Workflows',
  folder: 'Workflows',
  payloadOf: (e) => textOf(child(e, 'XamlFileName')) || textOf(child(e, 'JsonFileName')),
  folderPathOf: (e, zipPath) => zipPath || `Workflows/${fileNameOf(e.getAttribute('WorkflowId') ?? 'workflow')}`,
});

const webResources = withPayload({
  container: 'WebResources',
  folder: 'WebResources',
  payloadOf: (e) => textOf(child(e, 'FileName')),
  // The folder path is the web resource's name; its slashes make sub-folders (checked by the writer).
  folderPathOf: (e) => `WebResources/${textOf(child(e, 'Name'))}`,
});

/** Plug-in assemblies: `PluginAssemblies/<Name>-<ID>/<Name>.dll` and its `.dll.data.xml`, at the path the zip uses (§4.5). */
const pluginAssemblies = withPayload({
  container: 'SolutionPluginAssemblies',
  folder: 'PluginAssemblies',
  payloadOf: (e) => textOf(child(e, 'FileName')),
  folderPathOf: (e, zipPath) => zipPath || `PluginAssemblies/${fileNameOf((e.getAttribute('FullName') ?? 'assembly').split(',')[0]!)}`,
});

/**
 * Code components (PCF): `Controls/<Name>/ControlManifest.xml` with its `.data.xml`; the bundle,
 * styles and resources beside it keep their zip paths, so the kind owns no folder and they pass through.
 */
const customControls: ComponentKind = {
  ...withPayload({
    container: 'CustomControls',
    folder: 'Controls',
    payloadOf: (e) => textOf(child(e, 'FileName')),
    folderPathOf: (e, zipPath) => zipPath || `Controls/${fileNameOf(textOf(child(e, 'Name')))}/ControlManifest.xml`,
  }),
  owns: [],
};

/** Canvas apps: metadata in `<Name>.meta.xml`; the .msapp and images keep their zip paths. */
const canvasApps: ComponentKind = {
  container: 'CanvasApps',
  owns: [],
  split(container, context) {
    for (const app of elements(container)) context.write(`CanvasApps/${fileNameOf(textOf(child(app, 'Name')))}.meta.xml`, standalone(app));
    empty(container);
  },
  join(container, context) {
    const apps = context.list('CanvasApps/').filter((f) => /^CanvasApps\/[^/]+\.meta\.xml$/.test(f));
    appendIndented(container, apps.map((f) => context.read(f)!.documentElement!), 2);
  },
};

/** The kinds handled, by container name. Containers not listed stay inline in Other/Customizations.xml. */
export const COMPONENT_KINDS: ComponentKind[] = [
  entities,
  relationships,
  workflows,
  webResources,
  canvasApps,
  pluginAssemblies,
  customControls,
  filePerElement({ container: 'SdkMessageProcessingSteps', folder: 'SdkMessageProcessingSteps', key: (e) => e.getAttribute('SdkMessageProcessingStepId') ?? 'step' }),
  filePerElement({ container: 'Roles', folder: 'Roles', key: (e) => e.getAttribute('name') ?? e.getAttribute('id') ?? 'role' }),
  filePerElement({ container: 'optionsets', folder: 'OptionSets', key: (e) => e.getAttribute('Name') ?? 'optionset' }),
  filePerElement({ container: 'AppModules', folder: 'AppModules', key: (e) => textOf(child(e, 'UniqueName')), twin: true, file: (key) => `${key ? `${fileNameOf(key)}/` : ''}AppModule.xml` }),
  filePerElement({ container: 'AppModuleSiteMaps', folder: 'AppModuleSiteMaps', key: (e) => textOf(child(e, 'SiteMapUniqueName')), twin: true, file: (key) => `${key ? `${fileNameOf(key)}/` : ''}AppModuleSiteMap.xml` }),
  singleFile('SiteMap', 'Other/SiteMap.xml', true),
  singleFile('EntityMaps', 'Other/EntityMaps.xml'),
  singleFile('ConnectionRoles', 'Other/ConnectionRoles.xml'),
];

/**
 * SolutionPackager layouts this version does not pack yet. A folder that has them is refused rather
 * than packed into a zip that silently lacks those components.
 */
export const UNSUPPORTED_LAYOUTS: Array<{ prefix: string; what: string }> = [
  { prefix: 'PluginAssemblies/ServiceEndpoints.xml', what: 'service endpoints' },
  { prefix: 'Connectors/', what: 'custom connectors' },
  { prefix: 'Reports/', what: 'reports' },
  { prefix: 'Dashboards/', what: 'dashboards' },
  { prefix: 'Templates/', what: 'templates' },
  { prefix: 'Resources/', what: 'localized resources (--localize)' },
];
