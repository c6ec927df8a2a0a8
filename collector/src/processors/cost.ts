/**
 * CostProcessor: USD cost per inference/embeddings span, from the bundled `@pydantic/genai-prices`
 * table (pinned; see PRICE_TABLE_VERSION), with user prices from config winning over the table.
 *
 * Token semantics follow the conventions (GUIDE.md §2.1): `input_tokens` INCLUDES cache reads and
 * writes, and `output_tokens` INCLUDES reasoning tokens. genai-prices uses the same partition
 * (its README: "input_tokens is the total number of input tokens"), so cached tokens are never charged twice.
 */
import {
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_OPENAI_REQUEST_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SERVICE_TIER,
  GEN_AI_PROVIDER_NAME_VALUES as P,
} from '@genai-ops/core';
import { diag } from '@opentelemetry/api';
import { calcPrice, type Provider } from '@pydantic/genai-prices';
import type { SpanProcessor } from '../component.js';
import type { Attributes, SpanEnrichment, SpanRecord } from '../model.js';
import { int, num, strAttr } from './normalize-builder.js';

/** The price table that prices spans: the bundled data of this exact package version. */
export const PRICE_TABLE_VERSION = '@pydantic/genai-prices@0.1.8';

/** A user price (USD per million tokens) for a custom, fine-tuned or missing model. */
export interface CostPriceConfig {
  /** `gen_ai.provider.name` the price applies to. Default: any provider. */
  provider?: string;
  /** Exact model name, or a glob with `*` (any run of characters) and `?` (one character). Case-insensitive. */
  model: string;
  inputPerMTok: number;
  outputPerMTok: number;
  /** Price of cache-read input tokens. Default: `inputPerMTok`. */
  cacheReadPerMTok?: number;
  /** Price of cache-write (creation) input tokens. Default: `inputPerMTok`. */
  cacheWritePerMTok?: number;
  /** Price of reasoning output tokens. Default: `outputPerMTok`. */
  reasoningPerMTok?: number;
}

/** Cost configuration (`cost` in the collector config). */
export interface CostConfig {
  /** Price overrides and additions; the first matching entry wins over the price table. Default: none. */
  prices?: CostPriceConfig[];
  /**
   * Multipliers applied to table prices when the provider reports a service tier
   * (`openai.response.service_tier`, else `openai.request.service_tier`). Default:
   * `{ flex: 0.5, batch: 0.5 }` (OpenAI's flex and batch tiers are half price; genai-prices only
   * lists standard-tier prices). Tiers without a multiplier (e.g. `priority`, whose premium differs by
   * model) are priced at the standard rate and say so in `cost.note`.
   */
  serviceTierMultipliers?: Record<string, number>;
}

const PRICE_ITEM_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['model', 'inputPerMTok', 'outputPerMTok'],
  properties: {
    provider: { type: 'string', minLength: 1 },
    model: { type: 'string', minLength: 1 },
    inputPerMTok: { type: 'number', minimum: 0 },
    outputPerMTok: { type: 'number', minimum: 0 },
    cacheReadPerMTok: { type: 'number', minimum: 0 },
    cacheWritePerMTok: { type: 'number', minimum: 0 },
    reasoningPerMTok: { type: 'number', minimum: 0 },
  },
} as const;

/** JSON Schema of `CostConfig`, for the collector's config validator. */
export const COST_CONFIG_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  properties: {
    prices: { type: 'array', items: PRICE_ITEM_SCHEMA },
    serviceTierMultipliers: { type: 'object', additionalProperties: { type: 'number', minimum: 0 } },
  },
} as const;

export const DEFAULT_SERVICE_TIER_MULTIPLIERS: Readonly<Record<string, number>> = { flex: 0.5, batch: 0.5 };

/** `gen_ai.provider.name` to genai-prices provider ids. */
const PROVIDER_IDS: Record<string, string> = {
  [P.OPENAI]: 'openai',
  [P.ANTHROPIC]: 'anthropic',
  [P.GCP_GEMINI]: 'google',
  [P.GCP_GEN_AI]: 'google',
  [P.GCP_VERTEX_AI]: 'google',
  [P.AWS_BEDROCK]: 'aws',
  [P.AZURE_AI_OPENAI]: 'azure',
  [P.AZURE_AI_INFERENCE]: 'azure',
  [P.X_AI]: 'x-ai',
  [P.MISTRAL_AI]: 'mistral',
  [P.DEEPSEEK]: 'deepseek',
  [P.GROQ]: 'groq',
  [P.COHERE]: 'cohere',
  [P.PERPLEXITY]: 'perplexity',
  [P.MOONSHOT_AI]: 'moonshotai',
};

/** OpenInference emitter-reported cost keys (USD). */
export const EMITTER_COST = {
  TOTAL: 'llm.cost.total',
  PROMPT: 'llm.cost.prompt',
  COMPLETION: 'llm.cost.completion',
} as const;

/** The in-flight draft conventions' emitter cost (GUIDE.md §11, #443); only USD is accepted. */
const DRAFT_COST_AMOUNT = 'gen_ai.usage.cost.amount';
const DRAFT_COST_CURRENCY = 'gen_ai.usage.cost.currency';
/** The in-flight rename of cache_creation (GUIDE.md §11, #440). */
const DRAFT_CACHE_WRITE = 'gen_ai.usage.cache_write.input_tokens';

/**
 * `enrichment.cost`. `priceSource` is 'genai-prices', 'config-override' or 'emitter'; the extra fields:
 * `pricedAs` (price-table `provider/model` entry that matched), `serviceTier` (when a non-default
 * tier was reported) and `note` (a caveat on a priced span).
 */
export type Cost = NonNullable<SpanEnrichment['cost']> & {
  pricedAs?: string;
  serviceTier?: string;
  note?: string;
};

interface Usage {
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
  reasoning: number;
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function emitterCost(a: Attributes): Cost | undefined {
  const total = num(a[EMITTER_COST.TOTAL]);
  const input = num(a[EMITTER_COST.PROMPT]);
  const output = num(a[EMITTER_COST.COMPLETION]);
  if (total !== undefined || input !== undefined || output !== undefined) {
    return {
      totalUsd: total ?? (input ?? 0) + (output ?? 0),
      ...(input !== undefined ? { inputUsd: input } : {}),
      ...(output !== undefined ? { outputUsd: output } : {}),
      priceSource: 'emitter',
    };
  }
  const amount = num(a[DRAFT_COST_AMOUNT]);
  const currency = strAttr(a[DRAFT_COST_CURRENCY]) ?? 'USD';
  if (amount !== undefined && currency.toUpperCase() === 'USD')
    return { totalUsd: amount, priceSource: 'emitter' };
  return undefined;
}

function usageOf(a: Attributes): Usage | undefined {
  const input = int(a[ATTR_GEN_AI_USAGE_INPUT_TOKENS]);
  const output = int(a[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS]);
  if (input === undefined && output === undefined) return undefined;
  const inTok = Math.max(0, input ?? 0);
  const outTok = Math.max(0, output ?? 0);
  // Clamp the partitions so malformed emitters cannot make cached exceed the total.
  const cacheRead = Math.min(Math.max(0, int(a[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]) ?? 0), inTok);
  const cacheWriteRaw =
    int(a[ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS]) ?? int(a[DRAFT_CACHE_WRITE]) ?? 0;
  const cacheWrite = Math.min(Math.max(0, cacheWriteRaw), inTok - cacheRead);
  const reasoning = Math.min(Math.max(0, int(a[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS]) ?? 0), outTok);
  return { input: inTok, output: outTok, cacheRead, cacheWrite, reasoning };
}

function priceFromConfig(p: CostPriceConfig, u: Usage): Cost {
  const uncached = u.input - u.cacheRead - u.cacheWrite;
  const inputUsd =
    (uncached * p.inputPerMTok +
      u.cacheRead * (p.cacheReadPerMTok ?? p.inputPerMTok) +
      u.cacheWrite * (p.cacheWritePerMTok ?? p.inputPerMTok)) /
    1e6;
  const outputUsd =
    ((u.output - u.reasoning) * p.outputPerMTok + u.reasoning * (p.reasoningPerMTok ?? p.outputPerMTok)) /
    1e6;
  return {
    totalUsd: inputUsd + outputUsd,
    inputUsd,
    outputUsd,
    priceSource: 'config-override',
    priceVersion: 'config',
  };
}

type TableUsage = Parameters<typeof calcPrice>[0];

/**
 * Which price-table entry a (provider, model) pair resolves to, memoized: the table lookup scans every
 * provider and model with regex matchers and dominates the cost of pricing a span. A hit prices
 * through a one-model provider, so genai-prices still applies its own rules (tiers, dated prices).
 * Bounded; cleared when full.
 */
const RESOLVED = new Map<string, Provider | null>();
const RESOLVED_MAX = 2048;

function tablePrice(usage: TableUsage, model: string, providerId: string | undefined, timestamp: Date) {
  const key = `${providerId ?? ''}\u0000${model}`;
  const hit = RESOLVED.get(key);
  if (hit === null) return null;
  if (hit) return calcPrice(usage, model, { provider: hit, timestamp });
  const result = calcPrice(usage, model, { ...(providerId ? { providerId } : {}), timestamp });
  if (RESOLVED.size >= RESOLVED_MAX) RESOLVED.clear();
  RESOLVED.set(key, result ? { ...result.provider, models: [result.model] } : null);
  return result;
}

function startDate(span: SpanRecord): Date | undefined {
  const ns = span.startTimeUnixNano;
  if (!ns || ns === '0') return undefined;
  const ms = Number(BigInt(ns) / 1_000_000n);
  return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/**
 * Prices one span (pure). Returns `undefined` when the span does not count usage (agent, workflow,
 * tool spans: their usage is their children's). Never a silent zero: anything that cannot be priced
 * has `totalUsd: null` and a `reason`.
 */
export function priceSpan(span: SpanRecord, config: CostConfig = {}): Cost | undefined {
  if (span.enrichment.countsUsage !== true) return undefined;
  const a = span.attributes;
  const emitted = emitterCost(a);
  if (emitted) return { ...emitted, priceVersion: 'emitter' };

  const provider = strAttr(a[ATTR_GEN_AI_PROVIDER_NAME]);
  const responseModel = strAttr(a[ATTR_GEN_AI_RESPONSE_MODEL]);
  const requestModel = strAttr(a[ATTR_GEN_AI_REQUEST_MODEL]);
  const model = responseModel ?? requestModel;
  if (!model) return { totalUsd: null, reason: 'no model on span' };
  const usage = usageOf(a);
  if (!usage) return { totalUsd: null, reason: 'no token usage on span' };

  for (const p of config.prices ?? []) {
    if (p.provider !== undefined && p.provider !== provider) continue;
    const re = globToRegExp(p.model);
    if (re.test(model) || (requestModel !== undefined && re.test(requestModel)))
      return priceFromConfig(p, usage);
  }

  const providerId = provider ? PROVIDER_IDS[provider] : undefined;
  const tableUsage = {
    input_tokens: usage.input,
    output_tokens: usage.output,
    cache_read_tokens: usage.cacheRead,
    cache_write_tokens: usage.cacheWrite,
    output_reasoning_tokens: usage.reasoning,
  };
  let result: ReturnType<typeof calcPrice> = null;
  try {
    const timestamp = startDate(span) ?? new Date();
    result = tablePrice(tableUsage, model, providerId, timestamp);
    if (!result && requestModel && requestModel !== model) {
      result = tablePrice(tableUsage, requestModel, providerId, timestamp);
    }
  } catch (err) {
    diag.debug('genai-ops cost: price table rejected usage', err);
    return {
      totalUsd: null,
      reason: `price table error: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  if (!result) {
    const who = provider ? `${provider}/${model}` : model;
    return { totalUsd: null, reason: `unknown model: ${who} (not in ${PRICE_TABLE_VERSION} or config)` };
  }
  const cost: Cost = {
    totalUsd: result.total_price,
    inputUsd: result.input_price,
    outputUsd: result.output_price,
    priceSource: 'genai-prices',
    pricedAs: `${result.provider.id}/${result.model.id}`,
    priceVersion: PRICE_TABLE_VERSION,
  };
  const tier = strAttr(a[ATTR_OPENAI_RESPONSE_SERVICE_TIER]) ?? strAttr(a[ATTR_OPENAI_REQUEST_SERVICE_TIER]);
  if (tier && tier !== 'default' && tier !== 'auto') {
    const multipliers = { ...DEFAULT_SERVICE_TIER_MULTIPLIERS, ...config.serviceTierMultipliers };
    const m = multipliers[tier];
    cost.serviceTier = tier;
    if (m !== undefined) {
      cost.totalUsd = result.total_price * m;
      cost.inputUsd = result.input_price * m;
      cost.outputUsd = result.output_price * m;
    } else {
      cost.note = `service tier '${tier}' has no multiplier; priced at the standard rate`;
    }
  }
  return cost;
}

/**
 * The pipeline stage: sets `enrichment.cost` on spans whose `enrichment.countsUsage` is true (set by
 * NormalizeProcessor, which must run first). Spans are returned as new objects when priced.
 * @example
 * const cost = new CostProcessor({ prices: [{ model: 'my-ft-*', inputPerMTok: 3, outputPerMTok: 12 }] });
 */
export class CostProcessor implements SpanProcessor {
  readonly name = 'cost';
  private readonly _config: CostConfig;

  /** @param config price overrides; default none (the price table only). */
  constructor(config: CostConfig = {}) {
    this._config = config;
  }

  processSpans(spans: SpanRecord[]): SpanRecord[] {
    return spans.map((span) => {
      let cost: Cost | undefined;
      try {
        cost = priceSpan(span, this._config);
      } catch (err) {
        diag.warn('genai-ops cost: span left unpriced', err);
        cost = span.enrichment.countsUsage
          ? { totalUsd: null, reason: `cost error: ${String(err)}` }
          : undefined;
      }
      return cost ? { ...span, enrichment: { ...span.enrichment, cost } } : span;
    });
  }
}
