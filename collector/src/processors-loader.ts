import type { SpanProcessor } from './component.js';
import type { LogRecordRecord, SpanRecord } from './model.js';
import {
  COST_CONFIG_SCHEMA,
  type CostConfig,
  CostProcessor,
  PRICE_TABLE_VERSION,
} from './processors/cost.js';
import { type GuardrailScanConfig, GuardrailScanProcessor } from './processors/guardrails.js';
import { foldLegacyEvents } from './processors/legacy-events.js';
import { NormalizeProcessor, normalizeSpan } from './processors/normalize.js';

/** One folded legacy-event result: messages rebuilt for a span from ≤v1.36 per-message events. */
export interface FoldedMessages {
  traceId: string;
  spanId: string;
  systemInstructions?: string;
  inputMessages?: string;
  outputMessages?: string;
}

/** The enrichment processors, in pipeline order, and the pieces the CLI and the store use. */
export interface EnrichmentModules {
  normalize: SpanProcessor;
  cost: SpanProcessor;
  /** Undefined when collector-side guardrail scans are disabled. */
  guardrails?: GuardrailScanProcessor;
  costConfigSchema: object;
  priceTableVersion: string;
  foldLegacyEvents: (logs: LogRecordRecord[]) => FoldedMessages[];
  normalizeSpan: (span: SpanRecord) => SpanRecord;
  createCostProcessor: (config: unknown) => SpanProcessor;
}

/**
 * Builds the enrichment processors: normalize → cost → guardrail scan. Throws (at start-up) when the
 * guardrail policy cannot be loaded, with every error in the policy file.
 */
export function loadEnrichmentModules(
  costConfig?: unknown,
  guardrails: GuardrailScanConfig = {},
): EnrichmentModules {
  const scan = guardrails.enabled !== false;
  return {
    // The guardrail scan takes the messages normalize parsed instead of parsing them again.
    normalize: new NormalizeProcessor({ shareParsed: scan }),
    cost: new CostProcessor(costConfig as CostConfig | undefined),
    ...(scan ? { guardrails: new GuardrailScanProcessor(guardrails) } : {}),
    costConfigSchema: COST_CONFIG_SCHEMA,
    priceTableVersion: PRICE_TABLE_VERSION,
    foldLegacyEvents,
    normalizeSpan,
    createCostProcessor: (c: unknown) => new CostProcessor(c as CostConfig | undefined),
  };
}

/** The cost config schema, for validation before the processors are built. */
export function loadCostConfigSchema(): object {
  return COST_CONFIG_SCHEMA;
}
