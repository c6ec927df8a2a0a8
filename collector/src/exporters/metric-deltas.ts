import {
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
} from '@genai-ops/core';
import type { SpanRecord } from '../model.js';
import type { StoredGuardrailVerdict } from '../processors/guardrails.js';
import { spanColumns } from './span-columns.js';

/**
 * What a batch of stored spans adds to the collector's span metrics (tokens, cost, LLM latency,
 * guardrail verdicts and findings), aggregated by label set. Plain arrays: the processing worker
 * computes them and posts them to the main thread, which applies them to its Prometheus registry
 * (`CollectorMetrics.applyDeltas`), instead of posting every span.
 */
export interface MetricDeltas {
  /** [service, provider, model, 'input' | 'output', tokens] */
  tokens: Array<[string, string, string, string, number]>;
  /** [service, provider, model, usd] */
  cost: Array<[string, string, string, number]>;
  /** [provider, model, seconds of each span] */
  latency: Array<[string, string, number[]]>;
  /** [policy, direction, action, count] */
  verdicts: Array<[string, string, string, number]>;
  /** [policy, direction, kind, count] */
  findings: Array<[string, string, string, number]>;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Aggregates the metric increments of spans (pure; never throws on odd enrichment). */
export function metricDeltas(spans: SpanRecord[]): MetricDeltas {
  const tokens = new Map<string, [string, string, string, string, number]>();
  const cost = new Map<string, [string, string, string, number]>();
  const latency = new Map<string, [string, string, number[]]>();
  const verdicts = new Map<string, [string, string, string, number]>();
  const findings = new Map<string, [string, string, string, number]>();
  const add4 = <T extends [string, string, string, ...unknown[]]>(
    m: Map<string, T>,
    key: string,
    make: () => T,
    n: number,
  ): void => {
    const e = m.get(key);
    if (e) (e[e.length - 1] as number) += n;
    else m.set(key, make());
  };
  for (const span of spans) {
    const vs = span.enrichment.guardrails as StoredGuardrailVerdict[] | undefined;
    if (Array.isArray(vs)) {
      for (const v of vs) {
        const policy = str(v?.policy);
        const direction = str(v?.name);
        const action = str(v?.action);
        add4(verdicts, `${policy}\u0000${direction}\u0000${action}`, () => [policy, direction, action, 1], 1);
        for (const [kind, n] of Object.entries(v?.counts ?? {})) {
          if (typeof n !== 'number') continue;
          add4(findings, `${policy}\u0000${direction}\u0000${kind}`, () => [policy, direction, kind, n], n);
        }
      }
    }
    if (!span.enrichment.countsUsage) continue;
    const c = spanColumns(span);
    const provider = str(span.attributes[ATTR_GEN_AI_PROVIDER_NAME]);
    const model =
      str(span.attributes[ATTR_GEN_AI_RESPONSE_MODEL]) || str(span.attributes[ATTR_GEN_AI_REQUEST_MODEL]);
    const service = c.serviceName ?? '';
    const k = `${service}\u0000${provider}\u0000${model}`;
    if (c.inputTokens) {
      const n = c.inputTokens;
      add4(tokens, `${k}\u0000input`, () => [service, provider, model, 'input', n], n);
    }
    if (c.outputTokens) {
      const n = c.outputTokens;
      add4(tokens, `${k}\u0000output`, () => [service, provider, model, 'output', n], n);
    }
    if (c.costUsd) {
      const usd = c.costUsd;
      add4(cost, k, () => [service, provider, model, usd], usd);
    }
    if (c.durationMs !== null) {
      const lk = `${provider}\u0000${model}`;
      const e = latency.get(lk);
      if (e) e[2].push(c.durationMs / 1000);
      else latency.set(lk, [provider, model, [c.durationMs / 1000]]);
    }
  }
  return {
    tokens: [...tokens.values()],
    cost: [...cost.values()],
    latency: [...latency.values()],
    verdicts: [...verdicts.values()],
    findings: [...findings.values()],
  };
}
