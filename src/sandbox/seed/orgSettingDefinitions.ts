// The setting definitions RetrieveSettingList returns for a sandbox org: a few platform ones and some a Contoso solution added.

export interface SettingDetail {
  Name: string;
  /** Always text on the wire, whatever the type. */
  Value: string;
  /** 0 number, 1 text, 2 yes/no. */
  DataType: 0 | 1 | 2;
}

export const SETTING_DEFINITIONS: readonly SettingDetail[] = [
  { Name: 'AllowNewAppChannelDefault', Value: 'true', DataType: 2 },
  { Name: 'AppChannel', Value: '0', DataType: 0 },
  { Name: 'contoso_EnableInspectionReminders', Value: 'true', DataType: 2 },
  { Name: 'contoso_InspectionReminderDays', Value: '3', DataType: 0 },
  { Name: 'contoso_SupportMailbox', Value: 'support@contoso.sandbox', DataType: 1 },
];
