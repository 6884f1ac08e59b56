import * as vscode from 'vscode';

/** Returned when the person pressed the Back button of a step. */
export const BACK = Symbol('back');
export type Back = typeof BACK;

export interface StepPosition {
  title: string;
  step: number;
  totalSteps: number;
}

/**
 * One QuickPick step of a multi-step command: Back when it is not the first step, the chosen item
 * pre-selected, a busy spinner while the items load. undefined when dismissed.
 */
export async function pickStep<T extends vscode.QuickPickItem>(
  position: StepPosition,
  options: {
    placeholder: string;
    items: T[] | Promise<T[]>;
    active?: (item: T) => boolean;
    matchOnDescription?: boolean;
    matchOnDetail?: boolean;
  },
): Promise<T | Back | undefined> {
  const pick = vscode.window.createQuickPick<T>();
  Object.assign(pick, position, {
    placeholder: options.placeholder,
    ignoreFocusOut: true,
    matchOnDescription: options.matchOnDescription ?? true,
    matchOnDetail: options.matchOnDetail ?? false,
  });
  if (position.step > 1) pick.buttons = [vscode.QuickInputButtons.Back];
  pick.busy = true;
  pick.show();
  const disposables: vscode.Disposable[] = [];
  try {
    return await new Promise<T | Back | undefined>((resolve, reject) => {
      disposables.push(
        pick.onDidTriggerButton((button) => button === vscode.QuickInputButtons.Back && resolve(BACK)),
        pick.onDidAccept(() => pick.selectedItems[0] && resolve(pick.selectedItems[0])),
        pick.onDidHide(() => resolve(undefined)),
      );
      Promise.resolve(options.items).then((items) => {
        pick.items = items;
        const active = options.active && items.find(options.active);
        if (active) pick.activeItems = [active];
        pick.busy = false;
      }, reject);
    });
  } finally {
    for (const d of disposables) d.dispose();
    pick.dispose();
  }
}

/** One InputBox step: validated as the person types, the earlier answer filled in, Back when not the first step. */
export async function inputStep(
  position: StepPosition,
  options: { value: string; placeholder?: string; prompt?: string; validate: (text: string) => string | undefined; password?: boolean },
): Promise<string | Back | undefined> {
  const input = vscode.window.createInputBox();
  Object.assign(input, position, {
    value: options.value,
    placeholder: options.placeholder,
    prompt: options.prompt,
    ignoreFocusOut: true,
    password: options.password ?? false,
  });
  if (position.step > 1) input.buttons = [vscode.QuickInputButtons.Back];
  input.validationMessage = options.value ? options.validate(options.value) : undefined;
  input.show();
  const disposables: vscode.Disposable[] = [];
  try {
    return await new Promise<string | Back | undefined>((resolve) => {
      disposables.push(
        input.onDidTriggerButton((button) => button === vscode.QuickInputButtons.Back && resolve(BACK)),
        input.onDidChangeValue((text) => (input.validationMessage = options.validate(text))),
        input.onDidAccept(() => {
          const problem = options.validate(input.value);
          input.validationMessage = problem;
          if (!problem) resolve(input.value);
        }),
        input.onDidHide(() => resolve(undefined)),
      );
    });
  } finally {
    for (const d of disposables) d.dispose();
    input.dispose();
  }
}
