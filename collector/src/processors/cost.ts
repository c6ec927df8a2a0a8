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
import { calcPrice, findProvider, type ModelPrice, type Provider } from '@pydantic/genai-prices';
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

/** Compiled config globs, by glob (a RegExp without the g flag keeps no state between tests). */
const GLOBS = new Map<string, RegExp>();

function globToRegExp(glob: string): RegExp {
  let re = GLOBS.get(glob);
  if (re === undefined) {
    if (GLOBS.size >= 1024) GLOBS.clear();
    re = compileGlob(glob);
    GLOBS.set(glob, re);
  }
  return re;
}

function compileGlob(glob: string): RegExp {
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
type PriceResult = NonNullable<ReturnType<typeof calcPrice>>;

/** A tiered price as genai-prices applies it: `base` until the input tokens pass a tier's `start`. */
interface Tiered {
  base: number;
  tiers: Array<{ price: number; start: number }>;
}

/**
 * genai-prices price keys a compiled price handles, with the usage each is charged on and its direction
 * (dimensions as in genai-prices' unit table). `slot`: 0 input tokens less the priced cache reads and
 * writes, 1 output tokens less priced reasoning, 2 cache reads, 3 cache writes, 4 reasoning, 5 a usage
 * priceSpan never reports (web searches, 1-hour cache writes...), which genai-prices charges on 0.
 */
const PRICE_UNITS: Readonly<Record<string, { slot: number; direction: 'input' | 'output' | 'other' }>> = {
  input_mtok: { slot: 0, direction: 'input' },
  output_mtok: { slot: 1, direction: 'output' },
  cache_read_mtok: { slot: 2, direction: 'input' },
  cache_write_mtok: { slot: 3, direction: 'input' },
  output_reasoning_mtok: { slot: 4, direction: 'output' },
  // A sub-unit of cache writes; its own usage key (cache_write_1h_tokens) is never reported.
  cache_write_1h_mtok: { slot: 5, direction: 'input' },
  web_searches_kcount: { slot: 5, direction: 'other' },
  storage_searches_kcount: { slot: 5, direction: 'other' },
  social_searches_kcount: { slot: 5, direction: 'other' },
  code_executions_kcount: { slot: 5, direction: 'other' },
  rerank_searches_kcount: { slot: 5, direction: 'other' },
};

/** A tiered price as genai-prices applies it: `base` until the input tokens pass a tier's `start`. */
interface Tiered {
  base: number;
  tiers: Array<{ price: number; start: number }>;
}

/**
 * A model's static price compiled for the usage priceSpan reports: the same arithmetic as genai-prices'
 * `calcPrice`, operation by operation (leaf usage = a unit's tokens minus its priced sub-units', then
 * `price * leaf / per` per unit in the price's key order, summed per direction, tiers by input tokens),
 * so the result is bit-for-bit the same. Only built for prices whose every key is in PRICE_UNITS.
 */
interface CompiledPrice {
  units: Array<{
    slot: number;
    direction: 'input' | 'output' | 'other';
    per: number;
    price: number | Tiered;
  }>;
  cacheRead: boolean;
  cacheWrite: boolean;
  reasoning: boolean;
  tiered: boolean;
}

function compilePrice(prices: ModelPrice): CompiledPrice | undefined {
  const c: CompiledPrice = {
    units: [],
    cacheRead: false,
    cacheWrite: false,
    reasoning: false,
    tiered: false,
  };
  for (const [k, v] of Object.entries(prices)) {
    if (v === undefined) continue;
    const unit = Object.hasOwn(PRICE_UNITS, k) ? PRICE_UNITS[k] : undefined;
    if (unit === undefined) return undefined;
    let price: number | Tiered;
    if (typeof v === 'number') price = v;
    else if (typeof v === 'object' && v !== null && Array.isArray(v.tiers)) {
      // As genai-prices' TieredPrices: the tiers sorted by start.
      price = {
        base: v.base,
        tiers: v.tiers.map((t) => ({ price: t.price, start: t.start })).sort((a, b) => a.start - b.start),
      };
      c.tiered = true;
    } else return undefined;
    c.units.push({
      slot: unit.slot,
      direction: unit.direction,
      per: k.endsWith('_kcount') ? 1e3 : 1e6,
      price,
    });
    if (unit.slot === 2) c.cacheRead = true;
    if (unit.slot === 3) c.cacheWrite = true;
    if (unit.slot === 4) c.reasoning = true;
  }
  return c;
}

/** A leaf usage as genai-prices computes it (tolerating rounding below zero); undefined when invalid. */
function leaf(total: number, sub: number, units: number): number | undefined {
  let r = total - sub;
  const eps = Number.EPSILON * Math.max(1, Math.abs(total), Math.abs(sub)) * (units + 1);
  if (r < 0 && Math.abs(r) <= eps) r = 0;
  return r < 0 ? undefined : r;
}

/** Prices `u` with a compiled price; undefined when genai-prices would reject the usage (it then decides). */
function applyCompiled(
  c: CompiledPrice,
  u: TableUsage,
): { input_price: number; output_price: number; total_price: number } | undefined {
  const n = c.units.length;
  const cacheRead = u.cache_read_tokens as number;
  const cacheWrite = u.cache_write_tokens as number;
  const reasoning = u.output_reasoning_tokens as number;
  let inSub = 0;
  if (c.cacheRead) inSub += cacheRead;
  if (c.cacheWrite) inSub += cacheWrite;
  const input = leaf(u.input_tokens as number, inSub, n);
  let outSub = 0;
  if (c.reasoning) outSub += reasoning;
  const output = leaf(u.output_tokens as number, outSub, n);
  if (input === undefined || output === undefined) return undefined;
  const tierBasis = c.tiered ? (u.input_tokens as number) : 0;
  let inputPrice = 0;
  let outputPrice = 0;
  let otherPrice = 0;
  for (const { slot, direction, per, price } of c.units) {
    const value =
      slot === 0
        ? input
        : slot === 1
          ? output
          : slot === 2
            ? cacheRead
            : slot === 3
              ? cacheWrite
              : slot === 4
                ? reasoning
                : 0;
    let amount: number;
    if (typeof price === 'number') amount = (price * value) / per;
    else {
      let perMillion = 0;
      if (value > 0) {
        let p = price.base;
        for (const t of price.tiers) if (tierBasis > t.start) p = t.price;
        perMillion = (p * value) / 1e6;
      }
      amount = (perMillion * 1e6) / per;
    }
    if (direction === 'input') inputPrice += amount;
    else if (direction === 'output') outputPrice += amount;
    else otherPrice += amount;
  }
  return {
    input_price: inputPrice,
    output_price: outputPrice,
    total_price: inputPrice + outputPrice + otherPrice,
  };
}

/**
 * What a (provider, model) pair resolves to in the price table, memoized: the table lookup scans every
 * provider and model with regex matchers, and `calcPrice` then rebuilds its unit bookkeeping per call;
 * together they dominated the cost of pricing a span. `provider` is a one-model provider for
 * `calcPrice` (which still applies its own rules: dated prices, tiers); `compiled` is set when the
 * model's price is static and made of the five token units only, and was checked to give exactly
 * `calcPrice`'s result on the call that filled the entry. Bounded; cleared when full, and whenever the
 * price table object changes (genai-prices' `updatePrices` replaces it).
 */
interface Resolved {
  provider: Provider;
  model: PriceResult['model'];
  modelPrice: ModelPrice;
  compiled?: CompiledPrice;
}
const RESOLVED = new Map<string, Resolved | null>();
const RESOLVED_MAX = 2048;
/** A provider object of the active price table: when it is no longer the one genai-prices returns, the
 * table was replaced and every memoized entry is stale. */
let tableMarker: Provider | undefined;

/** Drops the memoized lookups when the active price table is not the one they were made from. */
function checkPriceTable(): void {
  let marker: Provider | undefined;
  try {
    marker = findProvider({ providerId: 'openai' });
  } catch {
    marker = undefined;
  }
  if (marker === undefined || marker !== tableMarker) {
    RESOLVED.clear();
    TABLE_PROVIDERS.clear();
    tableMarker = marker;
  }
}

/** Whether the price table has a provider with this exact id, by `gen_ai.provider.name`; memoized. */
const TABLE_PROVIDERS = new Map<string, boolean>();

/**
 * The price table's provider id for `gen_ai.provider.name`: our map for the conventions' names, else the
 * name itself when the table has a provider of that id (the enum is open: `together`, `fireworks`,
 * `openrouter`... are table ids). Undefined lets the table guess the provider from the model.
 */
function tableProviderId(provider: string): string | undefined {
  const mapped = PROVIDER_IDS[provider];
  if (mapped !== undefined) return mapped;
  let known = TABLE_PROVIDERS.get(provider);
  if (known === undefined) {
    try {
      known = findProvider({ providerId: provider })?.id === provider;
    } catch {
      known = false;
    }
    if (TABLE_PROVIDERS.size >= RESOLVED_MAX) TABLE_PROVIDERS.clear();
    TABLE_PROVIDERS.set(provider, known);
  }
  return known ? provider : undefined;
}

/** `models/gemini-2.5-flash`, `publishers/google/models/...`, ARNs: the model id after the last `/`. */
function lastPathSegment(model: string | undefined): string | undefined {
  const i = model === undefined ? -1 : model.lastIndexOf('/');
  return i < 0 || i === (model as string).length - 1 ? undefined : (model as string).slice(i + 1);
}

/**
 * Memo entries: resolved (provider, model) pairs and how many of them price through a compiled price.
 * For tests. @internal
 */
export function priceMemoStats(): { entries: number; compiled: number } {
  let compiled = 0;
  for (const e of RESOLVED.values()) if (e?.compiled) compiled++;
  return { entries: RESOLVED.size, compiled };
}

function sameResult(a: { input_price: number; output_price: number; total_price: number }, b: PriceResult) {
  return (
    Object.is(a.input_price, b.input_price) &&
    Object.is(a.output_price, b.output_price) &&
    Object.is(a.total_price, b.total_price)
  );
}

function tablePrice(
  usage: TableUsage,
  model: string,
  providerId: string | undefined,
  timestamp: () => Date,
): Pick<PriceResult, 'input_price' | 'output_price' | 'total_price' | 'provider' | 'model'> | null {
  const key = `${providerId ?? ''}\u0000${model}`;
  const hit = RESOLVED.get(key);
  if (hit === null) return null;
  if (hit) {
    if (hit.compiled) {
      const r = applyCompiled(hit.compiled, usage);
      if (r) return { ...r, provider: hit.provider, model: hit.model };
    }
    return calcPrice(usage, model, { provider: hit.provider, timestamp: timestamp() });
  }
  const result = calcPrice(usage, model, { ...(providerId ? { providerId } : {}), timestamp: timestamp() });
  if (RESOLVED.size >= RESOLVED_MAX) RESOLVED.clear();
  if (!result) {
    RESOLVED.set(key, null);
    return result;
  }
  const entry: Resolved = {
    provider: { ...result.provider, models: [result.model] },
    model: result.model,
    modelPrice: result.model_price,
  };
  if (!Array.isArray(result.model.prices) && result.model.prices === result.model_price) {
    const compiled = compilePrice(result.model_price);
    const check = compiled && applyCompiled(compiled, usage);
    if (compiled && check && sameResult(check, result)) entry.compiled = compiled;
  }
  RESOLVED.set(key, entry);
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
  return priceSpanChecked(span, config, false);
}

/** `priceSpan`; `tableChecked` when the caller checked the price table for this batch already. */
function priceSpanChecked(span: SpanRecord, config: CostConfig, tableChecked: boolean): Cost | undefined {
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

  if (!tableChecked) checkPriceTable();
  const providerId = provider ? tableProviderId(provider) : undefined;
  const tableUsage = {
    input_tokens: usage.input,
    output_tokens: usage.output,
    cache_read_tokens: usage.cacheRead,
    cache_write_tokens: usage.cacheWrite,
    output_reasoning_tokens: usage.reasoning,
  };
  let result: ReturnType<typeof tablePrice> = null;
  try {
    // Parsed even when the price does not depend on the time: an unreadable start time is an error.
    const date = startDate(span);
    let now: Date | undefined;
    const timestamp = (): Date => {
      if (date) return date;
      now ??= new Date();
      return now;
    };
    result = tablePrice(tableUsage, model, providerId, timestamp);
    if (!result && requestModel && requestModel !== model) {
      result = tablePrice(tableUsage, requestModel, providerId, timestamp);
    }
    // Resource paths the table does not list (Gemini's `models/...`, Vertex `publishers/.../models/...`).
    if (!result) {
      const id = lastPathSegment(model);
      if (id) result = tablePrice(tableUsage, id, providerId, timestamp);
    }
    if (!result && requestModel !== model) {
      const id = lastPathSegment(requestModel);
      if (id) result = tablePrice(tableUsage, id, providerId, timestamp);
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
    // Once per batch: a price-table update between two batches empties the memo.
    checkPriceTable();
    return spans.map((span) => {
      let cost: Cost | undefined;
      try {
        cost = priceSpanChecked(span, this._config, true);
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
