/**
 * OpenTelemetry GenAI conventions ≤ v1.36 (GUIDE.md §10): `gen_ai.system`, `gen_ai.openai.*`,
 * `prompt_tokens`/`completion_tokens`, the ≤ v1.26 `gen_ai.prompt`/`gen_ai.completion` strings (as span
 * attributes or on `gen_ai.content.prompt/completion` span events), and per-message span events.
 */
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_OPENAI_REQUEST_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
  GEN_AI_OUTPUT_TYPE_VALUES,
} from '@genai-ops/core';
import type { SpanRecord } from '../../model.js';
import { foldMessageEvents, isLegacyMessageEvent } from '../legacy-events.js';
import { type AttrBuilder, int, strAttr } from '../normalize-builder.js';
import {
  canonicalJson,
  isObj,
  parseJsonValue,
  someKey,
  toInputMessage,
  toOutputMessage,
} from '../normalize-messages.js';
import { mapProviderName } from './providers.js';

/** Keys of conventions ≤ v1.36 that were renamed or removed. */
export const LEGACY = {
  SYSTEM: 'gen_ai.system',
  USAGE_PROMPT_TOKENS: 'gen_ai.usage.prompt_tokens',
  USAGE_COMPLETION_TOKENS: 'gen_ai.usage.completion_tokens',
  OPENAI_REQUEST_SERVICE_TIER: 'gen_ai.openai.request.service_tier',
  OPENAI_RESPONSE_SERVICE_TIER: 'gen_ai.openai.response.service_tier',
  OPENAI_RESPONSE_SYSTEM_FINGERPRINT: 'gen_ai.openai.response.system_fingerprint',
  OPENAI_REQUEST_SEED: 'gen_ai.openai.request.seed',
  OPENAI_REQUEST_RESPONSE_FORMAT: 'gen_ai.openai.request.response_format',
  /** ≤ v1.26: the whole prompt / completion as one string. */
  PROMPT: 'gen_ai.prompt',
  COMPLETION: 'gen_ai.completion',
  EVENT_CONTENT_PROMPT: 'gen_ai.content.prompt',
  EVENT_CONTENT_COMPLETION: 'gen_ai.content.completion',
} as const;

export function detectOtelLegacy(span: SpanRecord): boolean {
  const a = span.attributes;
  return (
    LEGACY.SYSTEM in a ||
    LEGACY.USAGE_PROMPT_TOKENS in a ||
    LEGACY.PROMPT in a ||
    someKey(a, (k) => k.startsWith('gen_ai.openai.')) ||
    span.events.some((e) => e.name.startsWith('gen_ai.content.') || isLegacyMessageEvent(e.name))
  );
}

function responseFormatToOutputType(v: string): string {
  if (v === 'json_object' || v === 'json_schema' || v === 'json') return GEN_AI_OUTPUT_TYPE_VALUES.JSON;
  return v;
}

/** The ≤ v1.26 prompt string: a JSON array of chat messages, or plain text (one user message). */
function promptToMessages(raw: string): string {
  const parsed = parseJsonValue(raw);
  const list = Array.isArray(parsed) ? parsed : [{ role: 'user', content: raw }];
  return canonicalJson(list.map((m) => toInputMessage(m)).filter((m) => m !== undefined));
}

function completionToMessages(raw: string): string {
  const parsed = parseJsonValue(raw);
  const list = Array.isArray(parsed) ? parsed : [{ role: 'assistant', content: raw }];
  return canonicalJson(
    list
      .map((m) => toOutputMessage(isObj(m) ? { role: 'assistant', ...m } : m))
      .filter((m) => m !== undefined),
  );
}

export function applyOtelLegacy(span: SpanRecord, b: AttrBuilder): void {
  const system = strAttr(b.get(LEGACY.SYSTEM));
  if (system) b.set(ATTR_GEN_AI_PROVIDER_NAME, mapProviderName(system));
  b.set(ATTR_GEN_AI_USAGE_INPUT_TOKENS, int(b.get(LEGACY.USAGE_PROMPT_TOKENS)));
  b.set(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, int(b.get(LEGACY.USAGE_COMPLETION_TOKENS)));
  b.set(ATTR_OPENAI_REQUEST_SERVICE_TIER, strAttr(b.get(LEGACY.OPENAI_REQUEST_SERVICE_TIER)));
  b.set(ATTR_OPENAI_RESPONSE_SERVICE_TIER, strAttr(b.get(LEGACY.OPENAI_RESPONSE_SERVICE_TIER)));
  b.set(ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT, strAttr(b.get(LEGACY.OPENAI_RESPONSE_SYSTEM_FINGERPRINT)));
  b.set(ATTR_GEN_AI_REQUEST_SEED, int(b.get(LEGACY.OPENAI_REQUEST_SEED)));
  const fmt = strAttr(b.get(LEGACY.OPENAI_REQUEST_RESPONSE_FORMAT));
  if (fmt) b.set(ATTR_GEN_AI_OUTPUT_TYPE, responseFormatToOutputType(fmt));

  // ≤ v1.26 strings, on the span itself or on gen_ai.content.* span events.
  let prompt = strAttr(b.get(LEGACY.PROMPT));
  let completion = strAttr(b.get(LEGACY.COMPLETION));
  for (const ev of span.events) {
    if (ev.name === LEGACY.EVENT_CONTENT_PROMPT) prompt ??= strAttr(ev.attributes[LEGACY.PROMPT]);
    if (ev.name === LEGACY.EVENT_CONTENT_COMPLETION) completion ??= strAttr(ev.attributes[LEGACY.COMPLETION]);
  }
  if (prompt) b.set(ATTR_GEN_AI_INPUT_MESSAGES, promptToMessages(prompt));
  if (completion) b.set(ATTR_GEN_AI_OUTPUT_MESSAGES, completionToMessages(completion));

  // ≤ v1.36 per-message events sent as span events: the body is the `body` attribute, or the attributes.
  const msgEvents = span.events.filter((e) => isLegacyMessageEvent(e.name));
  if (msgEvents.length) {
    const folded = foldMessageEvents(
      msgEvents.map((e) => ({
        name: e.name,
        body: 'body' in e.attributes ? e.attributes.body : e.attributes,
      })),
    );
    b.set(ATTR_GEN_AI_SYSTEM_INSTRUCTIONS, folded.systemInstructions);
    b.set(ATTR_GEN_AI_INPUT_MESSAGES, folded.inputMessages);
    b.set(ATTR_GEN_AI_OUTPUT_MESSAGES, folded.outputMessages);
  }
}
