/**
 * The tables of a Power Pages site that pac downloads, and where each goes in its two layouts: the
 * aggregate one (`pac pages download`) and the code-site one (`.powerpages-site/`).
 */
export interface SiteTable {
  /** Logical name in the standard data model (adx_webpage); the key prefix in the aggregate layout. */
  name: string;
  /** powerpagecomponenttype in the enhanced data model; absent when the table has no component type. */
  componentType?: number;
  /** The primary name column (the manifest's DisplayName; the component's `name` in the enhanced model). */
  primaryName: string;
  /** The column whose value names the record's files and folder, when not the primary name. */
  fileName?: string;
  /** Where the rows belong: the site (adx_websiteid), a parent record, or the environment (languages). */
  scope: 'site' | { parent: string; column: string } | 'environment';
  /** Long text columns kept in files of their own beside the YAML: column → file suffix. */
  texts?: Record<string, string>;
  /** Many-to-many relationships kept in the YAML as lists of ids: key (relationship name) → related table. */
  manyToMany?: Record<string, string>;
  /** The lookup naming the record's website language, when records come in one per language. */
  language?: string;
  aggregate: AggregatePlace;
  code: CodePlace;
}

/**
 * In the aggregate layout: one list file for the whole table (`sitesetting.yml`), a folder of its own
 * per record (web-pages/home/), one file per record in a shared folder (page-templates/), or a list
 * inside the parent's folder (weblink-sets/default/Default.en-US.weblinkset.weblink.yml).
 */
export type AggregatePlace =
  | { kind: 'website' }
  | { kind: 'list'; file: string }
  | { kind: 'folders'; folder: string; suffix: string }
  | { kind: 'files'; folder: string; suffix: string }
  | { kind: 'children'; suffix: string }
  | { kind: 'steps'; folder: string; suffix: string }
  | { kind: 'none' };

/** In the code-site layout: one file per record in a folder (site-settings/), or beside the parent. */
export type CodePlace =
  | { kind: 'website' }
  | { kind: 'files'; folder: string; suffix: string }
  | { kind: 'folders'; folder: string; suffix: string }
  | { kind: 'children'; suffix: string }
  | { kind: 'steps'; folder: string; suffix: string }
  | { kind: 'none' };

const PAGE_TEXTS = {
  adx_copy: 'copy.html',
  adx_summary: 'summary.html',
  adx_customcss: 'custom_css.css',
  adx_customjavascript: 'custom_javascript.js',
};
const SCRIPT = { adx_registerstartupscript: 'custom_javascript.js' };

type Extra = Partial<SiteTable>;

/** A table of the site's records, its name without the adx_ prefix; most are named by adx_name. */
const table = (name: string, componentType: number | undefined, aggregate: AggregatePlace, code: CodePlace, extra: Extra): SiteTable => ({
  name: `adx_${name}`,
  componentType,
  primaryName: 'adx_name',
  scope: 'site',
  aggregate,
  code,
  ...extra,
});

const list = (name: string, type: number | undefined, file: string, codeFolder: string, extra: Extra = {}) =>
  table(name, type, { kind: 'list', file: `${file}.yml` }, { kind: 'files', folder: codeFolder, suffix: file }, extra);

const files = (name: string, type: number | undefined, folder: string, suffix: string, extra: Extra = {}) =>
  table(name, type, { kind: 'files', folder, suffix }, { kind: 'files', folder, suffix }, extra);

const folders = (name: string, type: number | undefined, folder: string, suffix: string, extra: Extra = {}) =>
  table(name, type, { kind: 'folders', folder, suffix }, { kind: 'folders', folder, suffix }, extra);

const children = (name: string, type: number | undefined, parent: string, column: string, suffix: string, extra: Extra = {}) =>
  table(name, type, { kind: 'children', suffix }, { kind: 'children', suffix }, { scope: { parent: `adx_${parent}`, column }, ...extra });

/** In creation order: a record's lookups mostly point at tables earlier in the list. */
export const SITE_TABLES: SiteTable[] = [
  { name: 'adx_website', primaryName: 'adx_name', scope: 'environment', aggregate: { kind: 'website' }, code: { kind: 'website' } },
  { name: 'adx_portallanguage', primaryName: 'adx_name', scope: 'environment', aggregate: { kind: 'none' }, code: { kind: 'none' } },
  list('publishingstate', 1, 'publishingstate', 'publishing-states'),
  list('websitelanguage', undefined, 'websitelanguage', 'site-languages'),
  { name: 'adx_websitebinding', primaryName: 'adx_name', scope: 'site', aggregate: { kind: 'none' }, code: { kind: 'none' } },
  list('webrole', 11, 'webrole', 'web-roles'),
  folders('webtemplate', 8, 'web-templates', 'webtemplate', { texts: { adx_source: 'source.html' } }),
  files('pagetemplate', 6, 'page-templates', 'pagetemplate'),
  folders('webpage', 2, 'web-pages', 'webpage', { texts: PAGE_TEXTS, language: 'adx_webpagelanguageid' }),
  files('webfile', 3, 'web-files', 'webfile'),
  folders('contentsnippet', 7, 'content-snippets', 'contentsnippet', {
    texts: { adx_value: 'value.html' },
    language: 'adx_contentsnippetlanguageid',
  }),
  folders('weblinkset', 4, 'weblink-sets', 'weblinkset', { language: 'adx_websitelanguageid' }),
  children('weblink', 5, 'weblinkset', 'adx_weblinksetid', 'weblink'),
  list('sitesetting', 9, 'sitesetting', 'site-settings'),
  list('sitemarker', 13, 'sitemarker', 'sitemarkers'),
  list('webpageaccesscontrolrule', 10, 'webpagerule', 'webpage-rules', {
    manyToMany: { adx_webpageaccesscontrolrule_webrole: 'adx_webrole' },
  }),
  list('websiteaccess', 12, 'websiteaccess', 'website-accesss', { manyToMany: { adx_websiteaccess_webrole: 'adx_webrole' } }),
  files('entitylist', 17, 'lists', 'list', { texts: SCRIPT }),
  folders('entityform', 15, 'basic-forms', 'basicform', { texts: SCRIPT }),
  children('entityformmetadata', 16, 'entityform', 'adx_entityform', 'basicformmetadata'),
  folders('webform', 19, 'advanced-forms', 'advancedform'),
  {
    name: 'adx_webformstep',
    componentType: 20,
    primaryName: 'adx_name',
    scope: { parent: 'adx_webform', column: 'adx_webform' },
    texts: SCRIPT,
    aggregate: { kind: 'steps', folder: 'advanced-form-steps', suffix: 'advancedformstep' },
    code: { kind: 'steps', folder: 'advanced-form-steps', suffix: 'advancedformstep' },
  },
  children('webformmetadata', 21, 'webformstep', 'adx_webformstep', 'advancedformmetadata'),
  files('entitypermission', 18, 'table-permissions', 'tablepermission', {
    primaryName: 'adx_entityname',
    manyToMany: { adx_entitypermission_webrole: 'adx_webrole' },
  }),
  folders('columnpermissionprofile', 28, 'column-permission-profiles', 'columnpermissionprofile', {
    fileName: 'adx_profilename',
    manyToMany: { adx_columnpermissionprofile_webrole: 'adx_webrole' },
  }),
  children('columnpermission', 29, 'columnpermissionprofile', 'adx_columnpermissionprofileid', 'columnpermission'),
  folders('poll', undefined, 'polls', 'poll'),
  children('polloption', undefined, 'poll', 'adx_pollid', 'polloption'),
  files('pollplacement', 24, 'poll-placements', 'pollplacement', { manyToMany: { adx_pollplacement_poll: 'adx_poll' } }),
  list('ad', undefined, 'ad', 'ads'),
  list('adplacement', 26, 'adplacement', 'ad-placements', { manyToMany: { adx_adplacement_ad: 'adx_ad' } }),
  list('tag', undefined, 'tag', 'tags'),
  list('urlhistory', undefined, 'urlhistory', 'url-histories'),
  list('redirect', 30, 'redirect', 'redirects'),
  list('shortcut', 32, 'shortcut', 'shortcuts'),
  list('botconsumer', 27, 'botconsumer', 'bot-consumers'),
  files('cloudflowconsumer', 33, 'cloud-flow-consumer', 'cloudflowconsumer', {
    manyToMany: { adx_CloudFlowConsumer_adx_webrole: 'adx_webrole' },
  }),
  // Code sites keep their source tree's files as records; the component type is our reading, not documented.
  { ...files('sourcefile', 36, 'source-files', 'sourcefile'), aggregate: { kind: 'list', file: 'sourcefile.yml' } },
];

export const TABLES = new Map(SITE_TABLES.map((t) => [t.name, t]));

export function siteTable(name: string): SiteTable {
  const table = TABLES.get(name);
  if (!table) throw new Error(`${name} is not a table of a Power Pages site.`);
  return table;
}

/** The primary key column: adx_webpage → adx_webpageid. */
export const idColumn = (table: string) => `${table}id`;

/** The columns of a web file's note that pac writes into the web file's YAML (its bytes go to a file of their own). */
export const NOTE_COLUMNS = ['annotationid', 'filename', 'isdocument', 'mimetype', 'objectid', 'objecttypecode', 'subject', 'notetext'];

/** Keys of a record that hold the state rather than a column of its own content. */
export const STATE_COLUMNS = ['statecode', 'statuscode'];

/** Keys records carry under their own names, without the adx_ prefix in every layout. */
export const OWN_NAMES = new Set([
  ...NOTE_COLUMNS,
  ...STATE_COLUMNS,
  'timezoneruleversionnumber',
  'importsequencenumber',
  'overriddencreatedon',
]);

/**
 * A column's key where the adx_ prefix is dropped (code sites, enhanced-model JSON content):
 * many-to-many relationships keep their full name.
 */
export function unprefixed(table: SiteTable, column: string): string {
  return table.manyToMany?.[column] ? column : column.replace(/^adx_/, '');
}

/** Back from an unprefixed key to the column. */
export function prefixed(key: string): string {
  return key.startsWith('adx_') || OWN_NAMES.has(key) ? key : `adx_${key}`;
}
