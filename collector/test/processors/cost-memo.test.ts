import { calcPrice, findProvider, type Provider, updatePrices, waitForUpdate } from '@pydantic/genai-prices';
import { afterAll, describe, expect, it } from 'vitest';
import type { Attributes } from '../../src/model.js';
import { type CostConfig, CostProcessor, priceMemoStats, priceSpan } from '../../src/processors/cost.js';
import { makeSpan } from './helpers.js';

/** genai-prices ids of the providers the collector maps `gen_ai.provider.name` to (see PROVIDER_IDS). */
const TABLE_PROVIDERS: Array<[semconv: string, id: string]> = [
  ['openai', 'openai'],
  ['anthropic', 'anthropic'],
  ['gcp.gemini', 'google'],
  ['aws.bedrock', 'aws'],
  ['azure.ai.openai', 'azure'],
  ['x_ai', 'x-ai'],
  ['mistral_ai', 'mistral'],
  ['deepseek', 'deepseek'],
  ['groq', 'groq'],
  ['cohere', 'cohere'],
  ['perplexity', 'perplexity'],
  ['moonshot_ai', 'moonshotai'],
];

const START_NS = '1767225600000000000'; // 2026-01-01T00:00:00Z
const START = new Date(1767225600000);

const chat = (provider: string, model: string, u: Record<string, number>): Attributes => ({
  'gen_ai.operation.name': 'chat',
  'gen_ai.provider.name': provider,
  'gen_ai.request.model': model,
  ...Object.fromEntries(Object.entries(u).map(([k, v]) => [`gen_ai.usage.${k}`, v])),
});

const price = (attributes: Attributes, config?: CostConfig) =>
  priceSpan(makeSpan({ attributes, startTimeUnixNano: START_NS, enrichment: { countsUsage: true } }), config);

/** Usages: plain, cached reads and writes, reasoning, past the 200k long-context tier, zeros. */
const USAGES: Array<Record<string, number>> = [
  { input_tokens: 1000, output_tokens: 500 },
  { input_tokens: 1000, 'cache_read.input_tokens': 400, output_tokens: 500 },
  {
    input_tokens: 5000,
    'cache_read.input_tokens': 1000,
    'cache_creation.input_tokens': 2000,
    output_tokens: 7,
  },
  { input_tokens: 1200, output_tokens: 300, 'reasoning.output_tokens': 220 },
  { input_tokens: 250_000, 'cache_read.input_tokens': 10_000, output_tokens: 4000 },
  { input_tokens: 0, output_tokens: 0 },
  {
    input_tokens: 123_457,
    'cache_read.input_tokens': 3,
    'cache_creation.input_tokens': 5,
    output_tokens: 11,
  },
];

/** What genai-prices' calcPrice says for a usage, the way priceSpan reports it. */
function reference(providerId: string, model: string, u: Record<string, number>) {
  const input = u.input_tokens ?? 0;
  const output = u.output_tokens ?? 0;
  const cacheRead = Math.min(u['cache_read.input_tokens'] ?? 0, input);
  const cacheWrite = Math.min(u['cache_creation.input_tokens'] ?? 0, input - cacheRead);
  const reasoning = Math.min(u['reasoning.output_tokens'] ?? 0, output);
  try {
    return calcPrice(
      {
        input_tokens: input,
        output_tokens: output,
        cache_read_tokens: cacheRead,
        cache_write_tokens: cacheWrite,
        output_reasoning_tokens: reasoning,
      },
      model,
      { providerId, timestamp: START },
    );
  } catch (err) {
    return err as Error;
  }
}

describe('cost: memoized price-table lookups', () => {
  it('prices every model of the table exactly as calcPrice does (bit for bit), on every call', () => {
    let compared = 0;
    for (const [semconv, id] of TABLE_PROVIDERS) {
      const provider = findProvider({ providerId: id });
      expect(provider, id).toBeDefined();
      for (const model of provider?.models ?? []) {
        // Twice: the first call fills the memo, the second is served from it.
        for (let round = 0; round < 2; round++) {
          for (const u of USAGES) {
            const got = price(chat(semconv, model.id, u));
            const want = reference(id, model.id, u);
            const where = `${id}/${model.id} ${JSON.stringify(u)} round ${round}`;
            if (want instanceof Error) {
              expect(got?.totalUsd, where).toBeNull();
              expect(got?.reason, where).toBe(`price table error: ${want.message}`);
            } else if (want === null) {
              expect(got?.totalUsd, where).toBeNull();
            } else {
              expect([where, got?.totalUsd, got?.inputUsd, got?.outputUsd]).toEqual([
                where,
                want.total_price,
                want.input_price,
                want.output_price,
              ]);
              expect(Object.is(got?.totalUsd, want.total_price), where).toBe(true);
              expect((got as { pricedAs?: string }).pricedAs).toBe(`${want.provider.id}/${want.model.id}`);
              compared++;
            }
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(2000);
    // Most models price through the compiled path (static token prices), the rest through calcPrice.
    const stats = priceMemoStats();
    expect(stats.compiled).toBeGreaterThan(stats.entries * 0.7);
  });

  it('a user price override wins over a memoized table price, per processor', () => {
    const attrs = chat('openai', 'gpt-4o-mini', { input_tokens: 1000, output_tokens: 1000 });
    const table = price(attrs);
    expect(table?.priceSource).toBe('genai-prices');
    const override = new CostProcessor({
      prices: [{ model: 'gpt-4o-*', inputPerMTok: 1, outputPerMTok: 2 }],
    });
    const other = new CostProcessor({
      prices: [{ model: 'gpt-4o-mini', inputPerMTok: 3, outputPerMTok: 4 }],
    });
    const span = makeSpan({
      attributes: attrs,
      startTimeUnixNano: START_NS,
      enrichment: { countsUsage: true },
    });
    const [a] = override.processSpans([span]);
    const [b] = other.processSpans([span]);
    const [c] = new CostProcessor().processSpans([span]);
    expect(a?.enrichment.cost).toMatchObject({ priceSource: 'config-override', totalUsd: 0.003 });
    expect(b?.enrichment.cost).toMatchObject({ priceSource: 'config-override', totalUsd: 0.007 });
    expect(c?.enrichment.cost).toEqual(table);
  });

  it('an unknown model stays unknown, and an error stays an error, when asked again', () => {
    const unknown = chat('openai', 'no-such-model-xyz', { input_tokens: 10, output_tokens: 10 });
    const first = price(unknown);
    expect(first?.totalUsd).toBeNull();
    expect(price(unknown)).toEqual(first);
    // More cached than input: clamped to the input, priced by the same rules from the memo.
    const u = { input_tokens: 10, 'cache_read.input_tokens': 50, output_tokens: 1 };
    price(chat('openai', 'gpt-4o-mini', u));
    const odd = price(chat('openai', 'gpt-4o-mini', u));
    const want = reference('openai', 'gpt-4o-mini', u);
    expect(want).not.toBeNull();
    expect(odd?.totalUsd).toBe((want as { total_price: number }).total_price);
  });

  describe('a price-table update', () => {
    let original: Provider[] | null = null;
    afterAll(async () => {
      // Put the bundled table back for whatever runs after in this worker.
      if (original) updatePrices(({ setProviderData }) => setProviderData(original));
      await waitForUpdate();
    });

    it('is never served a stale memoized price', async () => {
      original = await waitForUpdate();
      expect(original).not.toBeNull();
      const attrs = chat('openai', 'gpt-4o-mini', { input_tokens: 1_000_000, output_tokens: 0 });
      const before = price(attrs);
      expect(before?.totalUsd).toBeCloseTo(0.15, 12);
      // The same table with gpt-4o-mini at 10x the input price.
      const changed = original!.map((p) =>
        p.id !== 'openai'
          ? p
          : {
              ...p,
              models: p.models.map((m) =>
                m.id === 'gpt-4o-mini' && !Array.isArray(m.prices)
                  ? { ...m, prices: { ...m.prices, input_mtok: 1.5 } }
                  : m,
              ),
            },
      );
      updatePrices(({ setProviderData }) => setProviderData(changed));
      await waitForUpdate();
      // The processor checks the table once per batch, priceSpan on every call: each sees the update.
      const span = makeSpan({
        attributes: attrs,
        startTimeUnixNano: START_NS,
        enrichment: { countsUsage: true },
      });
      expect(new CostProcessor().processSpans([span])[0]?.enrichment.cost?.totalUsd).toBeCloseTo(1.5, 12);
      expect(price(attrs)?.totalUsd).toBeCloseTo(1.5, 12);
      updatePrices(({ setProviderData }) => setProviderData(original));
      await waitForUpdate();
      expect(new CostProcessor().processSpans([span])[0]?.enrichment.cost?.totalUsd).toBe(before?.totalUsd);
      expect(price(attrs)?.totalUsd).toBe(before?.totalUsd);
    });
  });
});
