// The one row of a Dataverse org's organization table: the columns our tools read or change, and common settings around them.

/** A column value; its JSON type is also the column's type in the sandbox's metadata (orgSettings.ts). */
export type OrganizationValue = string | number | boolean | null;

/** The columns every sandbox org starts with; ids, names and dates are filled in per org by organizationRow. */
export const ORGANIZATION_COLUMNS: Readonly<Record<string, OrganizationValue>> = {
  // Auditing
  isauditenabled: false,
  isreadauditenabled: false,
  isuseraccessauditenabled: false,
  useraccessauditinginterval: 4,
  auditretentionperiod: 30,
  auditretentionperiodv2: 90,
  // Files and email
  maxuploadfilesize: 5242880,
  blockedattachments: 'bat;cmd;exe;js;vbs',
  allowedmimetypes: '',
  blockedmimetypes: '',
  isemailaddressvalidationenabled: false,
  ignoreinternalemail: true,
  // Diagnostics
  plugintracelogsetting: 0,
  tracelogmaximumageindays: 14,
  reportscripterrors: 1,
  // Sessions
  sessiontimeoutenabled: false,
  sessiontimeoutinmins: 1440,
  sessiontimeoutreminderinmins: 20,
  inactivitytimeoutenabled: false,
  inactivitytimeoutinmins: 120,
  // Features
  isduplicatedetectionenabled: true,
  isautosaveenabled: true,
  ispresenceenabled: true,
  isfulltextsearchenabled: false,
  ismobileofflineenabled: false,
  enablemicrosoftflowintegration: true,
  iscontentsecuritypolicyenabled: false,
  allowapplicationuseraccess: true,
  maxrecordsforexporttoexcel: 100000,
  maxrecordsforlookupfilters: 5000,
  // Locale and formats
  languagecode: 1033,
  localeid: 1033,
  currencysymbol: '$',
  currencydecimalprecision: 2,
  pricingdecimalprecision: 2,
  basecurrencysymbol: '$',
  basecurrencyprecision: 2,
  dateformatstring: 'M/d/yyyy',
  timeformatstring: 'h:mm tt',
  dateseparator: '/',
  timeseparator: ':',
  decimalsymbol: '.',
  numberseparator: ',',
  weekstartdaycode: 0,
  schemanameprefix: 'new',
  isdisabled: false,
};
