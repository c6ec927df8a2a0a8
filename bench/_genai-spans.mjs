// The realistic GenAI spans the collector benchmarks send and process (SpanRecord shape of
// collector/src/model.ts): shared by bench/collector.mjs and bench/collector-processors.mjs.

/** Spans per OTLP request in the collector benchmarks. */
export const BATCH = 512;

export function hex(n) {
  let s = '';
  for (let i = 0; i < n; i++)
    s += Math.floor(Math.random() * 256)
      .toString(16)
      .padStart(2, '0');
  return s;
}

/**
 * `n` random lowercase letters: a word-like nonce. Not hex: digits make the guardrail scan run its
 * digit-hungry PII patterns (≈ 10 µs more per 1 KB text than the prose it stands in for).
 */
export function letters(n) {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(97 + Math.floor(Math.random() * 26));
  return s;
}

/**
 * Stands for the request-specific part of every input text in a body encoded once and sent many times
 * (16 ASCII letters, as many as `letters(16)`): `freshNonce` overwrites it in place, lengths unchanged.
 * The collector caches its guardrail verdicts on input texts (an application repeats system prompts and
 * conversation history), so a benchmark that sent the same user texts again would measure that cache.
 */
export const TEXT_NONCE = 'noncenoncenonce_';

/** Offsets of every occurrence of `needle` (bytes, or an ASCII string) in an encoded body. */
export function offsetsOf(body, needle) {
  const bytes = Buffer.from(needle);
  const offsets = [];
  for (let at = body.indexOf(bytes); at !== -1; at = body.indexOf(bytes, at + 1)) offsets.push(at);
  return offsets;
}

/** Offsets of TEXT_NONCE in an encoded body (JSON or protobuf: the texts are ASCII in both). */
export const nonceOffsets = (body) => offsetsOf(body, TEXT_NONCE);

/** Writes one fresh nonce at every offset of `nonceOffsets(body)`, in place. */
export function freshNonce(body, offsets) {
  const nonce = Buffer.from(letters(16));
  for (const o of offsets) nonce.copy(body, o);
  return body;
}

/**
 * 512 GenAI spans of one trace: an agent root, then chat calls with ~2 KB of messages. Every input text
 * starts with `nonce` (default: a fresh random one), so no two requests share a user text.
 */
export function spanRecords(traceId, nonce = letters(16)) {
  const now = BigInt(Date.now()) * 1_000_000n;
  const rootId = hex(8);
  const text = 'The quick brown fox jumps over the lazy dog. '.repeat(22); // ~1 KB
  return Array.from({ length: BATCH }, (_, i) => {
    const root = i === 0;
    return {
      traceId,
      spanId: root ? rootId : hex(8),
      parentSpanId: root ? '' : rootId,
      name: root ? 'invoke_agent planner' : 'chat gpt-4o-mini',
      kind: root ? 1 : 3,
      startTimeUnixNano: String(now + BigInt(i) * 1000n),
      endTimeUnixNano: String(now + BigInt(i) * 1000n + 420_000_000n),
      statusCode: 0,
      statusMessage: '',
      attributes: root
        ? {
            'gen_ai.operation.name': 'invoke_agent',
            'gen_ai.agent.name': 'planner',
            'gen_ai.provider.name': 'openai',
          }
        : {
            'gen_ai.operation.name': 'chat',
            'gen_ai.provider.name': 'openai',
            'gen_ai.request.model': 'gpt-4o-mini',
            'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
            'gen_ai.response.id': `chatcmpl-${hex(8)}`,
            'gen_ai.response.finish_reasons': ['stop'],
            'gen_ai.request.temperature': 0.2,
            'gen_ai.request.max_tokens': 512,
            'gen_ai.usage.input_tokens': 850 + i,
            'gen_ai.usage.output_tokens': 120,
            'gen_ai.usage.cache_read.input_tokens': 512,
            'gen_ai.conversation.id': 'conv-42',
            'server.address': 'api.openai.com',
            'server.port': 443,
            'gen_ai.system_instructions': JSON.stringify([
              { type: 'text', content: 'You are a helpful planner.' },
            ]),
            'gen_ai.input.messages': JSON.stringify([
              { role: 'user', parts: [{ type: 'text', content: `${nonce} ${i}: ${text}` }] },
            ]),
            'gen_ai.output.messages': JSON.stringify([
              { role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' },
            ]),
          },
      events: [],
      links: [],
      resource: {
        'service.name': 'bench-app',
        'telemetry.sdk.language': 'nodejs',
        'telemetry.sdk.name': 'opentelemetry',
        'telemetry.sdk.version': '2.12.0',
      },
      scopeName: '@opentelemetry/instrumentation-openai',
      scopeVersion: '0.9.0',
      enrichment: {},
    };
  });
}
