import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  type CallGuard,
  type GuardCallInfo,
  type GuardTextSegment,
  getCallGuard,
  getGlobalRedactHook,
  type InputGuardResult,
  type OutputGuard,
  REDACTION_FAILED,
  setCallGuard,
  setGlobalRedactHook,
} from '@genai-ops/core';
import {
  type Action,
  createStreamGuard,
  GuardrailViolationError,
  loadPolicy,
  maxAction,
  Policy,
  type PolicyConfig,
  type StreamGuard,
  type TextSource,
  type Verdict,
  type VerdictFinding,
} from '@genai-ops/guardrails';
import {
  type Attributes,
  context,
  diag,
  type Span,
  SpanKind,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import * as A from './attributes.js';

/** Options of the in-process guardrail middleware. */
export interface GuardrailsMiddlewareConfig {
  /**
   * Also redact message content that instrumentations capture (span attributes and events) with the
   * policy's input PII and secret detectors, whatever their action, so no raw value leaves the process
   * in telemetry. Default: true.
   */
  redactCapturedContent?: boolean;
  /** Record each check as an `apply_guardrail` child span of the LLM call. Default: true. */
  recordSpans?: boolean;
  /** Tracer provider for the check spans. Default: the global one. */
  tracerProvider?: TracerProvider;
}

interface CheckRecord {
  direction: 'input' | 'output';
  action: Action;
  findings: VerdictFinding[];
  counts: Record<string, number>;
  errors: number;
  segments: number;
  streaming: boolean;
  startMs: number;
  endMs: number;
}

function mergeCounts(into: Record<string, number>, add: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(add)) into[k] = (into[k] ?? 0) + v;
}

/** Evaluates texts in order; the most severe action, merged findings, and replacement texts for redactions. */
function evaluateAll(
  policy: Policy,
  texts: ReadonlyArray<{ text: string; source: TextSource }>,
  direction: 'input' | 'output',
): {
  action: Action;
  findings: VerdictFinding[];
  counts: Record<string, number>;
  errors: number;
  replaced?: string[];
  blocking?: Verdict;
} {
  let action: Action = 'allow';
  let replaced: string[] | undefined;
  let blocking: Verdict | undefined;
  const findings: VerdictFinding[] = [];
  const counts: Record<string, number> = {};
  let errors = 0;
  for (let i = 0; i < texts.length; i++) {
    const { text, source } = texts[i]!;
    if (text === '') continue;
    const v = policy.evaluate(text, { direction, source });
    action = maxAction(action, v.action);
    findings.push(...v.findings);
    mergeCounts(counts, v.counts);
    errors += v.errors?.length ?? 0;
    if (v.action === 'block') blocking ??= v;
    else if (v.action === 'redact' && v.redactedText !== undefined) {
      replaced ??= texts.map((t) => t.text);
      replaced[i] = v.redactedText;
    }
  }
  return {
    action,
    findings,
    counts,
    errors,
    ...(replaced ? { replaced } : {}),
    ...(blocking ? { blocking } : {}),
  };
}

/** Marks an engine error as a guard block for the instrumentations (see core `isGuardError`). */
function violation(verdict: Verdict): GuardrailViolationError {
  const err = new GuardrailViolationError(verdict);
  Object.defineProperty(err, 'isGuardrailViolation', { value: true, enumerable: false });
  return err;
}

/**
 * A `CallGuard` (the hook every genai-ops instrumentation calls) that runs a guardrail policy on the
 * input of each LLM call before it is sent and on its output, streaming included, and records every
 * decision on the trace: policy name, version and hash, detectors, action, rule ids, PII types and
 * counts, timing; never the matched values.
 *
 * @example
 * const guard = new PolicyCallGuard(loadPolicy('./policy.yaml'));
 * setCallGuard(guard);
 */
export class PolicyCallGuard implements CallGuard {
  readonly policy: Policy;
  private readonly _tracer: Tracer | undefined;

  constructor(policy: Policy, config: GuardrailsMiddlewareConfig = {}) {
    this.policy = policy;
    this._tracer =
      config.recordSpans === false
        ? undefined
        : (config.tracerProvider ?? trace.getTracerProvider()).getTracer(
            '@genai-ops/guardrails-middleware',
            '0.1.0',
          );
  }

  checkInput(call: GuardCallInfo, segments: GuardTextSegment[]): InputGuardResult | undefined {
    if (!this.policy.config.input || segments.length === 0) return undefined;
    const startMs = performance.now();
    const r = evaluateAll(this.policy, segments, 'input');
    this._record(call, {
      direction: 'input',
      action: r.action,
      findings: r.findings,
      counts: r.counts,
      errors: r.errors,
      segments: segments.length,
      streaming: false,
      startMs,
      endMs: performance.now(),
    });
    if (r.blocking) throw violation(r.blocking);
    return r.replaced ? { texts: r.replaced } : undefined;
  }

  startOutput(call: GuardCallInfo): OutputGuard | undefined {
    if (!this.policy.config.output) return undefined;
    let stream: StreamGuard | undefined;
    let firstMs = 0;
    let recorded = false;
    const policy = this.policy;
    const finishStream = (sg: StreamGuard, extra: VerdictFinding[]): void => {
      if (recorded) return;
      recorded = true;
      this._record(call, {
        direction: 'output',
        action: sg.blocked ? 'block' : extra.reduce<Action>((a, f) => maxAction(a, f.action), 'allow'),
        findings: extra,
        counts: { ...sg.counts },
        errors: 0,
        segments: 1,
        streaming: true,
        startMs: firstMs,
        endMs: performance.now(),
      });
    };
    const seen: VerdictFinding[] = [];
    return {
      push: (delta: string): void => {
        if (stream === undefined) {
          firstMs = performance.now();
          stream = createStreamGuard(policy);
        }
        const step = stream.push(delta);
        seen.push(...step.findings);
        if (step.action === 'block') {
          finishStream(stream, seen);
          throw violation(this._streamVerdict(stream, seen));
        }
      },
      finish: (texts: string[]): string[] | undefined => {
        if (stream !== undefined) {
          const step = stream.finish();
          seen.push(...step.findings);
          finishStream(stream, seen);
          if (step.action === 'block' || stream.blocked) throw violation(this._streamVerdict(stream, seen));
          return undefined;
        }
        const startMs = performance.now();
        const r = evaluateAll(
          policy,
          texts.map((text) => ({ text, source: 'model' as const })),
          'output',
        );
        this._record(call, {
          direction: 'output',
          action: r.action,
          findings: r.findings,
          counts: r.counts,
          errors: r.errors,
          segments: texts.length,
          streaming: false,
          startMs,
          endMs: performance.now(),
        });
        if (r.blocking) throw violation(r.blocking);
        return r.replaced;
      },
    };
  }

  private _streamVerdict(sg: StreamGuard, findings: VerdictFinding[]): Verdict {
    return {
      action: 'block',
      direction: 'output',
      source: 'model',
      findings,
      counts: { ...sg.counts },
      policy: this.policy.name,
      ...(this.policy.version !== undefined ? { policyVersion: this.policy.version } : {}),
      policyHash: this.policy.hash,
      elapsedMs: 0,
    };
  }

  /** Records a check: an `apply_guardrail` child span and a summary attribute on the call span. */
  private _record(call: GuardCallInfo, r: CheckRecord): void {
    try {
      call.span.setAttribute(
        r.direction === 'input' ? A.ATTR_GUARDRAIL_INPUT_ACTION : A.ATTR_GUARDRAIL_OUTPUT_ACTION,
        r.action,
      );
      if (!this._tracer) return;
      const detectors = [...new Set(r.findings.map((f) => f.detector))].sort();
      const rules = [...new Set(r.findings.flatMap((f) => f.rules ?? []))].sort();
      const piiTypes = [
        ...new Set(
          r.findings.filter((f) => f.detector === 'pii' || f.detector === 'secrets').map((f) => f.type),
        ),
      ].sort();
      const injection = r.findings
        .filter((f) => f.detector === 'injection')
        .reduce((m, f) => Math.max(m, f.score ?? 0), 0);
      const attributes: Attributes = {
        [ATTR_GEN_AI_OPERATION_NAME]: A.OPERATION_APPLY_GUARDRAIL,
        [ATTR_GEN_AI_PROVIDER_NAME]: call.provider,
        [A.ATTR_GEN_AI_GUARDRAIL_COMPONENT_NAME]: 'genai-ops',
        [A.ATTR_GEN_AI_GUARDRAIL_POLICY_ID]: this.policy.name,
        [A.ATTR_GEN_AI_GUARDRAIL_POLICY_VERSION]: String(this.policy.version ?? this.policy.hash),
        [A.ATTR_GEN_AI_GUARDRAIL_RESULT_VALUE]: r.action,
        [A.ATTR_GUARDRAIL_DIRECTION]: r.direction,
        [A.ATTR_GUARDRAIL_POLICY_HASH]: this.policy.hash,
        [A.ATTR_GUARDRAIL_DETECTORS]: detectors,
        [A.ATTR_GUARDRAIL_RULES]: rules,
        [A.ATTR_GUARDRAIL_PII_TYPES]: piiTypes,
        [A.ATTR_GUARDRAIL_FINDING_COUNT]: r.findings.length,
        [A.ATTR_GUARDRAIL_COUNTS]: JSON.stringify(r.counts),
        [A.ATTR_GUARDRAIL_DURATION_MS]: r.endMs - r.startMs,
        [A.ATTR_GUARDRAIL_SEGMENTS]: r.segments,
        [A.ATTR_GUARDRAIL_STREAMING]: r.streaming,
      };
      if (injection > 0) attributes[A.ATTR_GUARDRAIL_INJECTION_SCORE] = injection;
      if (r.errors > 0) attributes[A.ATTR_GUARDRAIL_ERRORS] = r.errors;
      const origin = performance.timeOrigin;
      const span: Span = this._tracer.startSpan(
        `${A.OPERATION_APPLY_GUARDRAIL} ${this.policy.name}`,
        { kind: SpanKind.INTERNAL, attributes, startTime: origin + r.startMs },
        trace.setSpan(context.active(), call.span),
      );
      span.end(origin + r.endMs);
    } catch (err) {
      diag.debug('genai-ops: failed to record guardrail check', err);
    }
  }
}

/** What `installGuardrails` returns. */
export interface InstalledGuardrails {
  guard: PolicyCallGuard;
  policy: Policy;
  /** Removes the guard and the content redaction hook it installed (unless since replaced by others). */
  uninstall(): void;
}

/**
 * Installs a guardrail policy in the request path of every instrumented LLM call in this process
 * (process-wide, through core's `setCallGuard`), and, by default, redaction of captured content.
 *
 * @param policy a policy file path (YAML or JSON), a policy object, or a loaded `Policy`
 * @example
 * import { installGuardrails } from '@genai-ops/guardrails-middleware';
 * installGuardrails('./guardrails.yaml');
 * // or with the register entry: GENAI_OPS_GUARDRAILS_POLICY=./guardrails.yaml
 */
export function installGuardrails(
  policy: string | PolicyConfig | Policy,
  config: GuardrailsMiddlewareConfig = {},
): InstalledGuardrails {
  const loaded = policy instanceof Policy ? policy : loadPolicy(policy);
  const guard = new PolicyCallGuard(loaded, config);
  setCallGuard(guard);
  const redactor = config.redactCapturedContent !== false ? createContentRedactor(loaded) : undefined;
  if (redactor) setGlobalRedactHook(redactor);
  return {
    guard,
    policy: loaded,
    uninstall() {
      // Only what this installation put in place: not an app's own hook, nor a later installation's.
      if (getCallGuard() === guard) setCallGuard(undefined);
      if (redactor && getGlobalRedactHook() === redactor) setGlobalRedactHook(undefined);
    },
  };
}

/**
 * A redaction hook for captured telemetry content: replaces every PII and secret value the policy's
 * detectors find (input section, whatever its action or per-type action) with its typed placeholder. When
 * a detector fails, the whole text becomes `[REDACTION_FAILED]`.
 */
export function createContentRedactor(policy: Policy): (text: string) => string {
  const cfg = policy.config.input ?? {};
  // Per-type actions (`typeActions: { CREDIT_CARD: block }`) are for the request path: in telemetry every
  // type is redacted (a `block` or `flag` type would leave the verdict without redacted text).
  const { typeActions: _typeActions, ...pii } = cfg.pii ?? {};
  const telemetry = loadPolicy({
    name: `${policy.name}:telemetry`,
    input: {
      pii: { ...pii, action: 'redact' },
      secrets: { ...(cfg.secrets ?? {}), action: 'redact' },
    },
    ...(policy.config.redaction ? { redaction: policy.config.redaction } : {}),
  });
  return (text: string) => {
    if (text.length < 5) return text;
    const v = telemetry.evaluate(text, { direction: 'input' });
    // A detector that threw found nothing it could vouch for: fail closed, as core does for a hook that throws.
    if (v.errors !== undefined && v.errors.length > 0) return REDACTION_FAILED;
    return v.redactedText ?? text;
  };
}
