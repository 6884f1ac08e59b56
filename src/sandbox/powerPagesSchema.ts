/**
 * The sandbox's own definition of the standard data model's tables (the adx_ portal schema): columns
 * and their types, lookups and many-to-many relationships. The enhanced model's mspp_ views get the
 * same columns under the mspp_ prefix. Written for the sandbox; the product reads it only through
 * EntityDefinitions, as it would read a real environment's.
 */
export interface SandboxColumn {
  name: string;
  type: string;
  target?: string;
}

export interface SandboxTable {
  logicalName: string;
  entitySet: string;
  primaryId: string;
  primaryName: string;
  /** Rows belong to a website (adx_websiteid, required on create). */
  siteScoped: boolean;
  columns: SandboxColumn[];
}

export interface SandboxRelationship {
  name: string;
  from: string;
  to: string;
}

// Column lists: name:type, where S text, M long text, B yes/no, I whole number, P choice, D date and
// time, X multi-select choice, >table a lookup.
const SITE = 'site';
const DEFINITIONS: Record<string, [scope: string, primaryName: string, columns: string]> = {
  website: [
    '',
    'name',
    `
    name:S defaultbotconsumerid:>botconsumer defaultlanguage:>websitelanguage footerwebtemplateid:>webtemplate
    headerwebtemplateid:>webtemplate website_language:I
    `,
  ],
  portallanguage: ['', 'name', 'name:S displayname:S languagecode:S lcid:I systemlanguage:I'],
  websitelanguage: [SITE, 'name', 'name:S portallanguageid:>portallanguage publishingstate:>publishingstate systemlanguage:I'],
  websitebinding: [SITE, 'name', 'name:S sitename:S'],
  publishingstate: [SITE, 'name', 'name:S displayorder:I isdefault:B isvisible:B'],
  webrole: [SITE, 'name', 'name:S anonymoususersrole:B authenticatedusersrole:B description:M'],
  webtemplate: [SITE, 'name', 'name:S source:M mimetype:S'],
  pagetemplate: [
    SITE,
    'name',
    `
    name:S description:M entityname:S isdefault:B rewriteurl:S type:P usewebsiteheaderandfooter:B
    webtemplateid:>webtemplate
    `,
  ],
  webpage: [
    SITE,
    'name',
    `
    name:S copy:M summary:M customcss:M customjavascript:M displayorder:I enablerating:B enabletracking:B
    entitylist:>entitylist entityform:>entityform excludefromsearch:B feedbackpolicy:P hiddenfromsitemap:B
    isroot:B masterwebpageid:>webpage pagetemplateid:>pagetemplate parentpageid:>webpage partialurl:S
    publishingstateid:>publishingstate rootwebpageid:>webpage sharedpageconfiguration:B title:S
    webpagelanguageid:>websitelanguage webform:>webform meta_description:S displaydate:D releasedate:D
    expirationdate:D
    `,
  ],
  webfile: [
    SITE,
    'name',
    `
    name:S contentdisposition:P displayorder:I enabletracking:B excludefromsearch:B hiddenfromsitemap:B
    parentpageid:>webpage partialurl:S publishingstateid:>publishingstate title:S summary:M
    `,
  ],
  contentsnippet: [SITE, 'name', 'name:S value:M contentsnippetlanguageid:>websitelanguage display_name:S filecontent:S type:P'],
  weblinkset: [SITE, 'name', 'name:S copy:M display_name:S publishingstateid:>publishingstate websitelanguageid:>websitelanguage title:S'],
  weblink: [
    'weblinkset',
    'name',
    `
    name:S description:M disablepagevalidation:B displayimageonly:B displayorder:I displaypagechildlinks:B
    externalurl:S openinnewwindow:B pageid:>webpage parentweblinkid:>weblink publishingstateid:>publishingstate
    robotsfollowlink:B weblinksetid:>weblinkset
    `,
  ],
  sitesetting: [SITE, 'name', 'name:S description:M value:M source:P'],
  sitemarker: [SITE, 'name', 'name:S pageid:>webpage'],
  webpageaccesscontrolrule: [SITE, 'name', 'name:S description:M right:I scope:I webpageid:>webpage'],
  websiteaccess: [
    SITE,
    'name',
    `
    name:S managecontentsnippets:B managesitemarkers:B manageweblinksets:B managewebfiles:B
    previewunpublishedentities:B
    `,
  ],
  entitylist: [
    SITE,
    'name',
    `
    name:S registerstartupscript:M calendar_enabled:B calendar_initialview:P calendar_style:P
    calendar_timezonemode:P createbuttonlabel:S emptylisttext:M entityname:S entitypermissionsenabled:B
    filter_applybuttonlabel:S filter_definition:M filter_enabled:B filter_orientation:P
    idquerystringparametername:S map_distanceunits:P map_distancevalues:S map_enabled:B map_infoboxoffsetx:I
    map_infoboxoffsety:I map_pushpinheight:I map_pushpinwidth:I map_resturl:S map_type:P map_zoom:I
    odata_enabled:B pagesize:I searchenabled:B searchplaceholdertext:S settings:M view:S views:M
    webpageforcreate:>webpage webpagefordetailsview:>webpage
    `,
  ],
  entityform: [
    SITE,
    'name',
    `
    name:S registerstartupscript:M appendquerystring:B associatecurrentportaluser:B attachfile:B
    attachfileaccept:S attachfileallowmultiple:B attachfilelabel:M attachfilerequired:B attachfilerestrictaccept:B
    attachfilesaveoption:P attachfilestoragelocation:P autogeneratesteps:B captcharequired:B entityname:S
    entitypermissionsenabled:B entitysourcetype:P forceallfieldsrequired:B formname:S geolocation_displaymap:B
    geolocation_enabled:B geolocation_maptype:P hideformonsuccess:B mode:P onsuccess:P
    populatereferenceentitylookupfield:B portaluserlookupattributeisactivityparty:B recommendedfieldsrequired:B
    recordidquerystringparametername:S recordsourceallowcreateonnull:B redirecturlappendentityidquerystring:B
    redirectwebpage:>webpage referenceentityshowreadonlyform:B referencequerystringisprimarykey:B
    renderwebresourcesinline:B setentityreference:B settings:M showcaptchaforauthenticatedusers:B
    showownerfields:B showunsupportedfields:B successmessage:M tabname:S tooltipenabled:B
    validationsummarylinksenabled:B
    `,
  ],
  entityformmetadata: [
    'entityform',
    'name',
    `
    name:S adddescription:B attributelogicalname:S controlstyle:P descriptionposition:P entityform:>entityform
    fieldisrequired:B ignoredefaultvalue:B onsavetype:P randomizeoptionsetvalues:B setvalueonsave:B type:P
    useattributedescriptionproperty:B
    `,
  ],
  webform: [
    SITE,
    'name',
    `
    name:S startstep:>webformstep authenticationrequired:B editexistingrecordpermitted:B
    multiplerecordsperuserpermitted:B startnewsessiononload:B progressindicatorenabled:B
    `,
  ],
  webformstep: [
    'webform',
    'name',
    `
    name:S registerstartupscript:M webform:>webform nextstep:>webformstep type:P targetentitylogicalname:S
    formname:S mode:P
    `,
  ],
  webformmetadata: ['webformstep', 'name', 'name:S webformstep:>webformstep attributelogicalname:S type:P'],
  entitypermission: [
    SITE,
    'entityname',
    `
    entityname:S name:S append:B appendto:B contactrelationship:S create:B delete:B entitylogicalname:S
    parententitypermission:>entitypermission parentrelationship:S read:B scope:P write:B
    `,
  ],
  columnpermissionprofile: [SITE, 'name', 'name:S allcolumnpermissions:X profilename:S tablename:S'],
  columnpermission: [
    'columnpermissionprofile',
    'name',
    `
    name:S columnname:S columnpermissionprofileid:>columnpermissionprofile permissions:X
    `,
  ],
  poll: [SITE, 'name', 'name:S active:B expirationdate:D question:M submitbuttonlabel:S webtemplateid:>webtemplate'],
  polloption: ['poll', 'name', 'name:S answer:S displayorder:I pollid:>poll votes:I'],
  pollplacement: [SITE, 'name', 'name:S webtemplateid:>webtemplate'],
  ad: [SITE, 'name', 'name:S openinnewwindow:B publishingstateid:>publishingstate url:S copy:M title:S'],
  adplacement: [SITE, 'name', 'name:S webtemplateid:>webtemplate'],
  tag: [SITE, 'name', 'name:S'],
  urlhistory: [SITE, 'name', 'name:S changeddate:D webpageid:>webpage'],
  redirect: [SITE, 'name', 'name:S inboundurl:S redirecturl:S webpageid:>webpage'],
  shortcut: [SITE, 'name', 'name:S externalurl:S webpageid:>webpage parentpage_webpageid:>webpage'],
  botconsumer: [SITE, 'name', 'name:S botschemaname:S configjson:M'],
  cloudflowconsumer: [SITE, 'name', 'name:S flowapiurl:S flowtriggerurl:S metadata:M processid:S'],
};

const TYPES: Record<string, string> = {
  S: 'String',
  M: 'Memo',
  B: 'Boolean',
  I: 'Integer',
  P: 'Picklist',
  D: 'DateTime',
  X: 'MultiSelectPicklist',
};
const ENTITY_SETS: Record<string, string> = { adx_urlhistory: 'adx_urlhistories' };

export const SANDBOX_TABLES: Map<string, SandboxTable> = new Map(
  Object.entries(DEFINITIONS).map(([short, [scope, primaryName, columns]]) => {
    const logicalName = `adx_${short}`;
    const parsed: SandboxColumn[] = columns
      .trim()
      .split(/\s+/)
      .map((spec) => {
        const [name, type] = spec.split(':') as [string, string];
        return type.startsWith('>')
          ? { name: `adx_${name}`, type: 'Lookup', target: `adx_${type.slice(1)}` }
          : { name: `adx_${name}`, type: TYPES[type]! };
      });
    const own: SandboxColumn[] = [
      { name: `${logicalName}id`, type: 'Uniqueidentifier' },
      { name: 'statecode', type: 'State' },
      { name: 'statuscode', type: 'Status' },
      { name: 'timezoneruleversionnumber', type: 'Integer' },
      { name: 'importsequencenumber', type: 'Integer' },
      ...(scope === SITE ? [{ name: 'adx_websiteid', type: 'Lookup', target: 'adx_website' }] : []),
    ];
    const table: SandboxTable = {
      logicalName,
      entitySet: ENTITY_SETS[logicalName] ?? `${logicalName}s`,
      primaryId: `${logicalName}id`,
      primaryName: `adx_${primaryName}`,
      siteScoped: scope === SITE,
      columns: [...own, ...parsed],
    };
    return [logicalName, table];
  }),
);

export const SANDBOX_RELATIONSHIPS: SandboxRelationship[] = [
  { name: 'adx_webpageaccesscontrolrule_webrole', from: 'adx_webpageaccesscontrolrule', to: 'adx_webrole' },
  { name: 'adx_websiteaccess_webrole', from: 'adx_websiteaccess', to: 'adx_webrole' },
  { name: 'adx_entitypermission_webrole', from: 'adx_entitypermission', to: 'adx_webrole' },
  { name: 'adx_columnpermissionprofile_webrole', from: 'adx_columnpermissionprofile', to: 'adx_webrole' },
  { name: 'adx_adplacement_ad', from: 'adx_adplacement', to: 'adx_ad' },
  { name: 'adx_pollplacement_poll', from: 'adx_pollplacement', to: 'adx_poll' },
  { name: 'adx_CloudFlowConsumer_adx_webrole', from: 'adx_cloudflowconsumer', to: 'adx_webrole' },
];

/** Notes: the web files' bytes in the standard model. */
export const ANNOTATION_COLUMNS: SandboxColumn[] = [
  { name: 'annotationid', type: 'Uniqueidentifier' },
  { name: 'subject', type: 'String' },
  { name: 'notetext', type: 'Memo' },
  { name: 'filename', type: 'String' },
  { name: 'mimetype', type: 'String' },
  { name: 'isdocument', type: 'Boolean' },
  { name: 'documentbody', type: 'Memo' },
  { name: 'objecttypecode', type: 'EntityName' },
  { name: 'objectid', type: 'Lookup', target: 'adx_webfile' },
];

export const tableBySet = (set: string): SandboxTable | undefined =>
  [...SANDBOX_TABLES.values()].find((t) => t.entitySet === set.toLowerCase());
