import { SolutionFileError } from '../errors';
import { ByteBuilder, DECLARATION, XSI_NAMESPACE, embedded, groupFile, type Piece } from '../xmlText';
import type { El, XmlSlices } from '../xmlSlices';
import { fileNameOf, type ComponentKind } from './types';

const NAMES_FILE = 'Other/Relationships.xml';
const FOLDER = 'Other/Relationships/';

/** 1:N relationships go to the referenced entity's file, N:N to the first entity's (SolutionPackager's rule). */
function relationshipFile(doc: XmlSlices, relationship: El): string {
  const owner =
    doc.childText(relationship, 'ReferencedEntityName') ||
    doc.childText(relationship, 'FirstEntityName') ||
    doc.childText(relationship, 'ReferencingEntityName') ||
    'Other';
  return `${FOLDER}${fileNameOf(owner)}.xml`;
}

/**
 * Relationships: `Other/Relationships.xml` lists the names in their order, and
 * `Other/Relationships/<Entity>.xml` holds the definitions. SolutionPackager writes the list even when
 * there are none, as long as the solution has tables; so does this.
 */
export const relationships: ComponentKind = {
  container: 'EntityRelationships',
  owns: (path) => path === NAMES_FILE || path.startsWith(FOLDER),
  split(doc, container, context) {
    const all = doc.children(container);
    if (!all.length) {
      const tables = doc.child(doc.root, 'Entities');
      if (tables !== undefined && doc.hasChildren(tables)) context.write(NAMES_FILE, groupFile('EntityRelationships', doc, []));
      return;
    }
    const names = new ByteBuilder().bom().raw(`${DECLARATION}\r\n<EntityRelationships xmlns:xsi="${XSI_NAMESPACE}">`);
    for (const item of all) names.line(2).raw(doc.emptyTag(item));
    context.write(NAMES_FILE, names.raw('\r\n</EntityRelationships>').result());
    const byFile = new Map<string, El[]>();
    for (const item of all) {
      const file = relationshipFile(doc, item);
      const items = byFile.get(file);
      if (items) items.push(item);
      else byFile.set(file, [item]);
    }
    for (const [file, items] of byFile) context.write(file, groupFile('EntityRelationships', doc, items));
  },
  join(context, indent) {
    const byName = new Map<string, { doc: XmlSlices; item: El; file: string }>();
    for (const file of context.list(FOLDER)) {
      if (!/^Other\/Relationships\/[^/]+\.xml$/.test(file)) continue;
      const doc = context.read(file)!;
      for (const item of doc.children(doc.root)) {
        const name = doc.attr(item, 'Name') ?? '';
        const earlier = byName.get(name);
        if (earlier)
          throw new SolutionFileError(
            'DuplicateComponent',
            `The relationship ${name} is defined twice, in ${earlier.file} and in ${file}; nothing was packed.`,
            'Keep one definition.',
          );
        byName.set(name, { doc, item, file });
      }
    }
    const list = context.exists(NAMES_FILE) ? context.read(NAMES_FILE) : undefined;
    const order = list ? list.children(list.root).map((e) => list.attr(e, 'Name') ?? '') : [];
    const items: Piece[] = [];
    for (const name of order) {
      const found = byName.get(name);
      if (!found) context.warn(`${NAMES_FILE} names the relationship ${name}, but no file under ${FOLDER} defines it; it was left out.`);
      else items.push(embedded(found.doc, found.item, indent));
      byName.delete(name);
    }
    for (const found of byName.values()) items.push(embedded(found.doc, found.item, indent));
    return items;
  },
};
