import { elementFile, embedded, type Piece } from '../xmlText';
import type { El, XmlSlices } from '../xmlSlices';
import { baseName, fileNameOf, under, type ComponentKind } from './types';

interface WithPayload {
  container: string;
  folder: string;
  /** The zip path (leading `/` removed) of the component's payload, from its metadata; '' when it has none. */
  payloadOf: (doc: XmlSlices, e: El) => string;
  /** Where the payload goes in the folder; its metadata is that path + `.data.xml`. */
  folderPathOf: (doc: XmlSlices, e: El, zipPath: string) => string;
  owns?: (path: string) => boolean;
}

/** Components whose payload file is named in their metadata, kept beside it as `<path>.data.xml`. */
function withPayload(options: WithPayload): ComponentKind {
  const prefix = `${options.folder}/`;
  const payload = (doc: XmlSlices, e: El) => options.payloadOf(doc, e).replace(/^\//, '');
  return {
    container: options.container,
    owns: options.owns ?? under(prefix),
    split(doc, container, context) {
      for (const item of doc.children(container)) {
        const zipPath = payload(doc, item);
        const folderPath = options.folderPathOf(doc, item, zipPath);
        context.write(`${folderPath}.data.xml`, elementFile(doc, item));
        if (zipPath) context.claim(zipPath, folderPath);
      }
    },
    join(context, indent) {
      const items: Piece[] = [];
      for (const file of context.list(prefix)) {
        if (!file.endsWith('.data.xml')) continue;
        const doc = context.read(file)!;
        const zipPath = payload(doc, doc.root);
        if (zipPath) context.payload(zipPath, file.slice(0, -'.data.xml'.length));
        items.push(embedded(doc, doc.root, indent));
      }
      return items;
    },
  };
}

export const workflows = withPayload({
  container: 'Workflows',
  folder: 'Workflows',
  payloadOf: (doc, e) => doc.childText(e, 'XamlFileName') || doc.childText(e, 'JsonFileName'),
  folderPathOf: (doc, e, zipPath) => zipPath || `Workflows/${fileNameOf(doc.attr(e, 'WorkflowId') ?? 'workflow')}`,
});

export const webResources = withPayload({
  container: 'WebResources',
  folder: 'WebResources',
  payloadOf: (doc, e) => doc.childText(e, 'FileName'),
  // The folder path is the web resource's name; its slashes make sub-folders (checked by the writer).
  folderPathOf: (doc, e) => `WebResources/${doc.childText(e, 'Name')}`,
});

/** Plug-in assemblies: `PluginAssemblies/<Name>-<ID>/<Name>.dll` and its `.dll.data.xml`, at the path the zip uses. */
export const pluginAssemblies = withPayload({
  container: 'SolutionPluginAssemblies',
  folder: 'PluginAssemblies',
  payloadOf: (doc, e) => doc.childText(e, 'FileName'),
  folderPathOf: (doc, e, zipPath) => zipPath || `PluginAssemblies/${fileNameOf((doc.attr(e, 'FullName') ?? 'assembly').split(',')[0]!)}`,
});

/**
 * Code components (PCF): `Controls/<Name>/ControlManifest.xml` with its `.data.xml`; the bundle,
 * styles and resources beside it keep their zip paths, so the kind owns no other file and they pass through.
 */
export const customControls = withPayload({
  container: 'CustomControls',
  folder: 'Controls',
  payloadOf: (doc, e) => doc.childText(e, 'FileName'),
  folderPathOf: (doc, e, zipPath) => zipPath || `Controls/${fileNameOf(doc.childText(e, 'Name'))}/ControlManifest.xml`,
  owns: (path) => path.startsWith('Controls/') && path.endsWith('.data.xml'),
});

/** The members a canvas app's metadata names: its document, background image and additional files. */
function canvasMembers(doc: XmlSlices, app: El): string[] {
  const uris = doc.child(app, 'AdditionalUris');
  const additional = uris === undefined ? [] : doc.children(uris).map((e) => doc.textOf(e));
  return [doc.childText(app, 'DocumentUri'), doc.childText(app, 'BackgroundImageUri'), ...additional]
    .map((u) => u.replace(/^\//, ''))
    .filter(Boolean);
}

/**
 * Canvas apps: metadata in `CanvasApps/<Name>.meta.xml`; the .msapp and images keep their zip paths.
 * Payload-shaped files no metadata names (left over from an earlier version) are reported, not packed;
 * anything else under CanvasApps/ (such as an expanded source tree) passes through.
 */
export const canvasApps: ComponentKind = {
  container: 'CanvasApps',
  owns: (path) => /^CanvasApps\/[^/]+(\.meta\.xml|_DocumentUri\.msapp|_BackgroundImageUri|_AdditionalUris\d+_[^/]*)$/.test(path),
  split(doc, container, context) {
    for (const app of doc.children(container)) {
      context.write(`CanvasApps/${fileNameOf(doc.childText(app, 'Name'))}.meta.xml`, elementFile(doc, app));
      for (const member of canvasMembers(doc, app)) context.claim(member, member);
    }
  },
  join(context, indent) {
    const items: Piece[] = [];
    for (const file of context.list('CanvasApps/')) {
      if (!/^CanvasApps\/[^/]+\.meta\.xml$/.test(file)) continue;
      const doc = context.read(file)!;
      for (const member of canvasMembers(doc, doc.root)) context.payload(member, member);
      items.push(embedded(doc, doc.root, indent));
    }
    return items;
  },
};

/**
 * Custom connectors: `Connectors/<name>.xml` (root `<Connector>`) and the files it names, which the
 * zip keeps under `Connector/` (OpenAPI definition, connection parameters, policy templates, icon).
 * Older tools wrote the folder as `Connector/`; packing reads either.
 */
export const connectors: ComponentKind = {
  container: 'Connectors',
  owns: (path) => path.startsWith('Connectors/') || path.startsWith('Connector/'),
  split(doc, container, context) {
    for (const connector of doc.children(container)) {
      context.write(
        `Connectors/${fileNameOf(doc.childText(connector, 'name') || doc.childText(connector, 'connectorid'))}.xml`,
        elementFile(doc, connector),
      );
      for (const zipName of connectorFiles(doc, connector)) context.claim(zipName, `Connectors/${baseName(zipName)}`);
    }
  },
  join(context, indent) {
    const items: Piece[] = [];
    for (const file of [...context.list('Connectors/'), ...context.list('Connector/')]) {
      if (!/^Connectors?\/[^/]+\.xml$/.test(file)) continue;
      const doc = context.read(file)!;
      const folder = file.slice(0, file.indexOf('/') + 1);
      for (const zipName of connectorFiles(doc, doc.root)) context.payload(zipName, `${folder}${baseName(zipName)}`);
      items.push(embedded(doc, doc.root, indent));
    }
    return items;
  },
};

/** The zip members a connector's metadata names: every child whose text is a path under /Connector/. */
function connectorFiles(doc: XmlSlices, connector: El): string[] {
  return doc
    .children(connector)
    .map((e) => doc.textOf(e))
    .filter((text) => /^\/Connector\/[^/]+$/.test(text))
    .map((text) => text.slice(1));
}
