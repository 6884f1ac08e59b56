/**
 * Fault injection for the sandbox: makes chosen routes fail the way the real services do, so retries,
 * Retry-After handling and error reporting are tested against real HTTP.
 */
/**
 * `reset` drops the connection before the request is handled; `lost` handles it (the change happens)
 * and then drops the connection, so the client never learns the outcome. `forbidden` refuses it as a
 * caller without the privilege it needs.
 */
const FAULT_KINDS = ['throttle', 'unavailable', 'reset', 'lost', 'slow', 'forbidden'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  kind: FaultKind;
  /** Only requests whose path contains this text (or matches it as a regular expression between slashes). */
  path?: string;
  method?: string;
  /** Apply to the next N matching requests, then stop. */
  times?: number;
  /** Apply to this share of matching requests (0..1), from a seeded sequence so runs repeat. */
  rate?: number;
  /** Retry-After seconds sent with throttle and unavailable faults (omitted when undefined). */
  retryAfterSeconds?: number;
  /**
   * Extra latency for slow faults (5 s unless given; 0 lets the first `times` requests through as
   * they are, before a later rule); for the others, how long before the fault is answered.
   */
  delayMs?: number;
}

export class FaultInjector {
  private rules: Array<FaultRule & { used: number }> = [];
  private seed: number;
  /** Every fault applied, in order, as the request arrived (before it is handled). */
  readonly applied: Array<{ kind: FaultKind; method: string; path: string }> = [];

  constructor(rules: FaultRule[] = [], seed = 42) {
    this.seed = seed;
    for (const rule of rules) this.add(rule);
  }

  add(rule: FaultRule): void {
    if (!FAULT_KINDS.includes(rule.kind)) throw new Error(`unknown fault kind "${rule.kind}"`);
    this.rules.push({ ...rule, used: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault to apply to this request, if any. */
  pick(method: string, path: string): FaultRule | undefined {
    for (const rule of this.rules) {
      if (rule.method && rule.method.toUpperCase() !== method) continue;
      if (rule.path && !pathMatches(rule.path, path)) continue;
      if (rule.times !== undefined && rule.used >= rule.times) continue;
      if (rule.rate !== undefined && this.next() >= rule.rate) continue;
      rule.used++;
      this.applied.push({ kind: rule.kind, method, path });
      return rule;
    }
    return undefined;
  }

  /** Parses POWERAGENT_SANDBOX_FAULTS (a JSON array of rules). */
  static fromJson(text: string | undefined): FaultRule[] {
    if (!text) return [];
    const rules = JSON.parse(text);
    if (!Array.isArray(rules)) throw new Error('POWERAGENT_SANDBOX_FAULTS must be a JSON array of fault rules');
    return rules as FaultRule[];
  }

  /** A small deterministic generator (mulberry32). */
  private next(): number {
    let t = (this.seed = (this.seed + 0x6d2b79f5) | 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

function pathMatches(pattern: string, path: string): boolean {
  if (pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/')) return new RegExp(pattern.slice(1, -1)).test(path);
  return path.includes(pattern);
}
