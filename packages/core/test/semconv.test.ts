import { describe, expect, it } from 'vitest';
import { semconvRegistry } from '../../../test/helpers/semconv.js';
import * as core from '../src/index.js';
import * as semconv from '../src/semconv.js';

const attrConstants = Object.entries(core).filter(
  ([name, value]) =>
    name.startsWith('ATTR_') && typeof value === 'string' && !name.startsWith('ATTR_GENAI_OPS_'),
) as Array<[string, string]>;

describe('semconv constants', () => {
  it('the package entry re-exports every export of semconv.ts by name', () => {
    // index.ts lists them (no `export *`, see there); a constant added to semconv.ts only would be missing.
    const entry = core as Record<string, unknown>;
    const missing = Object.entries(semconv)
      .filter(([name, value]) => entry[name] !== value)
      .map(([name]) => name);
    expect(missing).toEqual([]);
    expect(Object.keys(semconv).length).toBeGreaterThan(90);
  });

  it('defines a constant for every attribute of the pinned gen-ai, openai and aws-bedrock registries', () => {
    const defined = new Set(attrConstants.map(([, v]) => v));
    const missing = [...semconvRegistry().keys()]
      .filter((k) => /^(gen_ai|openai|aws\.bedrock)\./.test(k))
      .filter((k) => !defined.has(k));
    expect(missing).toEqual([]);
  });

  it('every constant names a key in the pinned registry', () => {
    const registry = semconvRegistry();
    const unknown = attrConstants.filter(([, key]) => !registry.has(key)).map(([name]) => name);
    expect(unknown).toEqual([]);
  });

  it('constant names follow the key', () => {
    const wrong = attrConstants
      .filter(([name, key]) => name !== `ATTR_${key.toUpperCase().replace(/\./g, '_')}`)
      .map(([name, key]) => `${name}=${key}`);
    expect(wrong).toEqual([]);
  });

  it('enum value sets match the registry members exactly', () => {
    const registry = semconvRegistry();
    const pairs: Array<[string, Record<string, string>]> = [
      [core.ATTR_GEN_AI_PROVIDER_NAME, core.GEN_AI_PROVIDER_NAME_VALUES],
      [core.ATTR_GEN_AI_OPERATION_NAME, core.GEN_AI_OPERATION_NAME_VALUES],
      [core.ATTR_GEN_AI_OUTPUT_TYPE, core.GEN_AI_OUTPUT_TYPE_VALUES],
      [core.ATTR_GEN_AI_TOKEN_TYPE, core.GEN_AI_TOKEN_TYPE_VALUES],
      [core.ATTR_GEN_AI_RESPONSE_STATUS, core.GEN_AI_RESPONSE_STATUS_VALUES],
      [core.ATTR_OPENAI_API_TYPE, core.OPENAI_API_TYPE_VALUES],
      [core.ATTR_OPENAI_REQUEST_SERVICE_TIER, core.OPENAI_REQUEST_SERVICE_TIER_VALUES],
    ];
    for (const [key, values] of pairs) {
      const def = registry.get(key);
      expect(def?.type, key).toBe('enum');
      expect(Object.values(values).sort(), key).toEqual([...(def?.members ?? [])].sort());
    }
  });

  it('uses the registry types the instrumentations rely on', () => {
    const registry = semconvRegistry();
    const expected: Record<string, string> = {
      [core.ATTR_GEN_AI_REQUEST_TOP_K]: 'int',
      [core.ATTR_GEN_AI_REQUEST_TEMPERATURE]: 'double',
      [core.ATTR_GEN_AI_REQUEST_STOP_SEQUENCES]: 'string[]',
      [core.ATTR_GEN_AI_RESPONSE_FINISH_REASONS]: 'string[]',
      [core.ATTR_GEN_AI_USAGE_INPUT_TOKENS]: 'int',
      [core.ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS]: 'int',
      [core.ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]: 'double',
      [core.ATTR_GEN_AI_REQUEST_STREAM]: 'boolean',
      [core.ATTR_SERVER_PORT]: 'int',
    };
    for (const [key, type] of Object.entries(expected)) expect(registry.get(key)?.type, key).toBe(type);
  });

  it('metric names, units and bucket boundaries match metrics.yaml', async () => {
    const { readFileSync } = await import('node:fs');
    const { resolve } = await import('node:path');
    const YAML = (await import('yaml')).default;
    const { SEMCONV_DIR } = await import('../../../test/helpers/semconv.js');
    const doc = YAML.parse(readFileSync(resolve(SEMCONV_DIR, 'gen-ai/metrics.yaml'), 'utf8'));
    const byName = new Map<string, any>(doc.metrics.map((m: any) => [m.name, m]));
    for (const name of [
      core.METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
      core.METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
      core.METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
      core.METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
    ]) {
      const m = byName.get(name);
      expect(m, name).toBeDefined();
      expect(m.instrument).toBe('histogram');
    }
    expect(byName.get(core.METRIC_GEN_AI_CLIENT_TOKEN_USAGE).unit).toBe('{token}');
    expect(byName.get(core.METRIC_GEN_AI_CLIENT_OPERATION_DURATION).unit).toBe('s');
    // The advised boundaries live in the conventions' docs, summarized in GUIDE.md §7 (one table row each).
    const guide = readFileSync(resolve(SEMCONV_DIR, 'GUIDE.md'), 'utf8');
    const row = (metric: string) =>
      guide
        .split('\n')
        .find((l) => l.startsWith(`| \`${metric}\``))
        ?.split('|')
        .at(-2)
        ?.trim();
    expect(row(core.METRIC_GEN_AI_CLIENT_TOKEN_USAGE)).toBe(core.TOKEN_USAGE_BUCKETS.join(', '));
    expect(row(core.METRIC_GEN_AI_CLIENT_OPERATION_DURATION)).toBe(core.DURATION_BUCKETS.join(', '));
  });
});
