import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';

/** A value as pac writes it: a scalar's text, null (written `key: `), or a list (of values, or of records in its manifests). */
export type YamlValue = string | null | Array<string | YamlRecord>;
export interface YamlRecord {
  [key: string]: YamlValue;
}

/**
 * Reads a YAML file pac wrote: a mapping (one record) or a list of mappings. Every scalar stays text
 * (the YAML 1.2 failsafe schema), so `false` in a text column and `00:03:00` keep their spelling; the
 * caller gives them their column's type. An empty plain value is null, `''` is the empty string.
 */
export function parsePacYaml(text: string): YamlRecord | YamlRecord[] {
  const doc = parseDocument(text, { schema: 'failsafe', uniqueKeys: true });
  if (doc.errors.length) throw new Error(doc.errors[0]!.message.split('\n')[0]);
  const root = doc.contents;
  if (root === null) return {};
  if (isSeq(root)) return root.items.map((item, index) => record(item as Node, `item ${index + 1}`));
  return record(root, 'the file');
}

function record(node: Node, where: string): YamlRecord {
  if (!isMap(node)) throw new Error(`${where} is not a mapping of column names to values.`);
  const out: YamlRecord = {};
  for (const pair of node.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
    if (!key) throw new Error(`${where} has a key that is not a plain name.`);
    out[key] = value(pair.value as Node | null, `${where}, ${key}`);
  }
  return out;
}

function value(node: Node | null, where: string): YamlValue {
  if (node === null) return null;
  if (isScalar(node)) return node.type === 'PLAIN' && node.value === '' ? null : String(node.value);
  if (isSeq(node)) {
    return node.items.map((item, index) =>
      isMap(item) ? record(item, `${where}, item ${index + 1}`) : isScalar(item) ? String(item.value) : nested(where),
    );
  }
  return nested(where);
}

function nested(where: string): never {
  throw new Error(`${where} holds a nested structure pac never writes.`);
}

/**
 * Writes YAML the way pac does (YamlDotNet's emitter with its defaults): keys in the order given,
 * two-space indentation, lists at their key's indentation, no line folding, and for each text the
 * style the emitter picks: plain where that reads back the same, else single quotes, else double
 * quotes; text with line breaks as a folded block (`>-`) with each line break written as an empty
 * line, and `\r` as a line break of its own, as pac's emitter does.
 */
export function stringifyPacYaml(doc: YamlRecord | YamlRecord[]): string {
  if (Array.isArray(doc)) return doc.length ? doc.map((r) => mapping(r, 2, '- ')).join('') : '[]\n';
  return Object.keys(doc).length ? mapping(doc, 0, '') : '{}\n';
}

function mapping(record: YamlRecord, indent: number, firstLead: string): string {
  let out = '';
  for (const [index, [key, value]] of Object.entries(record).entries()) {
    out += `${index === 0 ? firstLead : ' '.repeat(indent)}${key}:`;
    if (!Array.isArray(value)) out += scalar(value, indent + 2);
    else if (!value.length) out += ' []\n';
    else out += `\n${value.map((item) => listItem(item, indent)).join('')}`;
  }
  return out;
}

/** One item of a list, at its key's indentation: a value, or a record (the manifest's entries). */
function listItem(item: string | YamlRecord, indent: number): string {
  const dash = `${' '.repeat(indent)}-`;
  return typeof item === 'string' ? `${dash}${scalar(item, indent + 2)}` : mapping(item, indent + 2, `${dash} `);
}

/** The text after `key:` (or `-`), from its leading space to the end of its last line. */
function scalar(value: string | null, indent: number): string {
  if (value === null) return ' \n';
  if (value === '') return " ''\n";
  const style = styleOf(value);
  if (style === 'plain') return ` ${value}\n`;
  if (style === 'single') return ` '${value.replace(/'/g, "''")}'\n`;
  if (style === 'double') return ` "${doubleQuoted(value)}"\n`;
  return folded(value, indent);
}

const BREAK = /[\r\n\u0085\u2028\u2029]/;
const isBreak = (c: string | undefined) => c !== undefined && BREAK.test(c);
const isBlank = (c: string | undefined) => c === ' ' || c === '\t';
const isPrintable = (c: string) => {
  const code = c.charCodeAt(0);
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0x7e) ||
    code === 0x85 ||
    (code >= 0xa0 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd)
  );
};

/** The scalar analysis of YamlDotNet's emitter (after libyaml), for a value in block context. */
function styleOf(value: string): 'plain' | 'single' | 'double' | 'folded' {
  let indicators = value.startsWith('---') || value.startsWith('...');
  let leadingSpace = false;
  let trailingSpace = false;
  let leadingBreak = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let special = false;
  let lineBreaks = false;
  let linesOfSpaces = false;
  let previousSpace = false;
  let previousBreak = false;
  let lineOfSpaces = false;
  let precededByWhitespace = true;
  // Code units, as .NET strings are: half of a surrogate pair is not printable, as YamlDotNet sees it.
  const chars = value.split('');
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const next = chars[i + 1];
    const followedByWhitespace = next === undefined || next === ' ' || next === '\t' || isBreak(next);
    if (i === 0) {
      if ('#,[]{}&*!|>\'"%@`'.includes(c)) indicators = true;
      if ((c === '?' || c === ':') && followedByWhitespace) indicators = true;
      if (c === '-' && followedByWhitespace) indicators = true;
    } else {
      if (c === ':' && followedByWhitespace) indicators = true;
      if (c === '#' && precededByWhitespace) indicators = true;
    }
    if (!isPrintable(c) || c === '\ufeff') special = true;
    if (isBreak(c)) lineBreaks = true;
    if (c === ' ') {
      if (i === 0) leadingSpace = true;
      if (i === chars.length - 1) trailingSpace = true;
      if (previousBreak) {
        breakSpace = true;
        lineOfSpaces = true;
      }
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      if (i === 0) leadingBreak = true;
      if (i === chars.length - 1) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      if (lineOfSpaces) linesOfSpaces = true;
      previousSpace = false;
      previousBreak = true;
    } else {
      previousSpace = false;
      previousBreak = false;
      lineOfSpaces = false;
    }
    precededByWhitespace = c === ' ' || c === '\t' || isBreak(c);
  }
  let plain = !(leadingSpace || leadingBreak || trailingSpace || trailingBreak || lineBreaks || indicators);
  let single = true;
  let block = !trailingSpace && !linesOfSpaces;
  if (breakSpace) plain = single = false;
  if (spaceBreak || special) plain = single = block = false;
  if (lineBreaks) return block ? 'folded' : 'double';
  if (plain) return 'plain';
  return single ? 'single' : 'double';
}

const ESCAPES: Record<string, string> = {
  '\0': '0',
  '\x07': 'a',
  '\b': 'b',
  '\t': 't',
  '\n': 'n',
  '\v': 'v',
  '\f': 'f',
  '\r': 'r',
  '\x1b': 'e',
  '"': '"',
  '\\': '\\',
  '\u0085': 'N',
  '\u00a0': '_',
  '\u2028': 'L',
  '\u2029': 'P',
};

function doubleQuoted(value: string): string {
  let out = '';
  for (const c of value) {
    const code = c.codePointAt(0)!;
    if (ESCAPES[c] !== undefined && (c === '"' || c === '\\' || !isPrintable(c) || isBreak(c) || c === '\u00a0')) out += `\\${ESCAPES[c]}`;
    else if (code > 0xffff) out += `\\U${code.toString(16).toUpperCase().padStart(8, '0')}`;
    else if (!isPrintable(c) || c === '\ufeff')
      out +=
        code <= 0xff ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}` : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += c;
  }
  return out;
}

/** A folded block: `>` with YamlDotNet's indentation and chomping hints, its lines indented by `indent`. */
function folded(value: string, indent: number): string {
  let header = ' >';
  if (value[0] === ' ' || isBreak(value[0])) header += '2';
  if (!isBreak(value[value.length - 1])) header += '-';
  else if (value.length >= 2 && isBreak(value[value.length - 2])) header += '+';
  let out = `${header}\n`;
  let previousBreak = true;
  let leadingSpaces = true;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (isBreak(c)) {
      if (!previousBreak && !leadingSpaces && c === '\n') {
        let k = i;
        while (k < value.length && isBreak(value[k])) k++;
        if (k < value.length && !isBlank(value[k])) out += '\n';
      }
      out += '\n';
      previousBreak = true;
    } else {
      if (previousBreak) {
        out += ' '.repeat(indent);
        leadingSpaces = isBlank(c);
      }
      out += c;
      previousBreak = false;
    }
  }
  return previousBreak ? out : `${out}\n`;
}
