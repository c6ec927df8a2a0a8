import type { Verdict } from './policy';

/** Summary of a blocked verdict's findings: counts only, never matched values. */
export interface FindingsSummary {
  /** Number of findings per kind (PII type, `INJECTION`, `POLICY:<category>`, `CANARY`, `SCHEMA`, ...). */
  counts: Record<string, number>;
  /** Detectors whose findings led to the block. */
  blockedBy: string[];
  /** Injection rule ids that fired, if any. */
  injectionRules?: string[];
}

/** Thrown (by `Policy.enforce` or by middleware) when a policy blocks a request or response. */
export class GuardrailViolationError extends Error {
  override readonly name = 'GuardrailViolationError';
  /** Policy name. */
  readonly policy: string;
  /** `sha256:<12 hex>` of the policy. */
  readonly policyHash: string;
  readonly direction: 'input' | 'output';
  readonly findings: FindingsSummary;

  constructor(verdict: Verdict) {
    const summary: FindingsSummary = {
      counts: { ...verdict.counts },
      blockedBy: [...new Set(verdict.findings.filter((f) => f.action === 'block').map((f) => f.detector))],
    };
    const inj = verdict.findings.find((f) => f.detector === 'injection');
    if (inj?.rules) summary.injectionRules = [...inj.rules];
    super(
      `guardrail policy "${verdict.policy}" blocked the ${verdict.direction} (${summary.blockedBy.join(', ') || 'detector error'})`,
    );
    this.policy = verdict.policy;
    this.policyHash = verdict.policyHash;
    this.direction = verdict.direction;
    this.findings = summary;
  }
}
