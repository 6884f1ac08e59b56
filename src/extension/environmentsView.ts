import * as vscode from 'vscode';
import { isTerminal } from '../operations/record';
import type { EnvironmentSummary } from '../platform/environment';
import type { PowerAgentHost } from './host';

type Node = { kind: 'environment'; env: EnvironmentSummary } | { kind: 'solution'; name: string; version: string; managed: boolean } | { kind: 'message'; text: string };

/** The Environments view: environments with type, region and state; their solutions as children. */
export class EnvironmentsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<Node>;
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

  async getChildren(node?: Node): Promise<Node[]> {
    if (node?.kind === 'environment') return this.solutions(node.env);
    if (node) return [];
    const listed = await this.host.listEnvironments();
    if ('error' in listed) return [{ kind: 'message', text: listed.error.split('\n')[0]! }];
    const { environments } = listed;
    this.view.description = this.host.settings.sandbox ? 'sandbox' : undefined;
    return environments.map((env) => ({ kind: 'environment', env }));
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text);
      item.iconPath = new vscode.ThemeIcon('warning');
      item.tooltip = node.text;
      return item;
    }
    if (node.kind === 'solution') {
      const item = new vscode.TreeItem(node.name);
      item.description = `${node.version}${node.managed ? ' · managed' : ''}`;
      item.iconPath = new vscode.ThemeIcon('package');
      item.contextValue = 'solution';
      return item;
    }
    const env = node.env;
    const item = new vscode.TreeItem(env.displayName, env.hasDataverse ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    item.id = env.id;
    item.description = `${env.type} · ${env.region} · ${env.state}${env.id === this.host.settings.defaultEnvironment || env.displayName === this.host.settings.defaultEnvironment ? ' · default' : ''}`;
    item.tooltip = new vscode.MarkdownString([`**${env.displayName}**`, `Id: ${env.id}`, `Type: ${env.type}`, `Region: ${env.region}${env.azureRegion ? ` (${env.azureRegion})` : ''}`, `State: ${env.state}`, env.url ? `Dataverse: ${env.url} (${env.version})` : 'No Dataverse database'].join('  \n'));
    item.iconPath = new vscode.ThemeIcon(env.type === 'Production' || env.isDefault ? 'server-environment' : 'beaker');
    item.contextValue = env.hasDataverse ? 'environment.dataverse' : 'environment';
    return item;
  }

  private async solutions(env: EnvironmentSummary): Promise<Node[]> {
    if (!env.url) return [];
    try {
      const services = await (await this.host.runtime()).services();
      const body = await services.dataverse(env.url).get<{ value: Array<{ uniquename: string; version: string; ismanaged: boolean }> }>(
        'solutions?$select=uniquename,friendlyname,version,ismanaged&$filter=isvisible eq true',
        AbortSignal.timeout(60_000),
      );
      return body.value.map((s) => ({ kind: 'solution', name: s.uniquename, version: s.version, managed: s.ismanaged }));
    } catch (error) {
      return [{ kind: 'message', text: `Solutions could not be read: ${(error as Error).message.split('\n')[0]}` }];
    }
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
    this.view.dispose();
    this.changed.dispose();
  }
}
