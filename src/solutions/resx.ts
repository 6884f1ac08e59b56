import { SolutionFileError } from './errors';
import { escapeAttribute, escapeText } from './xmlText';
import { XmlSlices } from './xmlSlices';

/** Culture names of the languages Dataverse offers, by LCID (resource folders are named by culture unless useLcid). */
const CULTURES: Record<number, string> = {
  1025: 'ar-SA',
  1026: 'bg-BG',
  1027: 'ca-ES',
  1028: 'zh-TW',
  1029: 'cs-CZ',
  1030: 'da-DK',
  1031: 'de-DE',
  1032: 'el-GR',
  1033: 'en-US',
  1035: 'fi-FI',
  1036: 'fr-FR',
  1037: 'he-IL',
  1038: 'hu-HU',
  1040: 'it-IT',
  1041: 'ja-JP',
  1042: 'ko-KR',
  1043: 'nl-NL',
  1044: 'nb-NO',
  1045: 'pl-PL',
  1046: 'pt-BR',
  1048: 'ro-RO',
  1049: 'ru-RU',
  1050: 'hr-HR',
  1051: 'sk-SK',
  1053: 'sv-SE',
  1054: 'th-TH',
  1055: 'tr-TR',
  1057: 'id-ID',
  1058: 'uk-UA',
  1060: 'sl-SI',
  1061: 'et-EE',
  1062: 'lv-LV',
  1063: 'lt-LT',
  1066: 'vi-VN',
  1069: 'eu-ES',
  1081: 'hi-IN',
  1086: 'ms-MY',
  1087: 'kk-KZ',
  1110: 'gl-ES',
  2052: 'zh-CN',
  2070: 'pt-PT',
  2074: 'sr-Latn-CS',
  3076: 'zh-HK',
  3082: 'es-ES',
  3098: 'sr-Cyrl-CS',
};

/** The folder (and file) name of a language: its culture, or the LCID when asked or when the culture is not known. */
export function languageFolder(lcid: number, useLcid: boolean): string {
  return useLcid ? String(lcid) : (CULTURES[lcid] ?? String(lcid));
}

/** The LCID of a resource folder named by culture or by number. */
export function lcidOfFolder(name: string): number | undefined {
  if (/^\d+$/.test(name)) return Number(name);
  const found = Object.entries(CULTURES).find(([, culture]) => culture.toLowerCase() === name.toLowerCase());
  return found ? Number(found[0]) : undefined;
}

export interface ResxEntry {
  name: string;
  value: string;
  comment: string;
}

/**
 * The `System.Version` 9.0.0.0 SolutionPackager records in its resource files, serialized as .NET's
 * binary formatter does (MS-NRBF: a header, one class record with four Int32 members, then the end).
 * SolutionPackager refuses to merge a resource file that lacks it.
 */
function versionBlob(): string {
  const int32 = (value: number) => {
    const bytes = Buffer.alloc(4);
    bytes.writeInt32LE(value);
    return bytes;
  };
  const text = (value: string) => Buffer.concat([Buffer.from([value.length]), Buffer.from(value, 'latin1')]);
  const members = ['_Major', '_Minor', '_Build', '_Revision'];
  const record = Buffer.concat([
    Buffer.from([0x00]),
    int32(1),
    int32(-1),
    int32(1),
    int32(0), // serialization header: root 1, header -1, version 1.0
    Buffer.from([0x04]),
    int32(1),
    text('System.Version'),
    int32(members.length),
    ...members.map(text), // class with members and types
    Buffer.from([0, 0, 0, 0]),
    Buffer.from([8, 8, 8, 8]), // primitive members, all Int32
    int32(9),
    int32(0),
    int32(0),
    int32(0),
    Buffer.from([0x0b]), // message end
  ]);
  return record.toString('base64');
}

/** A resource file as SolutionPackager's `--localize` writes one: the resx headers, its metadata, then one entry per label. */
export function writeResx(entries: ResxEntry[], metadata: { lcid: number; sourceFile: string; packageType: string }): string {
  const lines = ['<?xml version="1.0" encoding="utf-8"?>', '<root>'];
  const header = (name: string, value: string) =>
    lines.push(`  <resheader name="${name}">`, `    <value>${value}</value>`, '  </resheader>');
  header('resmimetype', 'text/microsoft-resx');
  header('version', '2.0');
  header(
    'reader',
    'System.Resources.ResXResourceReader, System.Windows.Forms, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089',
  );
  header(
    'writer',
    'System.Resources.ResXResourceWriter, System.Windows.Forms, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089',
  );
  const meta = (name: string, value: string) =>
    lines.push(`  <metadata name="${name}" xml:space="preserve">`, `    <value>${escapeText(value)}</value>`, '  </metadata>');
  meta('Source LCID', String(metadata.lcid));
  meta('Source file', metadata.sourceFile);
  meta('Source package type', metadata.packageType);
  // Binary values are written as .NET's resx writer does: base64 in lines of 80, each indented by 8 spaces.
  const wrapped = versionBlob()
    .match(/.{1,80}/g)!
    .map((line) => `        ${line}`);
  lines.push(
    '  <metadata name="SolutionPackager Version" mimetype="application/x-microsoft.net.object.binary.base64">',
    '    <value>',
    ...wrapped,
    '</value>',
    '  </metadata>',
  );
  for (const entry of entries) {
    lines.push(
      `  <data name="${escapeAttribute(entry.name)}" xml:space="preserve">`,
      entry.value ? `    <value>${escapeText(entry.value)}</value>` : '    <value />',
    );
    if (entry.comment) lines.push(`    <comment>${escapeText(entry.comment)}</comment>`);
    lines.push('  </data>');
  }
  lines.push('</root>');
  return lines.join('\r\n');
}

/** The `data` entries of a resource file (metadata and headers aside). */
export function readResx(bytes: Buffer, file: string): ResxEntry[] {
  const doc = XmlSlices.parse(bytes, file);
  if (!doc.is(doc.root, 'root'))
    throw new SolutionFileError('InvalidResource', `${file} is not a .resx file: its root element is <${doc.name(doc.root)}>.`);
  return doc
    .children(doc.root)
    .filter((e) => doc.is(e, 'data'))
    .map((e) => {
      const value = doc.child(e, 'value');
      // Line ends read as XML reads them: CRLF is one newline.
      const text = value === undefined ? '' : doc.rawText(value).replace(/\r\n?/g, '\n');
      return { name: doc.attr(e, 'name') ?? '', value: text, comment: doc.childText(e, 'comment') };
    });
}
