// The columns of a Dataverse systemuser row beyond the ones the sandbox tracks per user (state.ts SandboxSystemUser).

/** Columns every sandbox user row has, with the values of an enabled, licensed, directory-synced user. */
export const SYSTEM_USER_COLUMNS: Readonly<Record<string, string | number | boolean | null>> = {
  accessmode: 0,
  azurestate: 0,
  caltype: 0,
  deletedstate: 0,
  invitestatuscode: 4,
  islicensed: true,
  issyncwithdirectory: true,
  isintegrationuser: false,
  setupuser: false,
  userlicensetype: 6,
  incomingemaildeliverymethod: 2,
  outgoingemaildeliverymethod: 2,
  preferredemailcode: 1,
  preferredaddresscode: 1,
  preferredphonecode: 1,
  isemailaddressapprovedbyo365admin: false,
  defaultodbfoldername: 'Dataverse',
  title: null,
  jobtitle: null,
  mobilephone: null,
  address1_telephone1: null,
  address1_city: null,
  address1_country: null,
  applicationiduri: null,
  _parentsystemuserid_value: null,
  _positionid_value: null,
  _territoryid_value: null,
  createdon: '2025-01-01T00:00:00Z',
  modifiedon: '2025-01-01T00:00:00Z',
};

/** First and last name as Dataverse splits a full name (an application user's full name starts with "# "). */
export function nameParts(fullname: string): { firstname: string; lastname: string } {
  const space = fullname.indexOf(' ');
  return space < 0 ? { firstname: '', lastname: fullname } : { firstname: fullname.slice(0, space), lastname: fullname.slice(space + 1) };
}
