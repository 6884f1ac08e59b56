// The application packages appmanagement offers every sandbox environment: two Contoso apps in the documented package shape.

export interface ApplicationPackageSeed {
  id: string;
  uniqueName: string;
  version: string;
  localizedDescription: string | null;
  localizedName: string;
  applicationId: string;
  applicationName: string;
  applicationDescription: string | null;
  singlePageApplicationUrl: string | null;
  publisherName: string;
  publisherId: string;
  learnMoreUrl: string | null;
  crmMinversion: string;
  crmMaxVersion: string | null;
  customHandleUpgrade: boolean;
  instancePackageId: string | null;
  /** InstancePackageState: None, Installing, Installed, InstallFailed, … (the sandbox sets it per environment). */
  state: string;
  catalogVisibility: string;
  applicationVisibility: string;
  errorDetails: unknown;
  startDateUtc: string;
  endDateUtc: string;
  supportedCountries: string[];
}

const CONTOSO_PUBLISHER = { publisherName: 'Contoso Apps', publisherId: '5a9e0000-0000-4000-8000-0000000000a1' };
const AVAILABLE = {
  startDateUtc: '2024-01-01T00:00:00Z',
  endDateUtc: '2049-12-31T00:00:00Z',
  supportedCountries: ['CA', 'DE', 'FR', 'GB', 'NL', 'US'],
};

export const APPLICATION_PACKAGES: readonly ApplicationPackageSeed[] = [
  {
    id: '5a9e0000-0000-4000-8000-000000000001',
    uniqueName: 'ContosoFieldInspections',
    version: '3.1.0.12',
    localizedDescription: 'Plan site inspections, fill checklists on a phone and send findings to the back office.',
    localizedName: 'Contoso Field Inspections',
    applicationId: '5a9e0000-0000-4000-8000-000000000101',
    applicationName: 'Contoso Field Inspections',
    applicationDescription: null,
    singlePageApplicationUrl: null,
    ...CONTOSO_PUBLISHER,
    learnMoreUrl: 'https://contoso.example/apps/field-inspections',
    crmMinversion: '9.2',
    crmMaxVersion: null,
    customHandleUpgrade: false,
    instancePackageId: null,
    state: 'None',
    catalogVisibility: 'None',
    applicationVisibility: 'All',
    errorDetails: null,
    ...AVAILABLE,
  },
  {
    id: '5a9e0000-0000-4000-8000-000000000002',
    uniqueName: 'contoso_ExpensePortalAnchor',
    version: '1.4.0.7',
    localizedDescription: null,
    localizedName: 'Contoso Expense Portal Anchor',
    applicationId: '5a9e0000-0000-4000-8000-000000000102',
    applicationName: 'Contoso Expense Portal',
    applicationDescription: null,
    singlePageApplicationUrl: null,
    ...CONTOSO_PUBLISHER,
    learnMoreUrl: 'https://contoso.example/apps/expense-portal',
    crmMinversion: '9.2',
    crmMaxVersion: null,
    customHandleUpgrade: false,
    instancePackageId: null,
    state: 'None',
    catalogVisibility: 'None',
    applicationVisibility: 'All',
    errorDetails: null,
    ...AVAILABLE,
  },
];
