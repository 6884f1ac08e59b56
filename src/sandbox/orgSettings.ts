import { jsonBody, type Reply, type SandboxRequest } from './http';
import { SETTING_DEFINITIONS, type SettingDetail } from './seed/orgSettingDefinitions';
import { organizationRow, type SandboxOrg } from './state';
import type { DataverseReplies } from './solutions/api';

/** Columns of the organization table the service does not let anyone write. */
const READ_ONLY = new Set([
  'organizationid',
  'name',
  'createdon',
  'modifiedon',
  'versionnumber',
  'overwritetime',
  'basecurrencyid',
  'basecurrencysymbol',
  'basecurrencyprecision',
]);

/**
 * The organization table's columns as metadata would describe them, from the seeded row
 * (seed/organization.ts): a column's type is what its value is (the sandbox has no schema of its own).
 */
export function organizationAttributes(org: SandboxOrg): Array<{ LogicalName: string; AttributeType: string; IsValidForUpdate: boolean }> {
  return Object.entries(organizationRow(org))
    .filter(([name]) => !name.startsWith('@'))
    .map(([name, value]) => {
      const lookup = name.startsWith('_') && name.endsWith('_value');
      const type = lookup
        ? 'Lookup'
        : typeof value === 'boolean'
          ? 'Boolean'
          : typeof value === 'number'
            ? Number.isInteger(value)
              ? 'Integer'
              : 'Double'
            : typeof value === 'string' && /^\d{4}-\d\d-\d\dT/.test(value)
              ? 'DateTime'
              : 'String';
      return { LogicalName: name, AttributeType: type, IsValidForUpdate: !lookup && !READ_ONLY.has(name) && type !== 'DateTime' };
    });
}

function settingList(org: SandboxOrg): SettingDetail[] {
  return SETTING_DEFINITIONS.map((s) => ({ ...s, Value: org.settingValues[s.Name] ?? s.Value }));
}

/**
 * Organization settings (docs/service-notes.md#dataverse-web-api): column metadata, PATCH of the one row, and the setting-definition
 * messages.
 */
export function handleOrgSettings(request: SandboxRequest, segment: string, org: SandboxOrg, reply: DataverseReplies): Reply | undefined {
  const api = `${org.url}/api/data/v9.2`;
  if (request.method === 'GET' && /^EntityDefinitions\(LogicalName='organization'\)\/Attributes$/i.test(segment)) {
    return reply.ok({
      '@odata.context': `${api}/$metadata#EntityDefinitions('organization')/Attributes`,
      value: organizationAttributes(org),
    });
  }
  if (request.method === 'GET' && /^RetrieveSettingList(\(\))?$/i.test(segment)) {
    return reply.ok({
      '@odata.context': `${api}/$metadata#Microsoft.Dynamics.CRM.RetrieveSettingListResponse`,
      SettingDetailCollection: settingList(org),
    });
  }
  if (request.method === 'POST' && /^SaveSettingValue(\(\))?$/i.test(segment)) {
    const body = jsonBody(request) ?? {};
    const setting = settingList(org).find((s) => s.Name === body.SettingName);
    if (!setting) return reply.error(400, '0x80040203', `The setting '${body.SettingName}' does not exist.`);
    const value = String(body.Value ?? '');
    const valid = setting.DataType === 0 ? /^-?\d+$/.test(value) : setting.DataType === 2 ? /^(true|false)$/.test(value) : true;
    if (!valid) return reply.error(400, '0x80040203', `The value '${value}' is not valid for setting '${setting.Name}'.`);
    org.settingValues[setting.Name] = value;
    return { status: 204 };
  }
  const patch = /^organizations\(([0-9a-f-]{36})\)$/i.exec(segment);
  if (request.method === 'PATCH' && patch) {
    if (patch[1]!.toLowerCase() !== org.organizationId)
      return reply.error(404, '0x80040217', `organization With Id = ${patch[1]} Does Not Exist`);
    const body = (jsonBody(request) ?? {}) as Record<string, unknown>;
    const attributes = new Map(organizationAttributes(org).map((a) => [a.LogicalName, a]));
    for (const [name, value] of Object.entries(body)) {
      const attribute = attributes.get(name);
      if (!attribute)
        return reply.error(400, '0x80060888', `The property '${name}' does not exist on type 'Microsoft.Dynamics.CRM.organization'.`);
      if (!attribute.IsValidForUpdate) return reply.error(400, '0x80040203', `The attribute '${name}' cannot be updated.`);
      const fits =
        value === null ||
        (attribute.AttributeType === 'Boolean'
          ? typeof value === 'boolean'
          : attribute.AttributeType === 'Integer'
            ? Number.isInteger(value)
            : attribute.AttributeType === 'Double'
              ? typeof value === 'number'
              : typeof value === 'string');
      // The service answers an invalid value with a 500 and a message (docs/service-notes.md#dataverse-web-api).
      if (!fits)
        return reply.error(
          500,
          '0x80040216',
          `An unexpected error occurred: cannot convert the value ${JSON.stringify(value)} of '${name}' to ${attribute.AttributeType}.`,
        );
    }
    const refusal = auditPolicyPlugin(org, body);
    if (refusal) return reply.error(400, '0x80040265', refusal.message, refusal.annotations);
    Object.assign(org.organizationSettings, body);
    return { status: 204 };
  }
  return undefined;
}

/** Contoso Production runs a synchronous plug-in on Update of organization that caps the upload size at 32 MB. */
function auditPolicyPlugin(
  org: SandboxOrg,
  body: Record<string, unknown>,
): { message: string; annotations: Record<string, string> } | undefined {
  const size = body.maxuploadfilesize;
  if (!org.url.endsWith('/orgs/contoso-prod') || typeof size !== 'number' || size <= 32 * 1024 * 1024) return undefined;
  const message = `Contoso policy: attachments over 32 MB are not allowed in production (asked for ${size} bytes).`;
  return {
    message,
    annotations: {
      '@Microsoft.PowerApps.CDS.ErrorDetails.OperationStatus': '1',
      '@Microsoft.PowerApps.CDS.ErrorDetails.SubErrorCode': '-2146233088',
      '@Microsoft.PowerApps.CDS.TraceText': `[Contoso.Plugins: Contoso.Plugins.UploadSizePolicy]\r\n[Contoso.Plugins.UploadSizePolicy: Update of organization]\r\nEntered Contoso.Plugins.UploadSizePolicy.Execute()\r\nRequested maxuploadfilesize ${size}; limit 33554432\r\nExiting with InvalidPluginExecutionException`,
      '@Microsoft.PowerApps.CDS.InnerError.Message': message,
    },
  };
}
