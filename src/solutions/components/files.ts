import { elementFile, embedded, type Piece } from '../xmlText';
import type { El, XmlSlices } from '../xmlSlices';
import { fileNameOf, under, type ComponentKind } from './types';

interface FilePerElement {
  container: string;
  folder: string;
  /** The file's name (without `.xml`) for one component. */
  key: (doc: XmlSlices, e: El) => string;
  /** `_managed` variants in a Both folder. */
  twin?: boolean;
  /** A sub-folder per component holding this file name (AppModules/<name>/AppModule.xml). */
  fileInFolder?: string;
  /** Whether the file's root declares xsi (SolutionPackager leaves it off some kinds). */
  xsi?: boolean;
}

/** One file per child element of the container: Roles, option sets, dashboards, app modules… */
export function filePerElement(options: FilePerElement): ComponentKind {
  const prefix = `${options.folder}/`;
  const path = (key: string) =>
    options.fileInFolder ? `${prefix}${fileNameOf(key)}/${options.fileInFolder}` : `${prefix}${fileNameOf(key)}.xml`;
  const pattern = options.fileInFolder
    ? new RegExp(`^${escape(prefix)}[^/]+/${escape(options.fileInFolder)}$`)
    : new RegExp(`^${escape(prefix)}[^/]+\\.xml$`);
  return {
    container: options.container,
    owns: under(prefix),
    split(doc, container, context) {
      for (const item of doc.children(container))
        context.write(path(options.key(doc, item) || doc.name(item)), elementFile(doc, item, { xsi: options.xsi }), { twin: options.twin });
    },
    join(context, indent) {
      const items: Piece[] = [];
      for (const file of context.list(prefix)) {
        if (!pattern.test(file) || file.endsWith('_managed.xml')) continue;
        const doc = context.read(file, { twin: options.twin });
        if (doc) items.push(embedded(doc, doc.root, indent));
      }
      return items;
    },
  };
}

/** A container written whole to one file, the container element kept as the file's root (Other/EntityMaps.xml…). */
export function singleFile(container: string, file: string, twin = false): ComponentKind {
  const managedFile = file.replace(/\.xml$/, '_managed.xml');
  return {
    container,
    owns: (path) => path === file || path === managedFile,
    split(doc, element, context) {
      if (doc.hasChildren(element)) context.write(file, elementFile(doc, element), { twin });
    },
    join(context, indent) {
      const doc = context.exists(file) ? context.read(file, { twin }) : undefined;
      return doc ? doc.children(doc.root).map((item) => embedded(doc, item, indent)) : [];
    },
  };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
