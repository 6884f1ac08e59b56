import type { EnhancedPortal } from './powerPages';
import { SANDBOX_TABLES } from './powerPagesSchema';
import type { StandardPortal } from './powerPagesStandard';

/** One record of a seeded site: its table (without adx_), columns by their adx_ names with Web API values, links and bytes. */
interface SeedRecord {
  table: string;
  id: string;
  columns: Record<string, unknown>;
  links?: Record<string, string[]>;
  file?: { name: string; mimetype: string; bytes: string; note: string };
}

/** The component type of each table in the enhanced model (the documented choices). */
const COMPONENT_TYPE: Record<string, number> = {
  publishingstate: 1,
  webpage: 2,
  webfile: 3,
  weblinkset: 4,
  weblink: 5,
  pagetemplate: 6,
  contentsnippet: 7,
  webtemplate: 8,
  sitesetting: 9,
  webpageaccesscontrolrule: 10,
  webrole: 11,
  websiteaccess: 12,
  sitemarker: 13,
  entityform: 15,
  entityformmetadata: 16,
  entitylist: 17,
  entitypermission: 18,
};

/**
 * A small site shaped like a new Power Pages site: publishing states, a language, roles, templates,
 * two pages with their content pages, a style sheet, snippets, settings, a site marker, access rules,
 * a navigation link set and a table permission. `n` makes the ids of one site differ from another's.
 */
function site(
  n: string,
  name: string,
  company: string,
  languageIsPortalLanguage: boolean,
): { website: SeedRecord; records: SeedRecord[]; portalLanguage: SeedRecord } {
  const id = (k: number) => `${n}-0000-4000-8000-${String(k).padStart(12, '0')}`;
  const ids = {
    site: id(1),
    language: id(2),
    portal: languageIsPortalLanguage ? id(2) : id(3),
    published: id(10),
    draft: id(11),
    anonymous: id(20),
    authenticated: id(21),
    admins: id(22),
    header: id(30),
    footer: id(31),
    layout: id(32),
    template: id(40),
    home: id(50),
    homeEn: id(51),
    orders: id(52),
    ordersEn: id(53),
    theme: id(60),
    themeNote: id(61),
  };
  const page = (pageId: string, pageName: string, url: string, extra: Record<string, unknown>) => ({
    table: 'webpage',
    id: pageId,
    columns: {
      adx_name: pageName,
      adx_partialurl: url,
      adx_pagetemplateid: ids.template,
      adx_publishingstateid: ids.published,
      adx_hiddenfromsitemap: false,
      adx_enablerating: false,
      adx_enabletracking: false,
      adx_excludefromsearch: false,
      adx_sharedpageconfiguration: false,
      adx_feedbackpolicy: 756150005,
      adx_title: pageName,
      ...extra,
    },
  });
  const portalLanguage: SeedRecord = {
    table: 'portallanguage',
    id: ids.portal,
    columns: { adx_name: 'English', adx_displayname: 'English', adx_languagecode: 'en-US', adx_lcid: 1033, adx_systemlanguage: 1033 },
  };
  const website: SeedRecord = {
    table: 'website',
    id: ids.site,
    columns: {
      adx_name: name,
      adx_defaultlanguage: ids.language,
      adx_headerwebtemplateid: ids.header,
      adx_footerwebtemplateid: ids.footer,
      adx_website_language: 1033,
    },
  };
  const records: SeedRecord[] = [
    {
      table: 'publishingstate',
      id: ids.published,
      columns: { adx_name: 'Published', adx_displayorder: 2, adx_isdefault: true, adx_isvisible: true },
    },
    {
      table: 'publishingstate',
      id: ids.draft,
      columns: { adx_name: 'Draft', adx_displayorder: 1, adx_isdefault: false, adx_isvisible: false },
    },
    {
      table: 'websitelanguage',
      id: ids.language,
      columns: { adx_name: 'English', adx_portallanguageid: ids.portal, adx_publishingstate: ids.published, adx_systemlanguage: 1033 },
    },
    {
      table: 'webrole',
      id: ids.anonymous,
      columns: { adx_name: 'Anonymous Users', adx_anonymoususersrole: true, adx_authenticatedusersrole: false },
    },
    {
      table: 'webrole',
      id: ids.authenticated,
      columns: { adx_name: 'Authenticated Users', adx_anonymoususersrole: false, adx_authenticatedusersrole: true },
    },
    {
      table: 'webrole',
      id: ids.admins,
      columns: { adx_name: 'Administrators', adx_anonymoususersrole: false, adx_authenticatedusersrole: false },
    },
    {
      table: 'webtemplate',
      id: ids.header,
      columns: {
        adx_name: 'Header',
        adx_source: `<header class="navbar">\n  <a href="/">{{ website.adx_name }}</a>\n  {% include 'Languages Dropdown' %}\n</header>\n`,
      },
    },
    {
      table: 'webtemplate',
      id: ids.footer,
      columns: { adx_name: 'Footer', adx_source: `<footer>{% editable snippets 'Footer' type: 'html' %}</footer>\n` },
    },
    {
      table: 'webtemplate',
      id: ids.layout,
      columns: {
        adx_name: 'Default studio template',
        adx_source: `{% extends 'Layout 1 Column' %}\n{% block main %}\n{{ page.adx_copy }}\n{% endblock %}\n`,
      },
    },
    {
      table: 'pagetemplate',
      id: ids.template,
      columns: {
        adx_name: 'Default studio template',
        adx_webtemplateid: ids.layout,
        adx_usewebsiteheaderandfooter: true,
        adx_isdefault: false,
        adx_entityname: 'adx_webpage',
        adx_type: 756150001,
      },
    },
    page(ids.home, 'Home', '/', {
      adx_isroot: true,
      adx_displayorder: 1,
      adx_copy: '',
      adx_summary: '',
      adx_customcss: '',
      adx_customjavascript: '',
    }),
    page(ids.homeEn, 'Home', '/', {
      adx_isroot: false,
      adx_displayorder: 1,
      adx_rootwebpageid: ids.home,
      adx_webpagelanguageid: ids.language,
      adx_copy: [
        `<div class="row sectionBlockLayout">`,
        `  <h1>Welcome to ${company}</h1>`,
        '  <p>Track your orders and talk to our team.</p>',
        '</div>',
        '',
      ].join('\n'),
      adx_summary: '<p>The landing page.</p>',
      adx_customcss: '.sectionBlockLayout { padding: 8px; }',
      adx_customjavascript: '',
    }),
    page(ids.orders, 'Orders', 'orders', {
      adx_isroot: true,
      adx_displayorder: 2,
      adx_parentpageid: ids.home,
      adx_copy: '',
      adx_summary: '',
      adx_customcss: '',
      adx_customjavascript: '',
    }),
    page(ids.ordersEn, 'Orders', 'orders', {
      adx_isroot: false,
      adx_displayorder: 2,
      adx_parentpageid: ids.home,
      adx_rootwebpageid: ids.orders,
      adx_webpagelanguageid: ids.language,
      adx_copy: "<h2>Your orders</h2>\n{% include 'Orders List' %}\n",
      adx_summary: '',
      adx_customcss: '',
      adx_customjavascript: 'console.log("orders");',
    }),
    {
      table: 'webfile',
      id: ids.theme,
      columns: {
        adx_name: 'theme.css',
        adx_partialurl: 'theme.css',
        adx_parentpageid: ids.home,
        adx_publishingstateid: ids.published,
        adx_hiddenfromsitemap: false,
        adx_enabletracking: false,
        adx_excludefromsearch: true,
        adx_displayorder: 2,
      },
      file: {
        name: 'theme.css',
        mimetype: 'text/css',
        bytes: `body { color: #333; font-family: "Segoe UI", sans-serif; }\n.navbar { background: #0b5394; }\n`,
        note: ids.themeNote,
      },
    },
    {
      table: 'contentsnippet',
      id: id(70),
      columns: {
        adx_name: 'Footer',
        adx_display_name: 'Footer',
        adx_type: 756150001,
        adx_contentsnippetlanguageid: ids.language,
        adx_value: `<p>© ${company}. All rights reserved.</p>`,
      },
    },
    {
      table: 'contentsnippet',
      id: id(71),
      columns: {
        adx_name: 'Site name',
        adx_display_name: 'Site name',
        adx_type: 756150000,
        adx_contentsnippetlanguageid: ids.language,
        adx_value: company,
      },
    },
    {
      table: 'sitesetting',
      id: id(80),
      columns: { adx_name: 'Search/Enabled', adx_value: 'true', adx_description: 'Turns site search on or off.' },
    },
    { table: 'sitesetting', id: id(81), columns: { adx_name: 'Authentication/Registration/Enabled', adx_value: 'False' } },
    {
      table: 'sitesetting',
      id: id(82),
      columns: { adx_name: 'Authentication/LoginThrottling/IpAddressTimeoutTimeSpan', adx_value: '00:10:00' },
    },
    { table: 'sitemarker', id: id(90), columns: { adx_name: 'Home', adx_pageid: ids.home } },
    {
      table: 'webpageaccesscontrolrule',
      id: id(100),
      columns: { adx_name: 'Grant Change to Administrators', adx_right: 1, adx_webpageid: ids.home },
      links: { adx_webpageaccesscontrolrule_webrole: [ids.admins] },
    },
    {
      table: 'websiteaccess',
      id: id(101),
      columns: {
        adx_name: 'Administrative permissions',
        adx_managecontentsnippets: true,
        adx_managesitemarkers: true,
        adx_manageweblinksets: true,
        adx_previewunpublishedentities: true,
      },
      links: { adx_websiteaccess_webrole: [ids.admins] },
    },
    {
      table: 'weblinkset',
      id: id(110),
      columns: {
        adx_name: 'Default',
        adx_display_name: 'Default',
        adx_publishingstateid: ids.published,
        adx_websitelanguageid: ids.language,
      },
    },
    {
      table: 'weblink',
      id: id(111),
      columns: {
        adx_name: 'Home',
        adx_weblinksetid: id(110),
        adx_pageid: ids.home,
        adx_displayorder: 1,
        adx_publishingstateid: ids.published,
        adx_openinnewwindow: false,
        adx_robotsfollowlink: true,
      },
    },
    {
      table: 'weblink',
      id: id(112),
      columns: {
        adx_name: 'Orders',
        adx_weblinksetid: id(110),
        adx_pageid: ids.orders,
        adx_displayorder: 2,
        adx_publishingstateid: ids.published,
        adx_openinnewwindow: false,
        adx_robotsfollowlink: true,
      },
    },
    {
      table: 'entitypermission',
      id: id(120),
      columns: {
        adx_entityname: 'Orders - read own',
        adx_entitylogicalname: 'salesorder',
        adx_scope: 756150001,
        adx_read: true,
        adx_write: false,
        adx_create: false,
        adx_delete: false,
        adx_append: false,
        adx_appendto: false,
        adx_contactrelationship: 'order_customer_contacts',
      },
      links: { adx_entitypermission_webrole: [ids.authenticated] },
    },
  ];
  return { website, records, portalLanguage };
}

/** Fabrikam Partners, on the standard data model: rows in the adx_ tables, the style sheet's bytes in a note, a binding to its host. */
export function seedStandardSite(portal: StandardPortal): void {
  const { website, records, portalLanguage } = site('7a7a0000', 'Fabrikam Partners', 'Fabrikam', false);
  const put = (record: SeedRecord) => {
    const table = SANDBOX_TABLES.get(`adx_${record.table}`)!;
    portal.tables.get(table.logicalName)!.set(record.id, {
      [table.primaryId]: record.id,
      statecode: 0,
      statuscode: 1,
      ...record.columns,
      ...(table.siteScoped ? { adx_websiteid: website.id } : {}),
    });
    for (const [relationship, related] of Object.entries(record.links ?? {}))
      for (const other of related) portal.links.get(relationship)!.add(`${record.id}|${other}`);
    if (record.file) {
      portal.notes.set(record.file.note, {
        annotationid: record.file.note,
        objectid: record.id,
        objecttypecode: 'adx_webfile',
        filename: record.file.name,
        mimetype: record.file.mimetype,
        isdocument: true,
        documentbody: Buffer.from(record.file.bytes).toString('base64'),
      });
    }
  };
  for (const record of [website, portalLanguage, ...records]) put(record);
  put({
    table: 'websitebinding',
    id: '7a7a0000-0000-4000-8000-000000000004',
    columns: { adx_name: 'Binding: fabrikam-partners.powerappsportals.com', adx_sitename: 'fabrikam-partners.powerappsportals.com' },
  });
}

/**
 * Contoso Portal, on the enhanced data model: a site row, its language, and components with JSON
 * content; the style sheet in the file column.
 */
export function seedEnhancedSite(portal: EnhancedPortal): void {
  const { website, records, portalLanguage } = site('5e5e0000', 'Contoso Portal', 'Contoso', true);
  const content = (columns: Record<string, unknown>, leaveOut: string[]) =>
    JSON.stringify(
      Object.fromEntries(
        Object.entries(columns)
          .filter(([k]) => !leaveOut.includes(k))
          .map(([k, v]) => [k.replace(/^adx_/, ''), v]),
      ),
    );
  portal.sites.set(website.id, {
    powerpagesiteid: website.id,
    name: website.columns.adx_name,
    content: content(website.columns, ['adx_name']),
    statecode: 0,
    statuscode: 1,
  });
  for (const record of records) {
    if (record.table === 'websitelanguage') {
      const language = JSON.parse(content(record.columns, ['adx_name'])) as Record<string, unknown>;
      language.portallanguage = { ...JSON.parse(content(portalLanguage.columns, [])), portallanguageid: portalLanguage.id };
      portal.languages.set(record.id, {
        powerpagesitelanguageid: record.id,
        name: 'English',
        languagecode: 'en-US',
        lcid: 1033,
        displayname: 'English',
        content: JSON.stringify(language),
        powerpagesiteid: website.id,
        statecode: 0,
        statuscode: 1,
      });
      continue;
    }
    const primaryName = record.table === 'entitypermission' ? 'adx_entityname' : 'adx_name';
    const links = Object.fromEntries(Object.entries(record.links ?? {}));
    const json = {
      ...JSON.parse(content(record.columns, [primaryName])),
      ...links,
      ...(record.file ? { filename: record.file.name, mimetype: record.file.mimetype } : {}),
    };
    portal.components.set(record.id, {
      powerpagecomponentid: record.id,
      name: record.columns[primaryName],
      powerpagecomponenttype: COMPONENT_TYPE[record.table],
      content: JSON.stringify(json),
      powerpagesiteid: website.id,
      statecode: 0,
      statuscode: 1,
    });
    if (record.file) portal.files.set(record.id, { name: record.file.name, bytes: Buffer.from(record.file.bytes) });
  }
}
