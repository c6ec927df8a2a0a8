/**
 * Attribute keys of guardrail checks. Where the draft guardrail conventions (GUIDE.md §11:
 * `gen_ai.apply_guardrail.client` span, `gen_ai.guardrail.*`, not in the pinned registry) name a value,
 * we use their key; where the draft is silent, our own `genai_ops.guardrail.*` namespace.
 */
export const OPERATION_APPLY_GUARDRAIL = 'apply_guardrail' as const;

// Draft conventions (post-pin, unreleased).
export const ATTR_GEN_AI_GUARDRAIL_COMPONENT_NAME = 'gen_ai.guardrail.component.name' as const;
export const ATTR_GEN_AI_GUARDRAIL_POLICY_ID = 'gen_ai.guardrail.policy.id' as const;
export const ATTR_GEN_AI_GUARDRAIL_POLICY_VERSION = 'gen_ai.guardrail.policy.version' as const;
/** The engine's own decision (allow, flag, redact, block): a native value, nothing inferred. */
export const ATTR_GEN_AI_GUARDRAIL_RESULT_VALUE = 'gen_ai.guardrail.result.value' as const;

// Ours.
export const ATTR_GUARDRAIL_DIRECTION = 'genai_ops.guardrail.direction' as const;
export const ATTR_GUARDRAIL_POLICY_HASH = 'genai_ops.guardrail.policy.hash' as const;
export const ATTR_GUARDRAIL_DETECTORS = 'genai_ops.guardrail.detectors' as const;
export const ATTR_GUARDRAIL_RULES = 'genai_ops.guardrail.rules' as const;
export const ATTR_GUARDRAIL_PII_TYPES = 'genai_ops.guardrail.pii_types' as const;
export const ATTR_GUARDRAIL_FINDING_COUNT = 'genai_ops.guardrail.finding_count' as const;
/** JSON object: count per finding kind (PII type, INJECTION, POLICY:<category>, CANARY, SCHEMA). */
export const ATTR_GUARDRAIL_COUNTS = 'genai_ops.guardrail.counts' as const;
/** Highest injection score seen in the check. */
export const ATTR_GUARDRAIL_INJECTION_SCORE = 'genai_ops.guardrail.injection.score' as const;
export const ATTR_GUARDRAIL_DURATION_MS = 'genai_ops.guardrail.duration_ms' as const;
export const ATTR_GUARDRAIL_SEGMENTS = 'genai_ops.guardrail.segments' as const;
export const ATTR_GUARDRAIL_STREAMING = 'genai_ops.guardrail.streaming' as const;
export const ATTR_GUARDRAIL_ERRORS = 'genai_ops.guardrail.errors' as const;
/** On the LLM call span: the outcome of its input and output checks. */
export const ATTR_GUARDRAIL_INPUT_ACTION = 'genai_ops.guardrail.input.action' as const;
export const ATTR_GUARDRAIL_OUTPUT_ACTION = 'genai_ops.guardrail.output.action' as const;
