import type { ToolManifestEntry } from '../server/manifest';
import type { EnvironmentUi, LocalPathUi } from '../tools/types';
import type { FieldSchema } from './fieldInput';
import { fieldLabel, REGIONS } from './format';

export interface ChoiceOption {
  label: string;
  description?: string;
  /** undefined leaves the argument out, so the tool's own default applies. */
  value: unknown;
}

interface StepBase {
  field: string;
  /** What the step is called in its title and messages: "Target environment (overwritten)", "Zip file". */
  label: string;
  optional: boolean;
  /** The field's description, shown under the input. */
  prompt?: string;
}

/** One question of a palette command, in the order asked. */
export type Step =
  | (StepBase & { kind: 'environment'; need?: EnvironmentUi })
  | (StepBase & { kind: 'solution' })
  | (StepBase & { kind: 'restorePoint' })
  | (StepBase & { kind: 'orgSettings' })
  | (StepBase & { kind: 'path'; path: LocalPathUi })
  | (StepBase & { kind: 'choice'; options: ChoiceOption[]; preselected: unknown })
  | (StepBase & { kind: 'text'; schema: FieldSchema });

/** Arguments the palette never asks for: confirmation is asked by the tool itself, waiting is shown as progress, overwriting is asked by the dialogs. */
const NOT_ASKED = new Set(['confirm', 'waitSeconds', 'overwrite']);

/**
 * The questions a palette command asks for a tool: environments (a source before its target), then
 * the solution, then the tool's own pickers, then the other required arguments, then the optional
 * ones the tool asks for; arguments already given (from a view's context menu) are not asked again.
 */
export function planSteps(entry: ToolManifestEntry, given: Record<string, unknown> = {}): Step[] {
  const properties = (entry.inputSchema.properties ?? {}) as Record<string, FieldSchema>;
  const required = new Set((entry.inputSchema.required as string[] | undefined) ?? []);
  const ui = entry.ui ?? {};
  const pickers = ui.pickers ?? {};
  const coveredByPicker = new Set(Object.values(pickers).includes('restorePoint') ? ['pointInTime'] : []);
  const open = (field: string) => field in properties && !(field in given) && !NOT_ASKED.has(field) && !coveredByPicker.has(field);
  const isPath = (field: string) => Boolean(ui.paths?.[field]);
  const isEnvironment = (field: string) =>
    !isPath(field) && (field === 'environment' || field === 'source' || Boolean(ui.environments?.[field]));
  const isOptional = (field: string) => !required.has(field) || properties[field]!.default !== undefined;

  const environments = Object.keys(properties).filter((field) => open(field) && isEnvironment(field));
  environments.sort((a, b) => Number(b === 'source') - Number(a === 'source'));
  const steps: Step[] = environments.map((field) => ({
    kind: 'environment',
    field,
    label:
      ui.environments?.[field]?.label ??
      (field === 'source' ? 'Source environment' : field === 'environment' ? 'Environment' : fieldLabel(field)),
    optional: isOptional(field),
    need: ui.environments?.[field],
  }));
  if (open('solution') && !isPath('solution'))
    steps.push({ kind: 'solution', field: 'solution', label: 'Solution', optional: isOptional('solution') });
  for (const [field, picker] of Object.entries(pickers)) {
    if (open(field)) steps.push({ kind: picker, field, label: picker === 'restorePoint' ? 'Restore point' : 'Setting', optional: false });
  }
  const asked = new Set(steps.map((step) => step.field));
  const rest = [
    ...Object.keys(properties).filter((field) => required.has(field) && properties[field]!.default === undefined),
    ...(ui.ask ?? []),
  ];
  for (const field of rest) {
    if (!open(field) || asked.has(field)) continue;
    asked.add(field);
    steps.push(valueStep(field, properties[field]!, isOptional(field), ui.paths?.[field]));
  }
  return steps;
}

function valueStep(field: string, schema: FieldSchema, optional: boolean, path: LocalPathUi | undefined): Step {
  const base = { field, label: fieldLabel(field), optional, prompt: schema.description };
  if (path) return { ...base, kind: 'path', path };
  const options = choiceOptions(field, schema);
  if (options) {
    const leaveOut =
      optional && schema.default === undefined ? [{ label: 'Default', description: 'Let the tool decide', value: undefined }] : [];
    return { ...base, kind: 'choice', options: [...leaveOut, ...options], preselected: schema.default };
  }
  return { ...base, kind: 'text', schema };
}

/** The fixed choices of an enum, a yes/no, or a region; undefined for typed values. */
function choiceOptions(field: string, schema: FieldSchema): ChoiceOption[] | undefined {
  if (schema.enum) return schema.enum.map((value) => ({ label: String(value), value }));
  if (schema.type === 'boolean') return [true, false].map((value) => ({ label: value ? 'Yes' : 'No', value }));
  if (field === 'region' && schema.type === 'string')
    return Object.entries(REGIONS).map(([value, label]) => ({ label, description: value, value }));
  return undefined;
}
