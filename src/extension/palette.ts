import * as vscode from 'vscode';
import { basename, extname, join, relative } from 'node:path';
import { tablesOf } from '../platform/dataverseTables';
import type { EnvironmentSummary } from '../platform/environment';
import type { ToolManifestEntry } from '../server/manifest';
import { environmentChoices } from './environmentChoices';
import { parseText, shapeHint, validateText, valueAsText, type FieldSchema } from './fieldInput';
import { formatTime, scalarText } from './format';
import type { PowerAgentHost } from './host';
import { BACK, inputStep, pickStep, type Back, type StepPosition } from './multiStep';
import { orgSettings, parseSettingValue, type OrgSetting } from './orgSettings';
import { checkPickedPath } from './pathCheck';
import { resultText } from './present';
import { VSCODE_WORDS } from './settings';
import { planSteps, type Step } from './toolSteps';

/** What one step added to the call: arguments, and how picked values are named to people. */
interface Answer {
  args: Record<string, unknown>;
  shown?: Record<string, string>;
}

/** The fields of several objects in one, later ones winning (as Object.assign). */
function merged<T>(parts: Array<Record<string, T> | undefined>): Record<string, T> {
  return Object.assign({}, ...parts) as Record<string, T>;
}

type StepOf<K extends Step['kind']> = Extract<Step, { kind: K }>;

/** Raised by a step whose choices could not be read; the command stops with this message. */
class StepFailure extends Error {}

/**
 * Asks a tool's arguments as one multi-step input: each step has Back, and the answers of every step
 * are kept when an earlier one is corrected. undefined when the person cancelled.
 */
export async function askArguments(
  host: PowerAgentHost,
  entry: ToolManifestEntry,
  given: Record<string, unknown>,
): Promise<{ args: Record<string, unknown>; shown: Record<string, string> } | undefined> {
  const steps = planSteps(entry, given);
  const answers: Array<Answer | undefined> = [];
  const context = new StepContext(host, entry);
  for (let index = 0; index < steps.length;) {
    const values = merged([given, ...answers.slice(0, index).map((a) => a?.args)]);
    const position = { title: entry.title, step: index + 1, totalSteps: steps.length };
    let answer: Answer | Back | undefined;
    try {
      answer = await context.run(steps[index]!, position, answers[index], values);
    } catch (error) {
      if (!(error instanceof StepFailure)) throw error;
      void vscode.window.showErrorMessage(error.message);
      return undefined;
    }
    if (answer === undefined) return undefined;
    if (answer === BACK) {
      index = Math.max(0, index - 1);
      continue;
    }
    answers[index] = answer;
    index++;
  }
  const done = answers.slice(0, steps.length);
  return {
    args: merged([given, ...done.map((a) => a?.args)]),
    shown: merged(done.map((a) => a?.shown)),
  };
}

class StepContext {
  private environments?: Promise<EnvironmentSummary[]>;

  constructor(
    private readonly host: PowerAgentHost,
    private readonly entry: ToolManifestEntry,
  ) {}

  run(
    step: Step,
    position: StepPosition,
    previous: Answer | undefined,
    values: Record<string, unknown>,
  ): Promise<Answer | Back | undefined> {
    switch (step.kind) {
      case 'environment':
        return this.environment(step, position, previous, values);
      case 'solution':
        return this.solution(step, position, previous, values);
      case 'restorePoint':
        return this.restorePoint(step, position, previous, values);
      case 'orgSettings':
        return this.orgSetting(step, position, previous, values);
      case 'path':
        return this.path(step, position, previous, values);
      case 'choice':
        return this.choice(step, position, previous);
      case 'text':
        return this.text(step, position, previous);
    }
  }

  private listEnvironments(): Promise<EnvironmentSummary[]> {
    this.environments ??= this.host.listEnvironments().then((listing) => {
      if ('notSignedIn' in listing) throw new StepFailure('Sign in first: run "Power Agent MCP: Sign In", or use the local sandbox.');
      if ('error' in listing) throw new StepFailure(listing.error);
      return listing.environments;
    });
    return this.environments;
  }

  private async environment(
    step: StepOf<'environment'>,
    position: StepPosition,
    previous: Answer | undefined,
    values: Record<string, unknown>,
  ): Promise<Answer | Back | undefined> {
    const required = (this.entry.inputSchema.required as string[] | undefined) ?? [];
    const counterpart = step.field === 'source' ? values.environment : values.source;
    // A copy's target cannot be its source; a restore's target is most often its source.
    const exclude = step.field !== 'source' && required.includes('source') ? (counterpart as string | undefined) : undefined;
    const preferred = [
      previous?.args[step.field] as string | undefined,
      exclude ? undefined : (counterpart as string | undefined),
      this.host.settings.defaultEnvironment,
    ];
    const choices = this.listEnvironments().then((environments) => {
      const offered = environmentChoices(environments, step.need, {
        preferred,
        defaultEnvironment: this.host.settings.defaultEnvironment,
        exclude,
      });
      if (offered.empty) throw new StepFailure(`${this.entry.title}: ${offered.empty}`);
      return { ...offered, items: offered.items.map((item) => ({ ...item, picked: item === offered.active })) };
    });
    const picked = await pickStep(position, {
      placeholder: `Choose the ${lowerFirst(step.label)}`,
      items: choices.then((c) => c.items),
      active: (item) => item.picked,
      matchOnDetail: true,
    });
    if (!picked || picked === BACK) return picked;
    return { args: { [step.field]: picked.value }, shown: { [step.field]: picked.label } };
  }

  private async solution(
    step: StepOf<'solution'>,
    position: StepPosition,
    previous: Answer | undefined,
    values: Record<string, unknown>,
  ): Promise<Answer | Back | undefined> {
    const environment = values.environment as string | undefined;
    const items = this.host
      .callTool(
        'pp_list_solutions',
        { ...(environment ? { environment } : {}), limit: 1000 },
        { signal: AbortSignal.timeout(60_000) },
        'view',
      )
      .then((result) => {
        if (result.isError) throw new StepFailure(resultText(result));
        const solutions = (
          result.structuredContent as { solutions: Array<{ uniqueName: string; displayName: string; version: string; managed: boolean }> }
        ).solutions;
        if (!solutions.length) throw new StepFailure(`${this.entry.title}: the environment has no solutions to choose from.`);
        return solutions.map((s) => ({
          label: s.uniqueName,
          description: `${s.version} · ${s.managed ? 'managed' : 'unmanaged'}`,
          detail: s.displayName,
          value: s.uniqueName,
        }));
      });
    const picked = await pickStep(position, {
      placeholder: 'Choose the solution',
      items,
      active: (item) => item.value === previous?.args.solution,
      matchOnDetail: true,
    });
    if (!picked || picked === BACK) return picked;
    return { args: { [step.field]: picked.value } };
  }

  /** A backup of the source (the target when no source was chosen), or a point in time typed in. */
  private async restorePoint(
    step: StepOf<'restorePoint'>,
    position: StepPosition,
    previous: Answer | undefined,
    values: Record<string, unknown>,
  ): Promise<Answer | Back | undefined> {
    const source = (values.source ?? values.environment) as string | undefined;
    const sourceName = this.host.environmentName(source) ?? source ?? 'the environment';
    type Item = vscode.QuickPickItem & { backup?: { id: string; label: string | null }; pointInTime?: true };
    const items = this.host
      .callTool('pp_list_backups', source ? { environment: source } : {}, { signal: AbortSignal.timeout(60_000) }, 'view')
      .then((result): Item[] => {
        if (result.isError) throw new StepFailure(resultText(result));
        const backups = (
          result.structuredContent as {
            backups: Array<{ id: string; label: string | null; backupPointDateTime: string; backupExpiryDateTime: string | null }>;
          }
        ).backups;
        return [
          ...backups.map((b) => ({
            label: `$(archive) ${b.label ?? '(no label)'}`,
            description: formatTime(b.backupPointDateTime),
            detail: b.backupExpiryDateTime ? `Kept until ${formatTime(b.backupExpiryDateTime)}` : undefined,
            backup: b,
          })),
          {
            label: '$(history) A point in time…',
            description: 'Type a date and time within the retention period',
            pointInTime: true as const,
          },
        ];
      });
    for (;;) {
      const picked = await pickStep<Item>(position, {
        placeholder: `Choose the backup of ${sourceName} to restore`,
        items,
        // Pre-selected: the earlier answer, else the newest backup (listed first).
        active: (item) =>
          previous?.args.pointInTime
            ? Boolean(item.pointInTime)
            : previous
              ? [item.backup?.id, item.backup?.label].includes(previous.args.backup as string)
              : Boolean(item.backup),
      });
      if (!picked || picked === BACK) return picked;
      // The label reads better in the operation's title; the id when the label is not unique.
      if (picked.backup) {
        const label = picked.backup.label;
        const unique = label && (await items).filter((item) => item.backup?.label?.toLowerCase() === label.toLowerCase()).length === 1;
        return { args: { backup: unique ? label : picked.backup.id }, shown: { backup: label ?? picked.backup.id } };
      }
      const schema = ((this.entry.inputSchema.properties ?? {}) as Record<string, FieldSchema>).pointInTime ?? { type: 'string' };
      const hourAgo = `${new Date(Date.now() - 3_600_000).toISOString().slice(0, 16)}Z`;
      const typed = await inputStep(position, {
        value: (previous?.args.pointInTime as string | undefined) ?? hourAgo,
        placeholder: 'Point in time, e.g. 2026-11-20T14:30Z',
        prompt: `A date and time with a time zone (Z is UTC) within the retention period of ${sourceName}.`,
        validate: (text) =>
          validateText('The point in time', schema, text, false) ??
          (Date.parse(text) > Date.now() ? 'The point in time is in the future.' : undefined),
      });
      if (typed === undefined) return undefined;
      if (typed !== BACK) return { args: { pointInTime: typed.trim() }, shown: { backup: formatTime(typed.trim()) } };
    }
  }

  /** One organization setting of the environment, chosen from the list with its current value, then its new value. */
  private async orgSetting(
    step: StepOf<'orgSettings'>,
    position: StepPosition,
    previous: Answer | undefined,
    values: Record<string, unknown>,
  ): Promise<Answer | Back | undefined> {
    const settings = this.readOrgSettings(values.environment as string | undefined);
    const before = previous ? Object.keys((previous.args[step.field] as object | undefined) ?? {})[0] : undefined;
    for (;;) {
      const picked = await pickStep(position, {
        placeholder: 'Choose the setting to change (type to filter)',
        items: settings.then((list) =>
          list.map((s) => ({
            label: s.name,
            description: `now ${shownValue(s.current)}`,
            detail: s.kind === 'setting' ? 'Setting definition' : undefined,
            setting: s,
          })),
        ),
        active: (item) => item.setting.name === before,
      });
      if (!picked || picked === BACK) return picked;
      const setting = picked.setting;
      const value = await this.settingValue(setting, position, previous?.args[step.field] as Record<string, unknown> | undefined);
      if (value === undefined) return undefined;
      if (value !== BACK)
        return {
          args: { [step.field]: { [setting.name]: value.value } },
          shown: { settings: `${setting.name} = ${JSON.stringify(value.value)}` },
        };
    }
  }

  private async settingValue(
    setting: OrgSetting,
    position: StepPosition,
    previous: Record<string, unknown> | undefined,
  ): Promise<{ value: unknown } | Back | undefined> {
    const earlier = previous && setting.name in previous ? previous[setting.name] : setting.current;
    if (setting.type === 'boolean') {
      const picked = await pickStep(position, {
        placeholder: `New value of ${setting.name} (now ${shownValue(setting.current)})`,
        items: [true, false].map((value) => ({
          label: value ? 'true' : 'false',
          description: value === setting.current ? 'current value' : undefined,
          value,
        })),
        active: (item) => item.value === earlier,
      });
      return picked && picked !== BACK ? { value: picked.value } : picked;
    }
    const typed = await inputStep(position, {
      value: earlier === null || earlier === undefined ? '' : scalarText(earlier),
      placeholder: `New value of ${setting.name}`,
      prompt: `${setting.type === 'text' ? 'Text (empty clears it)' : setting.type === 'integer' ? 'A whole number' : 'A number'}; now ${shownValue(setting.current)}.`,
      validate: (text) => {
        const parsed = parseSettingValue(setting, text);
        return 'problem' in parsed ? parsed.problem : undefined;
      },
    });
    if (typed === undefined || typed === BACK) return typed;
    return { value: (parseSettingValue(setting, typed) as { value: unknown }).value };
  }

  private async readOrgSettings(environment: string | undefined): Promise<OrgSetting[]> {
    const environments = await this.listEnvironments();
    const env =
      environments.find((e) => e.id === environment) ??
      environments.find((e) => e.displayName === this.host.settings.defaultEnvironment || e.id === this.host.settings.defaultEnvironment);
    if (!env?.url) throw new StepFailure(`${this.entry.title}: choose an environment with a Dataverse database.`);
    try {
      const dataverse = (await (await this.host.runtime()).services()).dataverse(env.url);
      const signal = AbortSignal.timeout(60_000);
      const { organizations, entityDefinitions, orgSettings: settings } = tablesOf(dataverse);
      const [row, attributes, definitions] = await Promise.all([
        organizations.current(signal),
        entityDefinitions.attributes('organization', signal),
        settings.list(signal),
      ]);
      return orgSettings(row, attributes, definitions);
    } catch (error) {
      throw new StepFailure(`The settings of ${env.displayName} could not be read: ${(error as Error).message.split('\n')[0]}`);
    }
  }

  /**
   * A local path from VS Code's dialog, opened in the workspace and limited to the tool's file types,
   * then checked at once (allowed folder, existing file, empty folder) so a refusal comes before the
   * next step. A file or folder whose replacement the person confirmed passes `overwrite`.
   */
  private async path(
    step: StepOf<'path'>,
    position: StepPosition,
    previous: Answer | undefined,
    values: Record<string, unknown>,
  ): Promise<Answer | Back | undefined> {
    const earlier = previous?.args[step.field] as string | undefined;
    const folders = this.host.allowedFolders();
    const withMenu = step.optional || Boolean(earlier);
    for (;;) {
      if (withMenu) {
        type Item = vscode.QuickPickItem & { action: 'choose' | 'keep' | 'none' };
        const items: Item[] = [
          { label: `$(folder-opened) Choose ${step.path.dialog.includes('older') ? 'a folder' : 'a file'}…`, action: 'choose' },
        ];
        if (earlier) items.unshift({ label: `$(check) ${this.relative(earlier)}`, description: 'as chosen before', action: 'keep' });
        if (step.optional) items.push({ label: 'None', description: step.prompt, action: 'none' });
        const active = earlier ? 'keep' : step.optional ? 'none' : 'choose';
        const picked = await pickStep(position, {
          placeholder: `${step.label}${step.optional ? ' (optional)' : ''}`,
          items,
          active: (item) => item.action === active,
        });
        if (!picked || picked === BACK) return picked;
        if (picked.action === 'keep') return previous;
        if (picked.action === 'none') return { args: {} };
      }
      const chosen = await this.checkedPath(step, earlier ?? this.suggestedPath(step, values, folders[0]!), folders);
      if (chosen) return chosen;
      // A dismissed dialog goes back: to this step's menu, or to the step before.
      if (!withMenu) return position.step > 1 ? BACK : undefined;
    }
  }

  /** The dialog until it gives a path the tool can use; undefined when dismissed. */
  private async checkedPath(step: StepOf<'path'>, start: string, folders: string[]): Promise<Answer | undefined> {
    for (;;) {
      const chosen = await this.dialog(step, start);
      if (!chosen) return undefined;
      const verdict = checkPickedPath(step.label, chosen, step.path, folders, VSCODE_WORDS);
      if ('problem' in verdict) {
        await vscode.window.showWarningMessage(verdict.problem, { modal: true });
        continue;
      }
      if (verdict.replaces === 'folder') {
        const replace = 'Replace Files';
        const answer = await vscode.window.showWarningMessage(
          `${this.relative(chosen)} is not empty.`,
          { modal: true, detail: 'Files in it that the tool writes are replaced; other files are kept.' },
          replace,
        );
        if (answer !== replace) continue;
      }
      // The save dialog already asked before replacing a file; the tool must be told it may.
      const canOverwrite = Object.keys(this.entry.inputSchema.properties ?? {}).includes('overwrite');
      return { args: { [step.field]: chosen, ...(verdict.replaces && canOverwrite ? { overwrite: true } : {}) } };
    }
  }

  private async dialog(step: StepOf<'path'>, start: string): Promise<string | undefined> {
    const title = `${this.entry.title}: ${step.label}`;
    const filters = step.path.filters;
    if (step.path.dialog === 'save')
      return (await vscode.window.showSaveDialog({ title, defaultUri: vscode.Uri.file(start), filters, saveLabel: 'Choose' }))?.fsPath;
    const folders = step.path.dialog === 'folder' || step.path.dialog === 'outputFolder' || step.path.dialog === 'fileOrFolder';
    const files = step.path.dialog === 'open' || step.path.dialog === 'fileOrFolder';
    const picked = await vscode.window.showOpenDialog({
      title,
      defaultUri: vscode.Uri.file(start),
      canSelectFiles: files,
      canSelectFolders: folders,
      canSelectMany: false,
      filters: files ? filters : undefined,
      openLabel: 'Choose',
    });
    return picked?.[0]?.fsPath;
  }

  /** Where the dialog opens: for a file to write, a name made from the solution or the file it derives from. */
  private suggestedPath(step: StepOf<'path'>, values: Record<string, unknown>, folder: string): string {
    if (step.path.dialog !== 'save') return folder;
    const extension = Object.values(step.path.filters ?? {}).flat()[0] ?? 'txt';
    const from = typeof values.zipFile === 'string' ? basename(values.zipFile, extname(values.zipFile)) : undefined;
    const stem = (values.solution as string | undefined) ?? from ?? step.field.replace(/File$/, '');
    return join(folder, `${stem}.${extension}`);
  }

  private relative(path: string): string {
    const folder = this.host.allowedFolders().find((f) => !relative(f, path).startsWith('..'));
    return folder ? relative(folder, path) || path : path;
  }

  private async choice(step: StepOf<'choice'>, position: StepPosition, previous: Answer | undefined): Promise<Answer | Back | undefined> {
    const chosen = previous ? previous.args[step.field] : step.preselected;
    const picked = await pickStep(position, {
      placeholder: step.prompt ? `${step.label}: ${step.prompt}` : step.label,
      items: step.options.map((option) => ({
        label: option.label,
        description: [option.description, option.value === step.preselected && option.value !== undefined ? 'default' : undefined]
          .filter(Boolean)
          .join(' · '),
        value: option.value,
      })),
      active: (item) => item.value === chosen,
    });
    if (!picked || picked === BACK) return picked;
    return { args: picked.value === undefined ? {} : { [step.field]: picked.value } };
  }

  private async text(step: StepOf<'text'>, position: StepPosition, previous: Answer | undefined): Promise<Answer | Back | undefined> {
    const typed = await inputStep(position, {
      value: valueAsText(step.schema, previous?.args[step.field]),
      placeholder: `${step.label}${step.optional ? ' (optional)' : ''}`,
      prompt: [step.prompt, shapeHint(step.schema)].filter(Boolean).join(' '),
      validate: (text) => validateText(step.label, step.schema, text, step.optional),
    });
    if (typed === undefined || typed === BACK) return typed;
    const parsed = parseText(step.schema, typed) as { value: unknown };
    return { args: parsed.value === undefined ? {} : { [step.field]: parsed.value } };
  }
}

/** A setting's value in a list: "not set", true, 5242880, "ade;exe". */
function shownValue(value: unknown): string {
  if (value === null || value === undefined) return 'not set';
  const text = typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 39)}…` : value) : scalarText(value);
  return text;
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
