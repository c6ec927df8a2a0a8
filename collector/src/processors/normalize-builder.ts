import type { Attributes, AttrValue } from '../model.js';

/**
 * Builds the normalized attribute map from a copy of the span's attributes. Foreign keys are never
 * removed (we never drop data); canonical keys are added only when the span does not carry them
 * already, so what an up-to-date emitter said always wins over what we derive.
 */
export class AttrBuilder {
  readonly out: Attributes;
  /** The source's keys, listed once (scans for flattened keys run several times per span). */
  readonly srcKeys: readonly string[];
  readonly mapped: string[] = [];
  /** Set by a source mapper that knows better than the operation name (e.g. Vercel wrapper spans). */
  countsUsage: boolean | undefined;
  /** A new span name, when the source's name does not follow `{operation} {model}`. */
  name: string | undefined;

  constructor(src: Attributes) {
    // A null-prototype copy: normalizers probe many absent keys, and a miss on a plain object with
    // dotted keys walks the prototype chain slowly (10x in a micro-benchmark). `result()` returns a
    // plain object again.
    this.out = Object.assign(Object.create(null) as Attributes, src);
    this.srcKeys = Object.keys(src);
  }

  /** The built attributes as a plain object. */
  result(): Attributes {
    return { ...this.out };
  }

  has(key: string): boolean {
    const v = this.out[key];
    return v !== undefined && v !== null && v !== '';
  }

  get(key: string): AttrValue | undefined {
    return this.out[key];
  }

  /** Sets a canonical key unless it is already there. `undefined`/`null`/NaN values are ignored. */
  set(key: string, value: AttrValue | undefined): void {
    if (value === undefined || value === null || (typeof value === 'number' && Number.isNaN(value))) return;
    if (this.has(key)) return;
    this.out[key] = value;
    this._mark(key);
  }

  /** Overwrites a key (used only to put a value we own into canonical form, e.g. JSON strings). */
  replace(key: string, value: AttrValue): void {
    if (this.out[key] === value) return;
    this.out[key] = value;
    this._mark(key);
  }

  private _mark(key: string): void {
    if (!this.mapped.includes(key)) this.mapped.push(key);
  }
}

/** A number from a number or numeric string; undefined otherwise. */
export function num(v: AttrValue | undefined): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** An integer (truncated) from a number or numeric string. */
export function int(v: AttrValue | undefined): number | undefined {
  const n = num(v);
  return n === undefined ? undefined : Math.trunc(n);
}

export function strAttr(v: AttrValue | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}
