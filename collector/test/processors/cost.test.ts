import { readFileSync } from 'node:fs';
import Ajv from 'ajv';
import { describe, expect, it } from 'vitest';
import type { Attributes } from '../../src/model.js';
import {
  COST_CONFIG_SCHEMA,
  type CostConfig,
  CostProcessor,
  PRICE_TABLE_VERSION,
  priceSpan,
} from '../../src/processors/cost.js';
import { normalizeSpan } from '../../src/processors/normalize.js';
import { makeSpan } from './helpers.js';

const M = 1e6;
const TABLE = PRICE_TABLE_VERSION;
const close = (x: number) => expect.closeTo(x, 12);

/** Published per-million-token prices (USD) used below, as listed in the pinned price table. */
const GPT_4O_MINI = { input: 0.15, cacheRead: 0.075, output: 0.6 };
const GPT_5 = { input: 1.25, cacheRead: 0.125, output: 10 };
const O3_MINI = { input: 1.1, output: 4.4 };
const CLAUDE_35_HAIKU = { input: 0.8, cacheRead: 0.08, cacheWrite: 1, output: 4 };
const GEMINI_25_PRO = { input: 1.25, inputOver200k: 2.5, output: 10, outputOver200k: 15 };
const EMBED_3_SMALL = { input: 0.02 };

interface Case {
  name: string;
  attributes: Attributes;
  config?: CostConfig;
  expected: Record<string, unknown> | undefined;
}

const usage = (provider: string, model: string, u: Record<string, number>, op = 'chat'): Attributes => ({
  'gen_ai.operation.name': op,
  'gen_ai.provider.name': provider,
  'gen_ai.request.model': model,
  ...Object.fromEntries(Object.entries(u).map(([k, v]) => [`gen_ai.usage.${k}`, v])),
});

const CASES: Case[] = [
  {
    name: 'gpt-4o-mini chat',
    attributes: usage('openai', 'gpt-4o-mini', { input_tokens: 1000, output_tokens: 500 }),
    expected: {
      inputUsd: close((1000 * GPT_4O_MINI.input) / M),
      outputUsd: close((500 * GPT_4O_MINI.output) / M),
      totalUsd: close((1000 * GPT_4O_MINI.input + 500 * GPT_4O_MINI.output) / M),
      priceSource: 'genai-prices',
      pricedAs: 'openai/gpt-4o-mini',
      priceVersion: TABLE,
    },
  },
  {
    name: 'cached input is a part of input_tokens, charged once at the cache-read rate (dated response model)',
    attributes: {
      ...usage('openai', 'gpt-4o-mini', {
        input_tokens: 1000,
        'cache_read.input_tokens': 400,
        output_tokens: 500,
      }),
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
    },
    expected: {
      inputUsd: close((600 * GPT_4O_MINI.input + 400 * GPT_4O_MINI.cacheRead) / M),
      outputUsd: close((500 * GPT_4O_MINI.output) / M),
      totalUsd: close((600 * GPT_4O_MINI.input + 400 * GPT_4O_MINI.cacheRead + 500 * GPT_4O_MINI.output) / M),
      priceSource: 'genai-prices',
      pricedAs: 'openai/gpt-4o-mini',
      priceVersion: TABLE,
    },
  },
  {
    name: 'o-series reasoning tokens are inside output_tokens (not charged on top)',
    attributes: usage('openai', 'o3-mini', {
      input_tokens: 1000,
      output_tokens: 500,
      'reasoning.output_tokens': 300,
    }),
    expected: {
      inputUsd: close((1000 * O3_MINI.input) / M),
      outputUsd: close((500 * O3_MINI.output) / M),
      totalUsd: close((1000 * O3_MINI.input + 500 * O3_MINI.output) / M),
      priceSource: 'genai-prices',
      pricedAs: 'openai/o3-mini',
      priceVersion: TABLE,
    },
  },
  {
    name: 'gpt-5 with cache read and reasoning',
    attributes: usage('openai', 'gpt-5', {
      input_tokens: 2000,
      'cache_read.input_tokens': 1000,
      output_tokens: 800,
      'reasoning.output_tokens': 600,
    }),
    expected: {
      inputUsd: close((1000 * GPT_5.input + 1000 * GPT_5.cacheRead) / M),
      outputUsd: close((800 * GPT_5.output) / M),
      totalUsd: close((1000 * GPT_5.input + 1000 * GPT_5.cacheRead + 800 * GPT_5.output) / M),
      priceSource: 'genai-prices',
      pricedAs: 'openai/gpt-5',
      priceVersion: TABLE,
    },
  },
  {
    name: 'Anthropic with cache read and cache write',
    attributes: usage('anthropic', 'claude-3-5-haiku-20241022', {
      input_tokens: 5000,
      'cache_read.input_tokens': 1000,
      'cache_creation.input_tokens': 2000,
      output_tokens: 500,
    }),
    expected: {
      inputUsd: close(
        (2000 * CLAUDE_35_HAIKU.input +
          1000 * CLAUDE_35_HAIKU.cacheRead +
          2000 * CLAUDE_35_HAIKU.cacheWrite) /
          M,
      ),
      outputUsd: close((500 * CLAUDE_35_HAIKU.output) / M),
      totalUsd: close(
        (2000 * CLAUDE_35_HAIKU.input +
          1000 * CLAUDE_35_HAIKU.cacheRead +
          2000 * CLAUDE_35_HAIKU.cacheWrite +
          500 * CLAUDE_35_HAIKU.output) /
          M,
      ),
      priceSource: 'genai-prices',
      pricedAs: 'anthropic/claude-3-5-haiku-latest',
      priceVersion: TABLE,
    },
  },
  {
    name: 'Gemini below the long-context threshold',
    attributes: usage('gcp.gemini', 'gemini-2.5-pro', { input_tokens: 100_000, output_tokens: 1000 }),
    expected: {
      inputUsd: close((100_000 * GEMINI_25_PRO.input) / M),
      outputUsd: close((1000 * GEMINI_25_PRO.output) / M),
      totalUsd: close((100_000 * GEMINI_25_PRO.input + 1000 * GEMINI_25_PRO.output) / M),
      priceSource: 'genai-prices',
      pricedAs: 'google/gemini-2.5-pro',
      priceVersion: TABLE,
    },
  },
  {
    name: 'Gemini long-context tier (> 200k input): the whole request at the higher rate',
    attributes: usage('gcp.vertex_ai', 'gemini-2.5-pro', { input_tokens: 250_000, output_tokens: 1000 }),
    expected: {
      inputUsd: close((250_000 * GEMINI_25_PRO.inputOver200k) / M),
      outputUsd: close((1000 * GEMINI_25_PRO.outputOver200k) / M),
      totalUsd: close((250_000 * GEMINI_25_PRO.inputOver200k + 1000 * GEMINI_25_PRO.outputOver200k) / M),
      priceSource: 'genai-prices',
      pricedAs: 'google/gemini-2.5-pro',
      priceVersion: TABLE,
    },
  },
  {
    name: 'embeddings',
    attributes: usage('openai', 'text-embedding-3-small', { input_tokens: 1000 }, 'embeddings'),
    expected: {
      inputUsd: close((1000 * EMBED_3_SMALL.input) / M),
      outputUsd: 0,
      totalUsd: close((1000 * EMBED_3_SMALL.input) / M),
      priceSource: 'genai-prices',
      pricedAs: 'openai/text-embedding-3-small',
      priceVersion: TABLE,
    },
  },
  {
    name: 'config addition for a fine-tuned model (glob), with cache and reasoning rates',
    attributes: usage('openai', 'ft:gpt-4o-mini:acme:v1', {
      input_tokens: 1000,
      'cache_read.input_tokens': 200,
      output_tokens: 100,
      'reasoning.output_tokens': 40,
    }),
    config: {
      prices: [
        {
          model: 'ft:gpt-4o-mini:*',
          inputPerMTok: 3,
          outputPerMTok: 12,
          cacheReadPerMTok: 1.5,
          reasoningPerMTok: 20,
        },
      ],
    },
    expected: {
      inputUsd: close((800 * 3 + 200 * 1.5) / M),
      outputUsd: close((60 * 12 + 40 * 20) / M),
      totalUsd: close((800 * 3 + 200 * 1.5 + 60 * 12 + 40 * 20) / M),
      priceSource: 'config-override',
      priceVersion: 'config',
    },
  },
  {
    name: 'config override wins over the price table (provider-scoped)',
    attributes: usage('openai', 'gpt-4o-mini', { input_tokens: 1000, output_tokens: 1000 }),
    config: {
      prices: [
        { provider: 'anthropic', model: 'gpt-4o-mini', inputPerMTok: 100, outputPerMTok: 100 },
        { provider: 'openai', model: 'gpt-4o-mini', inputPerMTok: 1, outputPerMTok: 2 },
      ],
    },
    expected: {
      inputUsd: close(1000 / M),
      outputUsd: close(2000 / M),
      totalUsd: close(3000 / M),
      priceSource: 'config-override',
      priceVersion: 'config',
    },
  },
  {
    name: 'unknown model: no cost and a reason, never zero',
    attributes: usage('openai', 'my-private-model', { input_tokens: 1000, output_tokens: 10 }),
    expected: {
      totalUsd: null,
      reason: `unknown model: openai/my-private-model (not in ${TABLE} or config)`,
    },
  },
  {
    name: 'no usage on the span',
    attributes: usage('openai', 'gpt-4o-mini', {}),
    expected: { totalUsd: null, reason: 'no token usage on span' },
  },
  {
    name: 'flex service tier is half price',
    attributes: {
      ...usage('openai', 'gpt-5', { input_tokens: 1000, output_tokens: 100 }),
      'openai.response.service_tier': 'flex',
    },
    expected: {
      inputUsd: close((1000 * GPT_5.input * 0.5) / M),
      outputUsd: close((100 * GPT_5.output * 0.5) / M),
      totalUsd: close(((1000 * GPT_5.input + 100 * GPT_5.output) * 0.5) / M),
      priceSource: 'genai-prices',
      pricedAs: 'openai/gpt-5',
      priceVersion: TABLE,
      serviceTier: 'flex',
    },
  },
  {
    name: 'priority tier without a configured multiplier: standard price and a note',
    attributes: {
      ...usage('openai', 'gpt-5', { input_tokens: 1000, output_tokens: 100 }),
      'openai.response.service_tier': 'priority',
    },
    expected: {
      inputUsd: close((1000 * GPT_5.input) / M),
      outputUsd: close((100 * GPT_5.output) / M),
      totalUsd: close((1000 * GPT_5.input + 100 * GPT_5.output) / M),
      priceSource: 'genai-prices',
      pricedAs: 'openai/gpt-5',
      priceVersion: TABLE,
      serviceTier: 'priority',
      note: "service tier 'priority' has no multiplier; priced at the standard rate",
    },
  },
  {
    name: 'priority tier with a configured multiplier',
    attributes: {
      ...usage('openai', 'gpt-5', { input_tokens: 1000, output_tokens: 100 }),
      'openai.response.service_tier': 'priority',
    },
    config: { serviceTierMultipliers: { priority: 2 } },
    expected: {
      inputUsd: close((1000 * GPT_5.input * 2) / M),
      outputUsd: close((100 * GPT_5.output * 2) / M),
      totalUsd: close(((1000 * GPT_5.input + 100 * GPT_5.output) * 2) / M),
      priceSource: 'genai-prices',
      pricedAs: 'openai/gpt-5',
      priceVersion: TABLE,
      serviceTier: 'priority',
    },
  },
  {
    name: 'OpenInference emitter cost is kept and flagged',
    attributes: {
      'openinference.span.kind': 'LLM',
      'llm.model_name': 'gpt-4o-mini',
      'llm.token_count.prompt': 10,
      'llm.cost.prompt': 0.001,
      'llm.cost.completion': 0.002,
      'llm.cost.total': 0.003,
    },
    expected: {
      totalUsd: 0.003,
      inputUsd: 0.001,
      outputUsd: 0.002,
      priceSource: 'emitter',
      priceVersion: 'emitter',
    },
  },
  {
    name: 'agent spans get no cost',
    attributes: usage('openai', 'gpt-4o-mini', { input_tokens: 1000, output_tokens: 500 }, 'invoke_agent'),
    expected: undefined,
  },
];

describe('CostProcessor', () => {
  it.each(CASES)('$name', (c) => {
    const span = normalizeSpan(makeSpan({ attributes: c.attributes }));
    const [out] = new CostProcessor(c.config).processSpans([span]);
    expect(out?.enrichment.cost).toEqual(c.expected);
    expect(priceSpan(span, c.config)).toEqual(c.expected);
  });

  it('a span that was not normalized (countsUsage unset) is not priced', () => {
    const span = makeSpan({
      attributes: usage('openai', 'gpt-4o-mini', { input_tokens: 1, output_tokens: 1 }),
    });
    expect(new CostProcessor().processSpans([span])[0]).toBe(span);
  });

  it('PRICE_TABLE_VERSION names the installed package version', () => {
    const pkg = JSON.parse(
      readFileSync(
        require.resolve('@pydantic/genai-prices').replace(/dist\/index\.cjs$/, 'package.json'),
        'utf8',
      ),
    );
    expect(PRICE_TABLE_VERSION).toBe(`${pkg.name}@${pkg.version}`);
  });

  it('COST_CONFIG_SCHEMA accepts valid configs and rejects invalid ones', () => {
    const validate = new Ajv({ allErrors: true }).compile(COST_CONFIG_SCHEMA);
    expect(
      validate({
        prices: [{ model: 'x*', inputPerMTok: 1, outputPerMTok: 2 }],
        serviceTierMultipliers: { priority: 2 },
      }),
    ).toBe(true);
    expect(validate({})).toBe(true);
    expect(validate({ prices: [{ model: 'x', inputPerMTok: -1, outputPerMTok: 2 }] })).toBe(false);
    expect(validate({ prices: [{ inputPerMTok: 1, outputPerMTok: 2 }] })).toBe(false);
    expect(validate({ prices: [{ model: 'x', inputPerMTok: 1, outputPerMTok: 2, bogus: 1 }] })).toBe(false);
  });
});
