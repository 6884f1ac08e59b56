import * as vscode from 'vscode';
import { healthNodes, type HealthNode } from './healthNodes';
import type { PowerAgentHost } from './host';

/** How often the view reads the figures again while it is visible (memory and uptime move without calls). */
const REFRESH_MS = 5_000;

/**
 * The Server Health view: the server's own figures against the guide's thresholds (as pp_server_status
 * reports them), refreshed after each tool call and every few seconds while the view is visible.
 */
export class HealthView implements vscode.TreeDataProvider<HealthNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<HealthNode>;
  private readonly subscriptions: vscode.Disposable[];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly host: PowerAgentHost) {
    this.view = vscode.window.createTreeView('powerAgent.health', { treeDataProvider: this });
    const refresh = () => this.changed.fire();
    this.subscriptions = [
      this.view,
      this.changed,
      host.onDidCallTool(refresh),
      host.onDidChangeOperation(refresh),
      host.onDidRestart(refresh),
    ];
    this.timer = setInterval(() => {
      if (this.view.visible) refresh();
    }, REFRESH_MS);
  }

  getChildren(element?: HealthNode): HealthNode[] {
    return element ? (element.children ?? []) : healthNodes(this.host.serverStatus());
  }

  getTreeItem(node: HealthNode): vscode.TreeItem {
    const state = node.children?.length ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(node.label, state);
    item.description = node.description;
    item.tooltip = node.tooltip ?? (node.description ? `${node.label}: ${node.description}` : undefined);
    if (node.icon) item.iconPath = new vscode.ThemeIcon(node.icon);
    return item;
  }

  dispose(): void {
    clearInterval(this.timer);
    for (const subscription of this.subscriptions) subscription.dispose();
  }
}
