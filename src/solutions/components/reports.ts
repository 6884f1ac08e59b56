import { elementFile, embedded, type Piece } from '../xmlText';
import type { El, XmlSlices } from '../xmlSlices';
import { fileNameOf, under, type ComponentKind } from './types';

/**
 * Reports: each report's metadata in `Reports/<language>/{reportid}/<file name>.data.xml` beside the
 * report definition itself (`<file name>`, the zip's `.wdl` member named by ExportedFileName); other
 * children of the container, such as ReportSignatureIdMappings, in `Reports/<element>.xml`.
 * SolutionPackager declares no xsi namespace in these files.
 */
export const reports: ComponentKind = {
  container: 'Reports',
  owns: under('Reports/'),
  split(doc, container, context) {
    for (const item of doc.children(container)) {
      if (!doc.is(item, 'Report')) {
        context.write(`Reports/${fileNameOf(doc.name(item))}.xml`, elementFile(doc, item, { xsi: false }));
        continue;
      }
      const path = reportPath(doc, item);
      context.write(`${path}.data.xml`, elementFile(doc, item, { xsi: false }));
      const zipName = doc.childText(item, 'ExportedFileName').replace(/^\//, '');
      if (zipName) context.claim(zipName, path);
    }
  },
  join(context, indent) {
    const items: Piece[] = [];
    for (const file of context.list('Reports/')) {
      if (!/^Reports\/[^/]+\.xml$/.test(file)) continue;
      const doc = context.read(file)!;
      items.push(embedded(doc, doc.root, indent));
    }
    for (const file of context.list('Reports/')) {
      if (!/^Reports\/[^/]+\/[^/]+\/[^/]+\.data\.xml$/.test(file)) continue;
      const doc = context.read(file)!;
      const zipName = doc.childText(doc.root, 'ExportedFileName').replace(/^\//, '');
      if (zipName) context.payload(zipName, file.slice(0, -'.data.xml'.length));
      items.push(embedded(doc, doc.root, indent));
    }
    return items;
  },
};

function reportPath(doc: XmlSlices, report: El): string {
  const language = doc.childText(report, 'languagecode') || '0';
  const id = doc.childText(report, 'reportid') || 'report';
  const file = doc.childText(report, 'filename') || `${doc.childText(report, 'name') || 'report'}.rdl`;
  return `Reports/${fileNameOf(language)}/${fileNameOf(id)}/${fileNameOf(file)}`;
}
