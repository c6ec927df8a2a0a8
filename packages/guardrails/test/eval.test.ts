import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM helper shared with bench/guardrails-eval.mjs (no type declarations)
import { score } from '../eval/score.mjs';
import { detectInjection } from '../src/injection';
import { detectPii } from '../src/pii';

interface Metrics {
  precision: number;
  recall: number;
  f1: number;
}
interface Result {
  pii: Metrics & { types: Record<string, Metrics>; invalidCases: number; invalidReported: number };
  injection: Metrics & { fpr: number };
}

const api = { detectPii, detectInjection };

describe('evaluation set targets (regressions fail CI)', () => {
  const all = score(api, 'all') as Result;
  const holdout = score(api, 'holdout') as Result;

  it('PII F1 >= 0.95 overall and per type, zero checksum-invalid values reported', () => {
    expect(all.pii.f1).toBeGreaterThanOrEqual(0.95);
    for (const [type, m] of Object.entries(all.pii.types)) expect([type, m.f1 >= 0.95]).toEqual([type, true]);
    expect(all.pii.invalidCases).toBeGreaterThan(100);
    expect(all.pii.invalidReported).toBe(0);
  });

  it('injection F1 >= 0.90 at FPR <= 3%', () => {
    expect(all.injection.f1).toBeGreaterThanOrEqual(0.9);
    expect(all.injection.fpr).toBeLessThanOrEqual(0.03);
  });

  it('held-out split (not used for tuning) stays within a regression floor', () => {
    expect(holdout.pii.f1).toBeGreaterThanOrEqual(0.95);
    expect(holdout.pii.invalidReported).toBe(0);
    expect(holdout.injection.f1).toBeGreaterThanOrEqual(0.85);
    expect(holdout.injection.fpr).toBeLessThanOrEqual(0.05);
  });
});
