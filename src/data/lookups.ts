import type { DataverseClient } from '../platform/dataverse';
import { PlatformError } from '../platform/errors';
import { mapLimited } from '../solutions/parallel';
import type { TablePlan } from './importPlan';
import { tableKeys } from './tableMetadata';

/** A lookup value of the file, waiting for its target to be written (or found in the environment). */
export interface PendingBind {
  field: string;
  id: string;
  /** The target table the file names (lookupentity); absent in some files. */
  entity?: string;
  /** The target's primary name (lookupentityname), to find it by name when its id is not here. */
  name?: string;
}

/** One party of a party list: the party (a lookup), or only the address it was reached at. */
export interface PendingParty {
  activitypartyid: string;
  mask: number;
  party?: PendingBind;
  addressused?: string;
}

export interface BindOutcome {
  body: Record<string, unknown>;
  set: number;
  /** Values not set, each with why. */
  unresolved: Array<{ field: string; why: string }>;
}

/** `<navigation>@odata.bind` for each navigation property: one string each, not one per lookup set. */
const bindProperties = new Map<string, string>();

function bindProperty(navigation: string): string {
  let property = bindProperties.get(navigation);
  if (property === undefined) {
    property = `${navigation}@odata.bind`;
    if (bindProperties.size < 10_000) bindProperties.set(navigation, property);
  }
  return property;
}

type Keys = { entitySet: string | null; primaryId: string; primaryName: string | null };

/**
 * Finds the records lookups point at: in the file (by id, with the table the record is really in),
 * or already in the environment, by id and else by primary name, as the Configuration Migration
 * tool does. What is found nowhere is reported, never bound to a guess.
 */
export class LookupResolver {
  private readonly keys = new Map<string, Keys | null>();
  /** `table|id` of records outside the file → their id in the environment, or null when not found. */
  private readonly outside = new Map<string, string | null>();
  requests = 0;

  constructor(
    private readonly plans: Map<string, TablePlan>,
    /** Record id → its table, for every record of the file. */
    private readonly inFile: Map<string, string>,
    private readonly failedIds: Set<string>,
  ) {
    for (const plan of plans.values())
      this.keys.set(plan.meta.logicalName, {
        entitySet: plan.meta.entitySet,
        primaryId: plan.meta.primaryId,
        primaryName: plan.meta.primaryName,
      });
  }

  /** Looks up, in a few requests, the records outside the file that lookups and links point at. */
  async resolve(
    dv: DataverseClient,
    references: Iterable<{ table: string; id: string; name?: string }>,
    parallelism: number,
    signal: AbortSignal,
  ): Promise<void> {
    const wanted = new Map<string, { table: string; id: string; name?: string }>();
    for (const ref of references) {
      if (this.inFile.has(ref.id)) continue;
      const key = `${ref.table}|${ref.id}`;
      if (!wanted.has(key) || (!wanted.get(key)!.name && ref.name)) wanted.set(key, ref);
    }
    const unknownTables = [...new Set([...wanted.values()].map((r) => r.table))].filter((t) => t && !this.keys.has(t));
    if (unknownTables.length) {
      const found = await tableKeys(dv, unknownTables, signal);
      this.requests += Math.ceil(unknownTables.length / 20);
      for (const t of unknownTables) this.keys.set(t, found.get(t) ?? null);
    }
    await mapLimited([...wanted.values()], parallelism, async (ref) => {
      const keys = this.keys.get(ref.table);
      this.outside.set(`${ref.table}|${ref.id}`, keys?.entitySet ? await this.find(dv, keys, ref, signal) : null);
    });
  }

  private async find(dv: DataverseClient, keys: Keys, ref: { id: string; name?: string }, signal: AbortSignal): Promise<string | null> {
    try {
      this.requests++;
      await dv.get(`${keys.entitySet}(${ref.id})?$select=${keys.primaryId}`, signal);
      return ref.id;
    } catch (error) {
      if (!(error instanceof PlatformError) || error.status !== 404) throw error;
    }
    if (!ref.name || !keys.primaryName) return null;
    this.requests++;
    const byName = await dv.get<{ value: Array<Record<string, string>> }>(
      `${keys.entitySet}?$select=${keys.primaryId}&$filter=${encodeURIComponent(`${keys.primaryName} eq '${ref.name.replace(/'/g, "''")}'`)}&$top=2`,
      signal,
    );
    return byName.value.length === 1 ? String(byName.value[0]![keys.primaryId]).toLowerCase() : null;
  }

  /** The table a record is in (the file's, else the one the file names) and its id in the environment, or why there is none. */
  target(ref: PendingBind): { table: string; id: string; entitySet: string } | { why: string } {
    const inFile = this.inFile.get(ref.id);
    if (inFile) {
      if (this.failedIds.has(ref.id)) return { why: `points at ${inFile} ${ref.id}, which was not imported` };
      return { table: inFile, id: ref.id, entitySet: this.keys.get(inFile)!.entitySet! };
    }
    const table = ref.entity ?? '';
    if (!table) return { why: `names no table for ${ref.id} (no lookupentity) and the record is not in the file` };
    const keys = this.keys.get(table);
    if (keys === null) return { why: `points at a ${table} record, but this environment has no table ${table}` };
    if (keys && !keys.entitySet) return { why: `points at ${table}, which has no entity set in this environment's metadata` };
    const found = this.outside.get(`${table}|${ref.id}`);
    if (!found || !keys)
      return {
        why: `points at ${table} ${ref.id}${ref.name ? ` (${ref.name})` : ''}, which is neither in the file nor in this environment`,
      };
    return { table, id: found, entitySet: keys.entitySet! };
  }

  /** The lookup bindings (and party list) of one record for its second pass. */
  binds(plan: TablePlan, binds: readonly PendingBind[], parties: PendingParty[] | undefined): BindOutcome {
    const outcome: BindOutcome = { body: {}, set: 0, unresolved: [] };
    for (const bind of binds) {
      const target = this.target(bind);
      if ('why' in target) {
        outcome.unresolved.push({ field: bind.field, why: target.why });
        continue;
      }
      // A polymorphic lookup binds through the navigation property of the table the record is in.
      const candidates = plan.meta.lookups.get(bind.field) ?? [];
      const candidate = candidates.find((c) => c.target === target.table);
      if (!candidate) {
        outcome.unresolved.push({
          field: bind.field,
          why: `cannot point at a ${target.table} record in this environment (it points at ${candidates.map((c) => c.target).join(', ') || 'nothing'})`,
        });
        continue;
      }
      outcome.body[bindProperty(candidate.navigation)] = `/${target.entitySet}(${target.id})`;
      outcome.set++;
    }
    if (parties?.length) {
      const list: Array<Record<string, unknown>> = [];
      for (const party of parties) {
        const item: Record<string, unknown> = { participationtypemask: party.mask, activitypartyid: party.activitypartyid };
        if (party.addressused) item.addressused = party.addressused;
        const target = party.party ? this.target(party.party) : undefined;
        if (target && 'why' in target) {
          // A party that cannot be found is left out rather than kept as an unresolved address.
          outcome.unresolved.push({ field: party.party!.field, why: target.why });
          continue;
        }
        if (target) {
          item[`partyid_${target.table}@odata.bind`] = `/${target.entitySet}(${target.id})`;
          outcome.set++;
        }
        list.push(item);
      }
      outcome.body[`${plan.meta.logicalName}_activity_parties`] = list;
    }
    return outcome;
  }
}
