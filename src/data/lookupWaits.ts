import type { PendingBind } from './lookups';

/** A record whose lookups wait for other records of the file: it is sent once they and the record itself are. */
export interface WaitingLookups {
  table: string;
  ordinal: number;
  id: string;
  binds: PendingBind[];
}

/** A waiting record now ready, with the writes of the batches it waited for. */
export interface ReadyLookups {
  item: WaitingLookups;
  written: Array<Promise<void>>;
}

interface Entry {
  item: WaitingLookups;
  left: number;
  written: Array<Promise<void>>;
}

/**
 * Lookups that point at records later in the file, held until the batches of those records and of
 * the record itself are sent, so they can be set while the file is still being read rather than in
 * a pass of their own after it. What never becomes ready (a target outside the file, a record not
 * sent) is simply left to the lookups pass, which skips what was done here. At most `limit` records
 * are held over one import, so memory stays bounded however large the file is.
 */
export class LookupWaits {
  /** Record id → the record (most often only one) waiting for it to be sent. */
  private readonly waiting = new Map<string, Entry | Entry[]>();
  private held = 0;

  constructor(private readonly limit: number) {}

  add(item: WaitingLookups): void {
    if (this.held >= this.limit) return;
    this.held++;
    const entry: Entry = { item, left: 0, written: [] };
    this.waitFor(item.id, entry);
    for (const bind of item.binds) this.waitFor(bind.id, entry);
  }

  private waitFor(id: string, entry: Entry): void {
    const waiting = this.waiting.get(id);
    if (!waiting) this.waiting.set(id, entry);
    // Entries are added one record at a time: an id named twice by a record has that record last.
    else if (waiting === entry || (Array.isArray(waiting) && waiting[waiting.length - 1] === entry)) return;
    else if (Array.isArray(waiting)) waiting.push(entry);
    else this.waiting.set(id, [waiting, entry]);
    entry.left++;
  }

  /** A batch of these records was sent, to be written by `written`: the waiting records that no longer wait for anything. */
  sent(records: Array<{ id: string }>, written: Promise<void>): ReadyLookups[] {
    const ready: ReadyLookups[] = [];
    if (!this.waiting.size) return ready;
    const release = (entry: Entry) => {
      if (entry.written[entry.written.length - 1] !== written) entry.written.push(written);
      if (--entry.left === 0) ready.push({ item: entry.item, written: entry.written });
    };
    for (const { id } of records) {
      const waiting = this.waiting.get(id);
      if (!waiting) continue;
      this.waiting.delete(id);
      if (Array.isArray(waiting)) waiting.forEach(release);
      else release(waiting);
    }
    return ready;
  }
}
