import { diag } from '@opentelemetry/api';
import type { SpanProcessor } from './component.js';
import type { LogRecordRecord, SpanRecord } from './model.js';

/**
 * The enrichment processors (normalize, cost, legacy events) are written in parallel by another
 * engineer against a fixed contract (see docs/collector.md). They are loaded here at run time so the
 * pipeline builds and runs while they are absent; once present, they are always used. A missing
 * module is a warning (the span is stored without normalization or cost), never a crash.
 */

/** One folded legacy-event result: messages rebuilt for a span from ≤v1.36 per-message events. */
export interface FoldedMessages {
  traceId: string;
  spanId: string;
  systemInstructions?: string;
  inputMessages?: string;
  outputMessages?: string;
}

export interface EnrichmentModules {
  normalize?: SpanProcessor;
  cost?: SpanProcessor;
  costConfigSchema?: object;
  priceTableVersion?: string;
  foldLegacyEvents?: (logs: LogRecordRecord[]) => FoldedMessages[];
  normalizeSpan?: (span: SpanRecord) => SpanRecord;
  createCostProcessor?: (config: unknown) => SpanProcessor;
}

function tryRequire(id: string): Record<string, unknown> | undefined {
  try {
    return require(id) as Record<string, unknown>;
  } catch (err) {
    if (
      (err as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' &&
      String((err as Error).message).includes(id.slice(2))
    ) {
      diag.warn(`genai-ops collector: ${id} not available; continuing without it`);
      return undefined;
    }
    throw err;
  }
}

/** Loads the processors that exist. `cost` is built with the given cost config. */
export function loadEnrichmentModules(costConfig?: unknown): EnrichmentModules {
  const out: EnrichmentModules = {};
  const norm = tryRequire('./processors/normalize.js');
  if (norm && typeof norm.NormalizeProcessor === 'function') {
    const Ctor = norm.NormalizeProcessor as new () => SpanProcessor;
    out.normalize = new Ctor();
    if (typeof norm.normalizeSpan === 'function')
      out.normalizeSpan = norm.normalizeSpan as (s: SpanRecord) => SpanRecord;
  }
  const cost = tryRequire('./processors/cost.js');
  if (cost && typeof cost.CostProcessor === 'function') {
    const Ctor = cost.CostProcessor as new (c?: unknown) => SpanProcessor;
    out.createCostProcessor = (c: unknown) => new Ctor(c);
    out.cost = new Ctor(costConfig);
    if (cost.COST_CONFIG_SCHEMA && typeof cost.COST_CONFIG_SCHEMA === 'object')
      out.costConfigSchema = cost.COST_CONFIG_SCHEMA;
    if (typeof cost.PRICE_TABLE_VERSION === 'string') out.priceTableVersion = cost.PRICE_TABLE_VERSION;
  }
  const legacy = tryRequire('./processors/legacy-events.js');
  if (legacy && typeof legacy.foldLegacyEvents === 'function') {
    out.foldLegacyEvents = legacy.foldLegacyEvents as (l: LogRecordRecord[]) => FoldedMessages[];
  }
  return out;
}

/** Only the cost config schema, for validation before the processors are built. */
export function loadCostConfigSchema(): object | undefined {
  const cost = tryRequire('./processors/cost.js');
  const s = cost?.COST_CONFIG_SCHEMA;
  return s && typeof s === 'object' ? (s as object) : undefined;
}
