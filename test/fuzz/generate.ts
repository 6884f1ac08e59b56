/**
 * Seeded, schema-aware arguments for the fuzz test: values that fit a tool's JSON Schema, values at and
 * beyond its limits, and adversarial ones (paths that leave the allowed folders, pipes, links, hostile
 * URLs, injection strings, wrong types). The same seed gives the same sequence of calls.
 */

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean | Schema;
  propertyNames?: Schema;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  default?: unknown;
};

/** mulberry32: small, fast and good enough to pick test inputs; the seed replays a run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Pools {
  /** Paths inside the work folder worth trying: real inputs, folders, pipes, links out, long names. */
  paths: string[];
  /** Environment references: names, ids, the sandbox's org URLs and hostile URLs. */
  environments: string[];
  /** Other strings: solution names, injections, odd characters. */
  strings: string[];
}

export class ArgumentGenerator {
  constructor(
    private readonly random: () => number,
    private readonly pools: Pools,
  ) {}

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  /**
   * Arguments for one call: a working set of arguments as it is (a tenth of the time) or with one or two
   * fields changed, a fresh schema-driven set, or a set broken on purpose (wrong types, unknown keys, huge values).
   */
  argumentsFor(schema: Schema, base: Record<string, unknown>): Record<string, unknown> {
    const roll = this.random();
    if (roll < 0.1) return { ...base };
    if (roll < 0.55) {
      const args = { ...base };
      const names = Object.keys(schema.properties ?? {});
      for (let i = this.int(1, 2); i > 0 && names.length; i--) {
        const name = this.pick(names);
        args[name] = this.valueFor(name, schema.properties![name]!);
      }
      return args;
    }
    if (roll < 0.8) return this.objectFor(schema);
    return this.broken(schema, base);
  }

  private objectFor(schema: Schema): Record<string, unknown> {
    const args: Record<string, unknown> = {};
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      if (schema.required?.includes(name) ? this.chance(0.9) : this.chance(0.5)) args[name] = this.valueFor(name, property);
    }
    return args;
  }

  private broken(schema: Schema, base: Record<string, unknown>): Record<string, unknown> {
    const names = Object.keys(schema.properties ?? {});
    const args = { ...base };
    switch (this.int(0, 4)) {
      case 0:
        args[`unknown_${this.int(0, 99)}`] = this.pick([1, 'x', null, {}]);
        return args;
      case 1:
        if (names.length) args[this.pick(names)] = this.wrongType();
        return args;
      case 2:
        if (names.length) args[this.pick(names)] = this.pick(['x'.repeat(100_000), '\u202e'.repeat(5000), '../'.repeat(2000)]);
        return args;
      case 3:
        return {};
      default:
        if (names.length) args[this.pick(names)] = this.nested(8);
        return args;
    }
  }

  private wrongType(): unknown {
    return this.pick([null, 0, -1, 1e308, true, false, [], [1, 'a'], {}, { a: { b: 1 } }, '', '0', 'true', 'null']);
  }

  private nested(depth: number): unknown {
    return depth ? { [this.pick(['a', '__proto__', 'constructor', 'prototype'])]: this.nested(depth - 1), list: [depth] } : 'leaf';
  }

  valueFor(name: string, schema: Schema): unknown {
    if (this.chance(0.08)) return this.wrongType();
    if (schema.anyOf || schema.oneOf) return this.valueFor(name, this.pick((schema.anyOf ?? schema.oneOf)!));
    if (schema.enum)
      return this.chance(0.85) ? this.pick(schema.enum) : this.pick(['', 'unknown', String(schema.enum[0]).toUpperCase(), 0]);
    if (schema.const !== undefined) return schema.const;
    const type = Array.isArray(schema.type) ? this.pick(schema.type) : schema.type;
    switch (type) {
      case 'string':
        return this.stringFor(name, schema);
      case 'integer':
      case 'number':
        return this.numberFor(name, schema, type === 'integer');
      case 'boolean':
        return this.chance(0.9) ? this.chance(0.5) : this.pick(['true', 1, 0]);
      case 'array':
        return this.arrayFor(name, schema);
      case 'object':
        return this.objectValue(schema);
      case 'null':
        return null;
      default:
        return this.wrongType();
    }
  }

  private stringFor(name: string, schema: Schema): string {
    const lower = name.toLowerCase();
    if (/file|folder|solution$|path/.test(lower) && this.chance(0.8)) return this.pick(this.pools.paths);
    if (/environment|catalog|source/.test(lower) && this.chance(0.85)) return this.pick(this.pools.environments);
    if (schema.pattern === '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' && this.chance(0.8)) return this.guid();
    if (schema.pattern?.startsWith('^\\d+') && this.chance(0.8))
      return Array.from({ length: this.int(2, 4) }, () => this.int(0, 99999)).join('.');
    if (/time|date/.test(lower) && this.chance(0.7))
      return this.pick([
        new Date(Date.now() - this.int(0, 10) * 86_400_000).toISOString(),
        '2099-01-01T00:00:00Z',
        'yesterday',
        '2024-02-30T25:61:00+99:00',
      ]);
    if (this.chance(0.6)) return this.pick(this.pools.strings);
    const min = schema.minLength ?? 0;
    const max = Math.min(schema.maxLength ?? 40, 300);
    const length = this.pick([min, max, Math.max(min - 1, 0), max + 1, this.int(min, max)]);
    return Array.from({ length }, () => this.pick(ALPHABET)).join('');
  }

  private numberFor(name: string, schema: Schema, integer: boolean): number | string {
    if (name === 'waitSeconds') return this.pick([0, 0, 0, 0, 1, 2, -1, 601, 1.5]);
    const min = schema.minimum ?? -1000;
    const max = Math.min(schema.maximum ?? 100_000, 1_000_000);
    const value = this.pick([min, max, min - 1, max + 1, this.int(Math.ceil(min), Math.floor(max)), 0, -0, Number.MAX_SAFE_INTEGER]);
    return !integer || this.chance(0.9) ? value : value + 0.5;
  }

  private arrayFor(name: string, schema: Schema): unknown[] {
    const max = Math.min(schema.maxItems ?? 5, 120);
    const length = this.pick([0, 1, 2, this.int(0, Math.min(max, 5)), max + 1]);
    return Array.from({ length }, () => (schema.items ? this.valueFor(name, schema.items) : this.wrongType()));
  }

  private objectValue(schema: Schema): Record<string, unknown> {
    if (schema.properties) return this.objectFor(schema);
    const value: Record<string, unknown> = {};
    const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : { type: 'string' };
    for (let i = this.int(0, 3); i > 0; i--) {
      const key = this.pick([
        'isauditenabled',
        'maxuploadfilesize',
        'region',
        'a=b',
        'x|y',
        '',
        '__proto__',
        'contoso_ApiKey',
        'm365pnp_SiteUrl',
        'shared_sharepointonline',
      ]);
      value[key] = this.valueFor(key, additional);
    }
    return value;
  }

  private guid(): string {
    const hex = () => this.int(0, 15).toString(16);
    const part = (n: number) => Array.from({ length: n }, hex).join('');
    return `${part(8)}-${part(4)}-4${part(3)}-8${part(3)}-${part(12)}`;
  }
}

const ALPHABET = [...'abcXYZ019 _-./\\:*?"<>|%$&;\'`{}[]()~#@!', '\u0000', '\u00e9', '\u4e2d', '\ud83d\ude00', '\u202e', '\n', '\t'];
