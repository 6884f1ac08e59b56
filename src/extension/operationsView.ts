import * as vscode from 'vscode';
import { isTerminal, type OperationRecord } from '../operations/record';
import type { PowerAgentHost } from './host';
import { OPERATION_FILTERS, operationItemView, visibleOperations, type OperationFilter } from './operationItem';

const CLEARED_KEY = 'powerAgent.operations.clearedBefore';

/**
 * The Operations view: every operation the runtime knows (this window's, and those kept on disk from
 * earlier sessions), newest first. Running ones spin; the view refreshes at each change and every
 * second while something runs, for the elapsed time, and its badge counts what is running.
 */
export class OperationsView implements vscode.TreeDataProvider<OperationRecord>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly view: vscode.TreeView<OperationRecord>;
  private records: OperationRecord[] = [];
  private past = new Set<string>();
  private filter: OperationFilter = 'all';
  private waiting: (id: string) => number = () => 0;
  /** Set by operation changes; the once-a-second tick only redraws elapsed times from what was read. */
  private stale = true;
  private readonly subscriptions: vscode.Disposable[] = [];
  private ticker?: NodeJS.Timeout;
  private pending?: NodeJS.Timeout;

  constructor(
    private readonly host: PowerAgentHost,
    private readonly state: vscode.Memento,
  ) {
    this.view = vscode.window.createTreeView('powerAgent.operations', { treeDataProvider: this });
    this.subscriptions.push(
      this.view,
      this.changed,
      host.onDidChangeOperation(() => this.refreshSoon()),
      host.onDidRestart(() => this.refreshSoon()),
    );
    this.refreshSoon();
  }

  async getChildren(element?: OperationRecord): Promise<OperationRecord[]> {
    if (element) return [];
    if (this.stale) {
      this.stale = false;
      const { operations } = await this.host.runtime();
      const past = this.host.pastOperations();
      this.past = new Set(past.map((r) => r.id));
      this.records = visibleOperations([...operations.list(), ...past], this.filter, this.state.get<string>(CLEARED_KEY));
      this.waiting = (id) => operations.waiting(id);
    }
    const running = this.records.filter((r) => !isTerminal(r.state) && !this.past.has(r.id)).length;
    this.view.badge = running ? { value: running, tooltip: `${running} operation(s) running` } : undefined;
    this.tick(running > 0);
    return this.records;
  }

  getTreeItem(record: OperationRecord): vscode.TreeItem {
    const past = this.past.has(record.id);
    const view = operationItemView(record, Date.now(), past ? 0 : this.waiting(record.id), past);
    const item = new vscode.TreeItem(view.label, vscode.TreeItemCollapsibleState.None);
    item.id = record.id;
    item.description = view.description;
    item.tooltip = new vscode.MarkdownString(view.tooltip);
    item.iconPath = new vscode.ThemeIcon(view.icon, view.color ? new vscode.ThemeColor(view.color) : undefined);
    item.contextValue = view.contextValue;
    item.command = { command: 'powerAgent.operation.open', title: 'Open Result', arguments: [record] };
    return item;
  }

  /** Shows only the operations of one kind of state; the view's description says which. */
  async chooseFilter(): Promise<void> {
    const items = (Object.entries(OPERATION_FILTERS) as Array<[OperationFilter, string]>).map(([value, label]) => ({
      label,
      value,
      picked: value === this.filter,
    }));
    const picked = await vscode.window.showQuickPick(items, { title: 'Show operations', placeHolder: 'Which operations to show' });
    if (!picked) return;
    this.filter = picked.value;
    this.view.description = picked.value === 'all' ? undefined : picked.label;
    this.refreshSoon();
  }

  /** Hides the operations that have ended (they stay in pp_list_operations); running ones stay. */
  async clearFinished(): Promise<void> {
    await this.state.update(CLEARED_KEY, new Date().toISOString());
    this.refreshSoon();
  }

  /** Coalesces bursts of changes into one refresh. */
  refreshSoon(): void {
    this.stale = true;
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      this.changed.fire();
    }, 250);
  }

  private tick(running: boolean): void {
    if (running && !this.ticker) this.ticker = setInterval(() => this.changed.fire(), 1000);
    if (!running && this.ticker) {
      clearInterval(this.ticker);
      this.ticker = undefined;
    }
  }

  dispose(): void {
    if (this.ticker) clearInterval(this.ticker);
    if (this.pending) clearTimeout(this.pending);
    for (const s of this.subscriptions) s.dispose();
  }
}
