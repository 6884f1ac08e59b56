import { z } from 'zod';

/** Reused field descriptions, so every tool explains the same argument the same way. */
export const environmentRef = z
  .string()
  .trim()
  .min(1)
  .max(500)
  .describe('The environment: its id (GUID), display name, domain name, or Dataverse URL (https://org.crm.dynamics.com).');

export const environmentSummary = z.object({
  id: z.string().describe('Environment id (GUID).'),
  displayName: z.string(),
  type: z.string().describe('Sandbox, Production, Trial, Developer or Default.'),
  region: z.string().describe('Power Platform region, e.g. unitedstates or europe.'),
  azureRegion: z.string().nullable(),
  state: z.string().describe('Ready, NotSpecified, Disabled, ...'),
  isDefault: z.boolean(),
  hasDataverse: z.boolean(),
  url: z.string().nullable().describe('Dataverse URL, or null when the environment has no Dataverse.'),
  domainName: z.string().nullable(),
  version: z.string().nullable().describe('Dataverse version.'),
  organizationId: z.string().nullable(),
  createdTime: z.string().nullable(),
  protectionLevel: z.string().nullable().describe('Managed environment protection level (Basic, Standard), if any.'),
});
