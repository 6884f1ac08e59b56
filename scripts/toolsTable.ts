import type { ToolAnnotations } from '../src/tools/types';

/** What the README's tools table shows of a tool; catalog entries and manifest entries both have it. */
export interface TableTool {
  name: string;
  title: string;
  description: string;
  toolset: string;
  annotations: ToolAnnotations;
}

export const TABLE_START = '<!-- tools-table:start (made from the catalog by `npm run docs:tools`; do not edit by hand) -->';
export const TABLE_END = '<!-- tools-table:end -->';

const LONGEST_LINE = 160;

/**
 * The first sentence of a description; when it runs long, the part before its first colon, without
 * parentheses, or before its first semicolon.
 */
export function oneLine(description: string): string {
  const flat = description.replace(/\s+/g, ' ').trim();
  const end = flat.search(/(?<!\b(?:e\.g|i\.e|etc))[.!?](?= [A-Za-z`(]|$)/);
  let line = end === -1 ? flat : flat.slice(0, end + 1);
  if (line.length > LONGEST_LINE) {
    const colon = line.indexOf(': ');
    if (colon >= 30) line = `${line.slice(0, colon)}.`;
  }
  if (line.length > LONGEST_LINE) line = line.replace(/ \([^()]*\)/g, '');
  if (line.length > LONGEST_LINE && line.includes('; ')) line = `${line.slice(0, line.indexOf('; '))}.`;
  return line;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/</g, '&lt;');
}

/** The markdown table, one row per tool in catalog order. */
export function toolsTable(tools: readonly TableTool[]): string {
  const rows = tools.map(
    (tool) =>
      `| \`${tool.name}\` | ${cell(tool.title)} | ${cell(oneLine(tool.description))} | ${tool.annotations.readOnlyHint ? 'yes' : 'no'} | ${tool.toolset} |`,
  );
  return ['| Tool | Title | What it does | Read-only | Toolset |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The README with the text between the markers replaced by the table; throws when a marker is missing. */
export function withToolsTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start === -1 || end === -1 || end < start) throw new Error(`README.md needs the markers ${TABLE_START} and ${TABLE_END}`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${table}\n${readme.slice(end)}`;
}
