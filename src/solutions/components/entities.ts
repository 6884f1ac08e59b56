import { ByteBuilder, elementFile, embedded, wrappedFile, type Piece, type Writer } from '../xmlText';
import type { El, XmlSlices } from '../xmlSlices';
import { baseName, fileNameOf, under, type ComponentKind, type JoinContext } from './types';

/** The parts of an entity written to their own files, in the order they stand in Entity.xml. */
const PARTS = ['FormXml', 'SavedQueries', 'Visualizations', 'RibbonDiffXml'] as const;
type Part = (typeof PARTS)[number];

/**
 * Tables: `Entities/<Name>/Entity.xml` with empty placeholders for the parts written apart: forms
 * (`FormXml/<type>/{formid}.xml`, with `_managed` twins), views (`SavedQueries/{id}.xml`), charts
 * (`Visualizations/{id}.xml`) and the ribbon (`RibbonDiff.xml`). Calculated and rollup column
 * definitions named by `FormulaDefinitionFileName` move from the zip's `Formulas/` to the entity's.
 */
export const entities: ComponentKind = {
  container: 'Entities',
  owns: under('Entities/'),
  split(doc, container, context) {
    for (const entity of doc.children(container)) {
      const dir = `Entities/${fileNameOf(doc.childText(entity, 'Name'))}`;
      const placeholders = new Map<El, Piece>();
      const forms = doc.child(entity, 'FormXml');
      if (forms !== undefined) {
        for (const group of doc.children(forms)) {
          const type = fileNameOf(doc.attr(group, 'type') ?? 'main');
          for (const form of doc.children(group))
            context.write(`${dir}/FormXml/${type}/${fileNameOf(doc.childText(form, 'formid'))}.xml`, wrappedFile(doc, form, 'forms'), {
              twin: true,
            });
        }
      }
      const views = doc.child(entity, 'SavedQueries');
      if (views !== undefined) {
        const list = doc.child(views, 'savedqueries') ?? views;
        for (const view of doc.children(list))
          context.write(
            `${dir}/SavedQueries/${fileNameOf(doc.childText(view, 'savedqueryid'))}.xml`,
            wrappedFile(doc, view, 'savedqueries'),
          );
      }
      const charts = doc.child(entity, 'Visualizations');
      if (charts !== undefined) {
        for (const chart of doc.children(charts))
          context.write(
            `${dir}/Visualizations/${fileNameOf(doc.childText(chart, 'savedqueryvisualizationid'))}.xml`,
            elementFile(doc, chart),
          );
      }
      const ribbon = doc.child(entity, 'RibbonDiffXml');
      if (ribbon !== undefined) context.write(`${dir}/RibbonDiff.xml`, elementFile(doc, ribbon));
      for (const part of PARTS) {
        const element = doc.child(entity, part);
        if (element !== undefined) placeholders.set(element, `<${part} />`);
      }
      for (const zipName of formulaFiles(doc, entity)) context.claim(zipName, `${dir}/Formulas/${baseName(zipName)}`);
      context.write(`${dir}/Entity.xml`, elementFile(doc, entity, { replacements: placeholders }));
    }
  },
  join(context, indent) {
    const items: Piece[] = [];
    for (const file of context.list('Entities/')) {
      if (!/^Entities\/[^/]+\/Entity\.xml$/.test(file)) continue;
      const doc = context.read(file)!;
      items.push(joinEntity(context, doc, file.slice(0, -'/Entity.xml'.length), indent));
    }
    return items;
  },
};

/** The zip members a table's calculated and rollup columns name (`FormulaDefinitionFileName` of its attributes). */
function formulaFiles(doc: XmlSlices, entity: El): string[] {
  const attributes = doc.child(doc.child(doc.child(entity, 'EntityInfo'), 'entity'), 'attributes');
  return doc
    .children(attributes)
    .map((attribute) => doc.childText(attribute, 'FormulaDefinitionFileName').replace(/^\//, ''))
    .filter(Boolean);
}

function joinEntity(context: JoinContext, doc: XmlSlices, dir: string, indent: number): Writer {
  const entity = doc.root;
  const delta = indent - doc.indentOf(entity);
  const replacements = new Map<El, Piece>();
  const missing: string[] = [];
  let insertAfter = doc.child(entity, 'EntityInfo');
  for (const part of PARTS) {
    const placeholder = doc.child(entity, part);
    // A part written inline stays as it is; files for it, if any, are reported as unused.
    if (placeholder !== undefined && !doc.isEmpty(placeholder)) {
      insertAfter = placeholder;
      continue;
    }
    const partIndent = placeholder !== undefined ? doc.indentOf(placeholder) + delta : indent + 2;
    const content = PART_BUILDERS[part](context, dir, partIndent);
    if (placeholder !== undefined) {
      insertAfter = placeholder;
      if (content) replacements.set(placeholder, (b) => b.raw(doc.openTag(placeholder)).raw(content).line(partIndent).raw(`</${part}>`));
    } else if (content && insertAfter !== undefined) {
      // Files without their placeholder: put the part back where SolutionPackager has it rather than lose them.
      missing.push(part);
      const after = insertAfter;
      const before = replacements.get(after) ?? ((b: ByteBuilder) => b.copy(doc, doc.start(after), doc.end(after), delta));
      replacements.set(after, (b) => b.raw(before).line(partIndent).raw(`<${part}>`).raw(content).line(partIndent).raw(`</${part}>`));
    } else if (content) {
      context.warn(`${dir}/Entity.xml has no EntityInfo, so its ${part} files could not be put back; they were left out.`);
    }
  }
  for (const zipName of formulaFiles(doc, entity)) context.payload(zipName, `${dir}/Formulas/${baseName(zipName)}`);
  if (missing.length)
    context.warn(`${dir}/Entity.xml has no placeholder for ${missing.join(', ')}, but the folder has files for them; they were packed.`);
  return embedded(doc, entity, indent, replacements);
}

type PartBuilder = (context: JoinContext, dir: string, indent: number) => Writer | undefined;

/**
 * Each part's content (starting with a newline) at `indent` + 2, undefined when the folder has no files
 * for it. Files are read now, so that they count as used; the bytes are written later.
 */
const PART_BUILDERS: Record<Part, PartBuilder> = {
  FormXml(context, dir, indent) {
    const byType = new Map<string, Writer[]>();
    for (const file of context.list(`${dir}/FormXml/`)) {
      const match = /^[^/]+\/[^/]+\/FormXml\/([^/]+)\/[^/]+\.xml$/.exec(file);
      if (!match || file.endsWith('_managed.xml')) continue;
      const doc = context.read(file, { twin: true });
      if (!doc) continue;
      const forms = byType.get(match[1]!) ?? [];
      for (const form of doc.children(doc.root)) forms.push(embedded(doc, form, indent + 4));
      byType.set(match[1]!, forms);
    }
    const groups = [...byType].filter(([, forms]) => forms.length);
    if (!groups.length) return undefined;
    return (builder) => {
      for (const [type, forms] of groups) {
        builder.line(indent + 2).raw(`<forms type="${type}">`);
        for (const form of forms) builder.line(indent + 4).raw(form);
        builder.line(indent + 2).raw('</forms>');
      }
    };
  },
  SavedQueries(context, dir, indent) {
    const views: Writer[] = [];
    for (const file of context.list(`${dir}/SavedQueries/`)) {
      if (!/^[^/]+\/[^/]+\/SavedQueries\/[^/]+\.xml$/.test(file)) continue;
      const doc = context.read(file)!;
      for (const view of doc.children(doc.root)) views.push(embedded(doc, view, indent + 4));
    }
    if (!views.length) return undefined;
    return (builder) => {
      builder.line(indent + 2).raw('<savedqueries>');
      for (const view of views) builder.line(indent + 4).raw(view);
      builder.line(indent + 2).raw('</savedqueries>');
    };
  },
  Visualizations(context, dir, indent) {
    const charts: Writer[] = [];
    for (const file of context.list(`${dir}/Visualizations/`)) {
      if (!/^[^/]+\/[^/]+\/Visualizations\/[^/]+\.xml$/.test(file)) continue;
      const doc = context.read(file)!;
      charts.push(embedded(doc, doc.root, indent + 2));
    }
    return charts.length ? (builder) => charts.forEach((chart) => builder.line(indent + 2).raw(chart)) : undefined;
  },
  RibbonDiffXml(context, dir, indent) {
    const file = `${dir}/RibbonDiff.xml`;
    const doc = context.exists(file) ? context.read(file) : undefined;
    const items = doc ? doc.children(doc.root) : [];
    if (!doc || !items.length) return undefined;
    return (builder) => items.forEach((item) => builder.line(indent + 2).raw(embedded(doc, item, indent + 2)));
  },
};
