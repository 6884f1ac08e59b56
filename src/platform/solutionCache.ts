import type { DataverseClient } from './dataverse';
import { tablesOf } from './dataverseTables';
import type { SolutionRow } from './dataverseTables/solutions';

interface KeptList {
  rows: SolutionRow[];
  readAt: number;
  environmentId?: string;
}

/**
 * The solutions of each org (hidden ones included) as last read, kept for a short time so that tools
 * naming a solution need not query for it each time. Our own imports, deletes, upgrades and version
 * changes drop the org's list; a name the kept list does not hold is looked for again in a fresh one.
 */
export class SolutionCache {
  private readonly orgs = new Map<string, KeptList>();
  /** Grows with every drop, so that a list read before a drop is not kept. */
  private version = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Every solution of the org, read now; the list is kept. */
  async refresh(dataverse: DataverseClient, environmentId: string | null, signal?: AbortSignal): Promise<SolutionRow[]> {
    const version = this.version;
    const readAt = this.now();
    const rows = await tablesOf(dataverse).solutions.list({ includeHidden: true }, signal);
    if (this.version === version) this.orgs.set(key(dataverse), { rows, readAt, environmentId: environmentId?.toLowerCase() });
    return rows;
  }

  /** The solution with this unique name, from the kept list while it is younger than `maxAgeMs`, else from a fresh one. */
  async find(
    dataverse: DataverseClient,
    environmentId: string | null,
    uniqueName: string,
    maxAgeMs: number,
    signal?: AbortSignal,
  ): Promise<{ row?: SolutionRow; rows: SolutionRow[] }> {
    const name = uniqueName.toLowerCase();
    const kept = this.orgs.get(key(dataverse));
    if (kept && this.now() - kept.readAt < maxAgeMs) {
      const row = kept.rows.find((s) => s.uniquename.toLowerCase() === name);
      if (row) return { row, rows: kept.rows };
    }
    const rows = await this.refresh(dataverse, environmentId, signal);
    return { row: rows.find((s) => s.uniquename.toLowerCase() === name), rows };
  }

  /** Drops the kept list of one org, by its URL or its environment id; with neither, of every org. */
  drop(where: { url?: string; environmentId?: string } = {}): void {
    this.version++;
    if (!where.url && !where.environmentId) return this.orgs.clear();
    const url = where.url && orgKey(where.url);
    const id = where.environmentId?.toLowerCase();
    for (const [org, kept] of this.orgs) {
      if (org === url || (id && kept.environmentId === id)) this.orgs.delete(org);
    }
  }
}

function key(dataverse: DataverseClient): string {
  return orgKey(dataverse.resource);
}

function orgKey(url: string): string {
  return url.trim().replace(/\/+$/, '').toLowerCase();
}
