import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { canRun, environmentChoices } from '../../src/extension/environmentChoices';
import { parseText, validateText, valueAsText, type FieldSchema } from '../../src/extension/fieldInput';
import { orgSettings, parseSettingValue } from '../../src/extension/orgSettings';
import { checkPickedPath } from '../../src/extension/pathCheck';
import { VSCODE_WORDS } from '../../src/extension/settings';
import { planSteps } from '../../src/extension/toolSteps';
import type { EnvironmentSummary } from '../../src/platform/environment';
import { manifestEntry } from './manifest';

function env(displayName: string, fields: Partial<EnvironmentSummary> = {}): EnvironmentSummary {
  return {
    id: `id-${displayName.toLowerCase().replace(/\W+/g, '-')}`,
    displayName,
    type: 'Sandbox',
    region: 'europe',
    azureRegion: null,
    state: 'Ready',
    isDefault: false,
    hasDataverse: true,
    url: `https://${displayName.toLowerCase().replace(/\W+/g, '')}.crm4.dynamics.com`,
    domainName: displayName.toLowerCase().replace(/\W+/g, ''),
    version: '9.2',
    organizationId: null,
    createdTime: null,
    protectionLevel: null,
    ...fields,
  };
}

const DEFAULT = env('Contoso (default)', { type: 'Default', isDefault: true, region: 'unitedstates' });
const DEV = env('Contoso Dev');
const TEST = env('Contoso Test');
const PROD = env('Contoso Production', { type: 'Production' });
const TRIAL = env('Field Trial', { type: 'Trial', hasDataverse: false, url: null });
const ALL = [DEFAULT, DEV, TEST, PROD, TRIAL];

describe('environment pickers', () => {
  it('offer only environments with Dataverse to a tool that needs it', () => {
    const { items } = environmentChoices(ALL, { dataverse: true }, { preferred: [] });
    assert.deepEqual(
      items.map((i) => i.label),
      ['Contoso (default)', 'Contoso Dev', 'Contoso Test', 'Contoso Production'],
    );
  });

  it('leave out the tenant default environment where it cannot be used (delete)', () => {
    const { items } = environmentChoices(ALL, { notDefault: true }, { preferred: [] });
    assert.ok(!items.some((i) => i.environment.isDefault));
    assert.equal(canRun(DEFAULT, { notDefault: true }), false);
  });

  it('offer only Sandbox environments as the target of a restore or copy', () => {
    const { items } = environmentChoices(ALL, { types: ['Sandbox'], dataverse: true }, { preferred: [] });
    assert.deepEqual(
      items.map((i) => i.label),
      ['Contoso Dev', 'Contoso Test'],
    );
  });

  it('name environments by display name with type and region as people read them, and mark the default choice', () => {
    const { items } = environmentChoices(ALL, undefined, { preferred: [], defaultEnvironment: DEV.id });
    const dev = items.find((i) => i.label === 'Contoso Dev')!;
    assert.equal(dev.description, 'Sandbox · Europe · default');
    assert.equal(dev.value, DEV.id);
    assert.equal(items.find((i) => i.label === 'Field Trial')!.detail, 'No Dataverse database');
    assert.equal(items.find((i) => i.label === 'Contoso (default)')!.description, 'Default · United States');
  });

  it('pre-select a real environment: the earlier answer, else the default one, else the first offered', () => {
    assert.equal(
      environmentChoices(ALL, undefined, { preferred: [undefined, 'contoso test'] }).active?.label,
      'Contoso Test',
      'by name, any case',
    );
    assert.equal(
      environmentChoices(ALL, undefined, { preferred: [PROD.url!, DEV.id] }).active?.label,
      'Contoso Production',
      'by URL, the first preference wins',
    );
    assert.equal(
      environmentChoices(ALL, { types: ['Sandbox'] }, { preferred: [PROD.id] }).active?.label,
      'Contoso Dev',
      'a preference that cannot run the tool is passed over',
    );
    assert.equal(environmentChoices(ALL, undefined, { preferred: [] }).active?.label, 'Contoso (default)');
  });

  it("leave the copy's source out of its targets", () => {
    const { items, active } = environmentChoices(ALL, { types: ['Sandbox'] }, { preferred: [DEV.id], exclude: DEV.id });
    assert.deepEqual(
      items.map((i) => i.label),
      ['Contoso Test'],
    );
    assert.equal(active?.label, 'Contoso Test');
  });

  it('say why nothing is offered instead of showing an empty list', () => {
    const none = environmentChoices([TRIAL, DEFAULT], { types: ['Sandbox'], dataverse: true }, { preferred: [] });
    assert.deepEqual(none.items, []);
    assert.equal(none.empty, 'None of the 2 environment(s) can run this: it needs Sandbox environments with a Dataverse database.');
  });
});

describe('input boxes validate against the schema as the person types', () => {
  const version: FieldSchema = {
    type: 'string',
    pattern: '^\\d{1,9}\\.\\d{1,9}(\\.\\d{1,9}){0,2}$',
    description: 'The new version, such as 1.2.0.0.',
  };

  it('a version that does not fit the pattern is refused with an example, naming the field', () => {
    assert.equal(validateText('Version', version, 'abc', false), 'Version must look like 1.2.0.0.');
    assert.equal(validateText('Version', version, '1.2.1.0', false), undefined);
  });

  it('a required field cannot be left empty; an optional one can', () => {
    assert.equal(validateText('Display name', { type: 'string', minLength: 1 }, '  ', false), 'Display name is required.');
    assert.equal(validateText('Domain name', { type: 'string' }, '', true), undefined);
    assert.deepEqual(parseText({ type: 'string' }, '  '), { value: undefined });
  });

  it('numbers are whole numbers within their bounds', () => {
    const language: FieldSchema = { type: 'integer', minimum: 1, maximum: 99999 };
    assert.equal(validateText('Language', language, '10.5', false), 'Language must be a whole number.');
    assert.equal(validateText('Language', language, '1e9', false), 'Language must be from 1 to 99999.');
    assert.equal(validateText('Language', language, '12a', false), 'Language must be a number.');
    assert.deepEqual(parseText(language, '1033'), { value: 1033 });
  });

  it('lengths are checked, and a GUID field says what a GUID looks like', () => {
    assert.equal(validateText('Label', { type: 'string', maxLength: 3 }, 'abcd', false), 'Label must have at most 3 characters.');
    assert.match(
      validateText('Security group id', { type: 'string', format: 'uuid', pattern: '^[0-9a-f-]{36}$' }, 'nope', false)!,
      /must be a GUID/,
    );
  });

  it('a list is typed with commas, each item checked', () => {
    const templates: FieldSchema = { type: 'array', maxItems: 2, items: { type: 'string', minLength: 1, maxLength: 10 } };
    assert.deepEqual(parseText(templates, 'D365_Sales, D365_Svc'), { value: ['D365_Sales', 'D365_Svc'] });
    assert.equal(validateText('Templates', templates, 'a, b, c', false), 'Templates takes at most 2 items.');
    assert.equal(
      validateText('Templates', templates, 'a, waytoolongname', false),
      'Templates has "waytoolongname", which must have at most 10 characters.',
    );
    assert.equal(valueAsText(templates, ['a', 'b']), 'a, b');
  });

  it('a list of objects named by one field is typed as those names (tables to export)', () => {
    const tables: FieldSchema = {
      type: 'array',
      items: {
        type: 'object',
        properties: { table: { type: 'string', minLength: 1 }, columns: { type: 'array', items: { type: 'string' } } },
        required: ['table'],
      },
    };
    assert.deepEqual(parseText(tables, 'account, contact'), { value: [{ table: 'account' }, { table: 'contact' }] });
    assert.equal(valueAsText(tables, [{ table: 'account' }]), 'account');
  });

  it('an object field is typed as JSON, checked against its schema', () => {
    const settings: FieldSchema = { type: 'object', additionalProperties: { type: 'string', pattern: '^[^|]*$' } };
    assert.deepEqual(parseText(settings, '{"Region": "EU"}'), { value: { Region: 'EU' } });
    assert.match(validateText('Settings', settings, '{"Region": 1}', false)!, /^Settings at Region: /);
    assert.match(validateText('Settings', settings, '{Region', false)!, /^Settings is not valid JSON/);
  });

  it('a type name or a number where either is accepted (component type)', () => {
    const componentType: FieldSchema = {
      anyOf: [
        { type: 'integer', minimum: 1, maximum: 100000 },
        { type: 'string', minLength: 1, maxLength: 60 },
      ],
    };
    assert.deepEqual(parseText(componentType, '61'), { value: 61 });
    assert.deepEqual(parseText(componentType, 'webresource'), { value: 'webresource' });
  });
});

describe('palette steps', () => {
  const steps = (name: string, given?: Record<string, unknown>) => planSteps(manifestEntry(name), given).map((s) => `${s.kind}:${s.field}`);

  it('a restore asks the source, then the labelled target, then a backup or point in time; never the confirmation or the wait', () => {
    assert.deepEqual(steps('pp_restore_environment'), ['environment:source', 'environment:environment', 'restorePoint:backup']);
    const [source, target] = planSteps(manifestEntry('pp_restore_environment'));
    assert.equal(source!.label, 'Source environment (whose backup is restored)');
    assert.equal(target!.label, 'Target environment (overwritten)');
  });

  it('a copy asks in the same order as a restore (source before target), and which copy', () => {
    assert.deepEqual(steps('pp_copy_environment'), ['environment:source', 'environment:environment', 'choice:copyType']);
  });

  it('an organization setting is picked, not typed as text', () => {
    assert.deepEqual(steps('pp_update_org_settings'), ['environment:environment', 'orgSettings:settings']);
  });

  it('create asks the name, then type, region and Dataverse with their defaults pre-selected', () => {
    const plan = planSteps(manifestEntry('pp_create_environment'));
    assert.deepEqual(
      plan.map((s) => `${s.kind}:${s.field}`),
      ['text:displayName', 'choice:type', 'choice:region', 'choice:dataverse'],
    );
    const type = plan[1] as Extract<(typeof plan)[number], { kind: 'choice' }>;
    assert.equal(type.preselected, 'Sandbox');
    const region = plan[2] as typeof type;
    assert.equal(region.preselected, 'unitedstates');
    assert.equal(region.options.find((o) => o.value === 'europe')?.label, 'Europe');
  });

  it('export asks for managed; unpack for the package type, defaulting to what the zip holds; overwrite is never asked', () => {
    assert.deepEqual(steps('pp_export_solution'), ['environment:environment', 'solution:solution', 'path:zipFile', 'choice:managed']);
    const unpack = planSteps(manifestEntry('pp_unpack_solution'));
    assert.deepEqual(
      unpack.map((s) => `${s.kind}:${s.field}`),
      ['path:zipFile', 'path:folder', 'choice:packageType'],
    );
    const packageType = unpack[2] as Extract<(typeof unpack)[number], { kind: 'choice' }>;
    assert.deepEqual(
      packageType.options.map((o) => o.label),
      ['Default', 'Unmanaged', 'Managed', 'Both'],
    );
    assert.equal(packageType.options[0]!.value, undefined);
  });

  it('arguments given by a view item are not asked again', () => {
    assert.deepEqual(steps('pp_export_solution', { environment: 'x', solution: 'Core' }), ['path:zipFile', 'choice:managed']);
  });

  it('prompts name fields as people read them, not by their schema names', () => {
    const plan = planSteps(manifestEntry('pp_create_environment'));
    assert.equal(plan[0]!.label, 'Display name');
    assert.equal(planSteps(manifestEntry('pp_export_solution'))[2]!.label, 'Zip file');
  });
});

describe('picked paths are checked before the next step', () => {
  let root: string;
  let workspace: string;
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'power-agent-paths-'));
    workspace = join(root, 'workspace');
    mkdirSync(join(workspace, 'unpacked'), { recursive: true });
    mkdirSync(join(workspace, 'empty'));
    writeFileSync(join(workspace, 'unpacked', 'Solution.xml'), '<x/>');
    writeFileSync(join(workspace, 'Core.zip'), 'zip');
    writeFileSync(join(workspace, 'notes.txt'), 'text');
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  const zip = { 'Solution zip': ['zip'] };

  it('a path outside the allowed folders is refused in VS Code words, naming the setting', () => {
    const verdict = checkPickedPath('Zip file', join(root, 'elsewhere.zip'), { dialog: 'save', filters: zip }, [workspace], VSCODE_WORDS);
    assert.ok('problem' in verdict);
    assert.match(verdict.problem, /outside the folders/);
    assert.match(verdict.problem, /powerAgent\.allowedFolders/);
    assert.doesNotMatch(verdict.problem, /POWERAGENT_|--allowed/);
  });

  it('a file to read must exist and be of the dialog type', () => {
    assert.deepEqual(
      checkPickedPath('Zip file', join(workspace, 'Core.zip'), { dialog: 'open', filters: zip }, [workspace], VSCODE_WORDS),
      { ok: true },
    );
    assert.match(
      (
        checkPickedPath('Zip file', join(workspace, 'notes.txt'), { dialog: 'open', filters: zip }, [workspace], VSCODE_WORDS) as {
          problem: string;
        }
      ).problem,
      /not a \.zip file/,
    );
    assert.match(
      (
        checkPickedPath('Zip file', join(workspace, 'gone.zip'), { dialog: 'open', filters: zip }, [workspace], VSCODE_WORDS) as {
          problem: string;
        }
      ).problem,
      /not an existing file/,
    );
  });

  it('saving over an existing file replaces it (the dialog asked); a new file does not', () => {
    assert.deepEqual(
      checkPickedPath('Zip file', join(workspace, 'Core.zip'), { dialog: 'save', filters: zip }, [workspace], VSCODE_WORDS),
      { ok: true, replaces: 'file' },
    );
    assert.deepEqual(checkPickedPath('Zip file', join(workspace, 'New.zip'), { dialog: 'save', filters: zip }, [workspace], VSCODE_WORDS), {
      ok: true,
    });
    assert.ok(
      'problem' in checkPickedPath('Zip file', join(workspace, 'New.txt'), { dialog: 'save', filters: zip }, [workspace], VSCODE_WORDS),
    );
  });

  it('an output folder that is not empty needs a yes to replace files; an empty or new one does not', () => {
    assert.deepEqual(checkPickedPath('Folder', join(workspace, 'unpacked'), { dialog: 'outputFolder' }, [workspace], VSCODE_WORDS), {
      ok: true,
      replaces: 'folder',
    });
    assert.deepEqual(checkPickedPath('Folder', join(workspace, 'empty'), { dialog: 'outputFolder' }, [workspace], VSCODE_WORDS), {
      ok: true,
    });
    assert.deepEqual(checkPickedPath('Folder', join(workspace, 'new'), { dialog: 'outputFolder' }, [workspace], VSCODE_WORDS), {
      ok: true,
    });
    assert.ok('problem' in checkPickedPath('Folder', join(workspace, 'Core.zip'), { dialog: 'outputFolder' }, [workspace], VSCODE_WORDS));
  });
});

describe('the organization setting picker', () => {
  const row = { isauditenabled: false, maxuploadfilesize: 5242880, blockedattachments: 'ade;exe', name: 'Contoso' };
  const attributes = [
    { LogicalName: 'isauditenabled', AttributeType: 'Boolean', IsValidForUpdate: true },
    { LogicalName: 'maxuploadfilesize', AttributeType: 'Integer', IsValidForUpdate: true },
    { LogicalName: 'blockedattachments', AttributeType: 'Memo', IsValidForUpdate: true },
    { LogicalName: 'organizationid', AttributeType: 'Uniqueidentifier', IsValidForUpdate: false },
    { LogicalName: 'basecurrencyid', AttributeType: 'Lookup', IsValidForUpdate: true },
  ];
  const definitions = [{ Name: 'AllowNewAppChannelDefault', Value: 'true', DataType: 2 }];

  it('lists the changeable settings with their current values and types, leaving out references and ids', () => {
    assert.deepEqual(orgSettings(row, attributes, definitions), [
      { name: 'AllowNewAppChannelDefault', type: 'boolean', current: true, kind: 'setting' },
      { name: 'blockedattachments', type: 'text', current: 'ade;exe', kind: 'column' },
      { name: 'isauditenabled', type: 'boolean', current: false, kind: 'column' },
      { name: 'maxuploadfilesize', type: 'integer', current: 5242880, kind: 'column' },
    ]);
  });

  it('checks the new value against the setting type as it is typed', () => {
    const [, blocked, audit, size] = orgSettings(row, attributes, definitions);
    assert.deepEqual(parseSettingValue(size!, '10485760'), { value: 10485760 });
    assert.deepEqual(parseSettingValue(size!, '10 MB'), { problem: 'maxuploadfilesize must be a whole number.' });
    assert.deepEqual(parseSettingValue(audit!, 'yes'), { value: true });
    assert.deepEqual(parseSettingValue(blocked!, ''), { value: null });
  });
});
