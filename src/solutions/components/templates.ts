import { compactXml, prettyXml } from '../embeddedXml';
import { DECLARATION, elementFile, embedded, escapeText, textFile, withCrlf, type Piece } from '../xmlText';
import type { El, XmlSlices } from '../xmlSlices';
import { fileNameOf, under, type ComponentKind, type JoinContext } from './types';

/** The e-mail template fields written to their own files, and the file each goes to. */
const DOCUMENTS = [
  { field: 'subject', file: 'subject.xsl', xml: false },
  { field: 'subjectpresentationxml', file: 'subjectpresentationxml.xml', xml: true },
  { field: 'body', file: 'body.xsl', xml: false },
  { field: 'presentationxml', file: 'presentationxml.xml', xml: true },
] as const;

/**
 * Templates: each child of the container in `Templates/<element>.xml` (EmailTemplates,
 * ContractTemplates, KBArticleTemplates, MailMergeTemplates). E-mail templates also move their
 * subject and body (XSLT, written as they are) and presentation XML (laid out one element per line)
 * to `Templates/EmailDocuments/<language>/{templateid}/`, leaving the fields empty in EmailTemplates.xml.
 */
export const templates: ComponentKind = {
  container: 'Templates',
  owns: under('Templates/'),
  split(doc, container, context) {
    for (const group of doc.children(container)) {
      const replacements = new Map<El, Piece>();
      if (doc.is(group, 'EmailTemplates')) {
        for (const template of doc.children(group)) {
          const dir = documentFolder(doc, template);
          for (const { field, file, xml } of DOCUMENTS) {
            const element = doc.child(template, field);
            if (element === undefined) continue;
            const text = doc.rawText(element);
            if (!text.trim()) continue;
            context.write(`${dir}/${file}`, textFile(xml ? xmlDocumentFile(text) : text));
            replacements.set(element, `<${field}></${field}>`);
          }
        }
      }
      context.write(`Templates/${fileNameOf(doc.name(group))}.xml`, elementFile(doc, group, { replacements }));
    }
  },
  join(context, indent) {
    const items: Piece[] = [];
    for (const file of context.list('Templates/')) {
      if (!/^Templates\/[^/]+\.xml$/.test(file)) continue;
      const doc = context.read(file)!;
      const replacements = new Map<El, Piece>();
      if (doc.is(doc.root, 'EmailTemplates'))
        for (const template of doc.children(doc.root)) fillDocuments(context, doc, template, replacements);
      items.push(embedded(doc, doc.root, indent, replacements));
    }
    return items;
  },
};

function documentFolder(doc: XmlSlices, template: El): string {
  return `Templates/EmailDocuments/${fileNameOf(doc.childText(template, 'languagecode') || '0')}/${fileNameOf(doc.childText(template, 'templateid') || 'template')}`;
}

function fillDocuments(context: JoinContext, doc: XmlSlices, template: El, replacements: Map<El, Piece>): void {
  const dir = documentFolder(doc, template);
  for (const { field, file, xml } of DOCUMENTS) {
    const element = doc.child(template, field);
    const path = `${dir}/${file}`;
    // A field that still has its text keeps it; the file is then reported as not used.
    if (element === undefined || !context.exists(path) || !doc.isEmpty(element)) continue;
    const text = context.readText(path)!;
    const content = xml ? xmlDocumentText(text) : text;
    replacements.set(element, `<${field}>${escapeText(content)}</${field}>`);
  }
}

/**
 * Presentation XML as SolutionPackager writes it: one element per line under a declaration, when the
 * template holds it without whitespace between tags (as Dataverse stores it). Text laid out some other
 * way is written as it is, so that packing gives it back unchanged.
 */
function xmlDocumentFile(text: string): string {
  const pretty = compactXml(text) === text ? prettyXml(text) : undefined;
  return pretty === undefined ? withCrlf(text) : `${DECLARATION}\r\n${pretty}`;
}

/** The reverse of xmlDocumentFile: a file in that one-element-per-line form goes back without the whitespace. */
function xmlDocumentText(file: string): string {
  const declared = /^<\?xml version="1\.0" encoding="utf-8"\?>\r?\n/.exec(file);
  if (!declared) return file;
  const body = file.slice(declared[0].length);
  const compact = compactXml(body);
  return compact !== undefined && prettyXml(compact) === withCrlf(body) ? compact : file;
}
