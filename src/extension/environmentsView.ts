import * as vscode from 'vscode';
import { isTerminal } from '../operations/record';
import type { EnvironmentSummary } from '../platform/environment';
import { matchesEnvironment } from './environmentChoices';
import type { PowerAgentHost } from './host';
import { environmentItemView, solutionItemView } from './itemViews';
import { resultText } from './present';
import type { EnvironmentsNode, SolutionSummary } from './treeNodes';

/**
 * The Environments view: environments with type, region and state; their solutions as children. When
 * nobody is signed in it stays empty, so VS Code shows its welcome view with Sign In and the sandbox.
 */
export class EnvironmentsView implements vscode.TreeDataProvider<EnvironmentsNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<EnvironmentsNode>;
  private readonly subscriptions: vscode.Disposable[];

  constructor(private readonly host: PowerAgentHost) {
    this.view = vscode.window.createTreeView('powerAgent.environments', { treeDataProvider: this, showCollapseAll: true });
    this.subscriptions = [
      host.onDidRestart(() => this.refresh()),
      // A create, delete, copy, reset or restore that ends changes what the list shows.
      host.onDidChangeOperation((record) => {
        if (isTerminal(record.state) && record.kind !== 'backup_environment') this.refresh();
      }),
    ];
  }

  refresh(): void {
    this.changed.fire();
  }

  async getChildren(node?: EnvironmentsNode): Promise<EnvironmentsNode[]> {
    if (node?.kind === 'environment') return this.solutions(node.env);
    if (node) return [];
    const listing = await this.host.listEnvironments();
    this.view.description = this.host.settings.sandbox ? 'sandbox' : undefined;
    if ('notSignedIn' in listing) return [];
    if ('error' in listing) {
      return [
        {
          kind: 'message',
          text: 'The environments could not be listed. Hover for why; click to try again.',
          tooltip: listing.error,
          command: 'powerAgent.refreshEnvironments',
        },
      ];
    }
    return listing.environments.map((env) => ({ kind: 'environment', env }));
  }

  getTreeItem(node: EnvironmentsNode): vscode.TreeItem {
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text);
      item.iconPath = new vscode.ThemeIcon('warning');
      item.tooltip = node.tooltip ?? node.text;
      if (node.command) item.command = { command: node.command, title: 'Try Again' };
      return item;
    }
    const cloud = this.host.settings.cloud;
    const view =
      node.kind === 'solution'
        ? solutionItemView(node.solution)
        : environmentItemView(node.env, matchesEnvironment(node.env, this.host.settings.defaultEnvironment), cloud);
    const collapsible =
      node.kind === 'environment' && node.env.hasDataverse
        ? vscode.TreeItemCollapsibleState.Collapsed
        : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(view.label, collapsible);
    item.id = node.kind === 'solution' ? `${node.env.id}/${node.solution.id}` : node.env.id;
    item.description = view.description;
    item.tooltip = new vscode.MarkdownString(view.tooltip);
    item.iconPath = new vscode.ThemeIcon(view.icon);
    item.contextValue = view.contextValue;
    return item;
  }

  private async solutions(env: EnvironmentSummary): Promise<EnvironmentsNode[]> {
    if (!env.url) return [];
    const result = await this.host.callTool(
      'pp_list_solutions',
      { environment: env.id, limit: 1000 },
      { signal: AbortSignal.timeout(60_000) },
      'view',
    );
    if (result.isError) return [{ kind: 'message', text: 'The solutions could not be read. Hover for why.', tooltip: resultText(result) }];
    const { solutions } = result.structuredContent as { solutions: SolutionSummary[] };
    return solutions.map((solution) => ({ kind: 'solution', env, solution }));
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.view.dispose();
    this.changed.dispose();
  }
}
