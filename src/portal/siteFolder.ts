import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { listFiles } from '../solutions/folderFiles';
import { fileNameOf } from '../solutions/components';

/** A site component as the enhanced data model keeps it (powerpagecomponent, §12). */
export interface SiteComponent {
  id: string;
  name: string;
  /** The powerpagecomponenttype (enhanced model), or the table (standard model: adx_webpage, …). */
  type: number | string;
  /** The parsed `content` JSON (enhanced), or the row's own columns (standard). */
  content: Record<string, unknown>;
  /** Web files: their bytes and file name; `ref` is the note that holds them in the standard model. */
  file?: { name: string; bytes: Buffer; ref?: string };
}

/**
 * How each component type is laid out: a folder, and for types with one long text (a page's HTML,
 * a template's Liquid) that text in its own file beside the JSON, so diffs read like the source.
 */
const LAYOUT: Record<string, { folder: string; text?: string; extension?: string }> = {
  2: { folder: 'web-pages', text: 'copy', extension: '.html' },
  3: { folder: 'web-files' },
  6: { folder: 'page-templates' },
  7: { folder: 'content-snippets', text: 'value', extension: '.html' },
  8: { folder: 'web-templates', text: 'source', extension: '.liquid' },
  9: { folder: 'site-settings' },
  11: { folder: 'web-roles' },
  18: { folder: 'table-permissions' },
  adx_webpage: { folder: 'web-pages', text: 'adx_copy', extension: '.html' },
  adx_webfile: { folder: 'web-files' },
  adx_contentsnippet: { folder: 'content-snippets', text: 'adx_value', extension: '.html' },
  adx_webtemplate: { folder: 'web-templates', text: 'adx_source', extension: '.liquid' },
  adx_sitesetting: { folder: 'site-settings' },
};

const layoutOf = (type: number | string) => LAYOUT[String(type)] ?? { folder: typeof type === 'number' ? `components-${type}` : type.replace(/^adx_/, '') };

/** Writes a site into `folder`: site.json, then one JSON file per component (and its text or bytes beside it). Returns the files written. */
export async function writeSiteFolder(folder: string, site: { id: string; name: string; dataModel: 'enhanced' | 'standard' }, components: SiteComponent[]): Promise<string[]> {
  const written: string[] = [];
  const put = async (relative: string, data: string | Buffer) => {
    const path = join(folder, ...relative.split('/'));
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
    written.push(relative);
  };
  await put('site.json', `${JSON.stringify({ id: site.id, name: site.name, dataModel: site.dataModel }, null, 2)}\n`);
  const taken = new Set<string>();
  for (const component of [...components].sort((a, b) => String(a.type).localeCompare(String(b.type)) || a.name.localeCompare(b.name))) {
    const layout = layoutOf(component.type);
    let base = `${layout.folder}/${fileNameOf(component.file?.name ?? component.name)}`;
    if (taken.has(base.toLowerCase())) base = `${base}-${component.id.slice(0, 8)}`;
    taken.add(base.toLowerCase());
    const content = { ...component.content };
    const text = layout.text && typeof content[layout.text] === 'string' ? (content[layout.text] as string) : undefined;
    if (text !== undefined) delete content[layout.text!];
    const file = component.file ? { fileName: component.file.name, ...(component.file.ref ? { fileRef: component.file.ref } : {}) } : {};
    await put(`${base}.json`, `${JSON.stringify({ id: component.id, name: component.name, type: component.type, ...file, content }, null, 2)}\n`);
    if (text !== undefined) await put(`${base}${layout.extension}`, text);
    if (component.file) await put(base, component.file.bytes);
  }
  return written;
}

/** Reads a site folder back; components without an id (added by hand) get one, written into their JSON. */
export async function readSiteFolder(folder: string): Promise<{ site: { id: string; name: string; dataModel?: string }; components: SiteComponent[] }> {
  const siteFile = join(folder, 'site.json');
  if (!existsSync(siteFile)) throw new Error(`${folder} has no site.json; download the site with pp_download_portal first.`);
  const site = JSON.parse(await readFile(siteFile, 'utf8')) as { id: string; name: string; dataModel?: string };
  const components: SiteComponent[] = [];
  for (const relative of (await listFiles(folder, { skipDotFolders: true })).filter((f) => f.endsWith('.json') && f !== 'site.json')) {
    const path = join(folder, ...relative.split('/'));
    let meta: { id?: string; name?: string; type?: number | string; fileName?: string; fileRef?: string; content?: Record<string, unknown> };
    try {
      meta = JSON.parse(await readFile(path, 'utf8'));
    } catch (error) {
      throw new Error(`${relative} is not valid JSON (${(error as Error).message}).`);
    }
    if (typeof meta.name !== 'string' || !(Number.isInteger(meta.type) || typeof meta.type === 'string')) continue; // not a component file
    if (!meta.id) {
      meta.id = randomUUID();
      await writeFile(path, `${JSON.stringify(meta, null, 2)}\n`);
    }
    const layout = layoutOf(meta.type!);
    const base = relative.slice(0, -'.json'.length);
    const content = { ...(meta.content ?? {}) };
    const textFile = layout.extension ? join(folder, ...`${base}${layout.extension}`.split('/')) : undefined;
    if (layout.text && textFile && existsSync(textFile)) content[layout.text] = await readFile(textFile, 'utf8');
    const bytesFile = join(folder, ...base.split('/'));
    const file = meta.fileName && existsSync(bytesFile) ? { name: meta.fileName, bytes: await readFile(bytesFile), ref: meta.fileRef } : undefined;
    components.push({ id: meta.id.toLowerCase(), name: meta.name, type: meta.type!, content, file });
  }
  return { site, components };
}
