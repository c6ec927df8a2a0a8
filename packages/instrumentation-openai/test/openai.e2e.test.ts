/**
 * End to end: real openai SDKs (v4 oldest supported major, v6 newest that runs on Node 20) in child
 * processes, CommonJS and ESM, against the fake provider, exporting over OTLP to a local receiver.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CapturedSpan, OtlpCapture } from '../../../test/helpers/otlp-capture';
import { otlpEnv, REPO_ROOT, runNode } from '../../../test/helpers/run-node';
import { validateAttributes, validateMessages } from '../../../test/helpers/semconv';
import {
  FIXTURES,
  linkSdkFixtures,
  normalize,
  parseResults,
  type ScenarioResult,
  spansByScenario,
} from './sdk-fixtures';

const INSTRUMENTATION = '@genai-ops/instrumentation-openai:OpenAIInstrumentation';
const ERROR = 2;

interface Run {
  results: Record<string, ScenarioResult>;
  spans: Record<string, CapturedSpan[]>;
  all: CapturedSpan[];
  capture: OtlpCapture;
  stdout: string;
  code: number | null;
}

/**
 * ESM preloads: the shared one (IITM hooks every module) for v6; for v4 one that hooks only `openai`,
 * because IITM breaks the v4 SDK's side-effect shims (see fixtures/setup-otel-iitm-include.mjs).
 */
const ESM_PRELOAD: Record<string, string> = {
  v4: join(FIXTURES, 'setup-otel-iitm-include.mjs'),
  v6: join(REPO_ROOT, 'test/helpers/setup-otel.mjs'),
};

async function runFixture(
  script: string,
  options: { esmPreload?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const capture = new OtlpCapture();
  const url = await capture.start();
  try {
    const preload = options.esmPreload
      ? ['--import', options.esmPreload]
      : ['--require', join(REPO_ROOT, 'test/helpers/setup-otel.cjs')];
    const res = await runNode(script, {
      nodeArgs: ['--preserve-symlinks', ...preload],
      env: { ...otlpEnv(url), GENAI_OPS_TEST_INSTRUMENTATIONS: INSTRUMENTATION, ...options.env },
      timeoutMs: 60_000,
    });
    const results = parseResults(res.stdout);
    if (!res.stdout.includes('DONE')) throw new Error(`fixture did not finish: ${res.stdout}\n${res.stderr}`);
    // The child flushed before printing DONE; give the receiver a moment for in-flight requests.
    await new Promise((r) => setTimeout(r, 100));
    return {
      results,
      spans: spansByScenario(capture.spans),
      all: capture.spans,
      capture,
      stdout: res.stdout,
      code: res.code,
    };
  } finally {
    await capture.close();
  }
}

function only(run: Run, scenario: string): CapturedSpan {
  const spans = run.spans[scenario] ?? [];
  expect(spans, `spans of ${scenario}`).toHaveLength(1);
  return spans[0]!;
}

beforeAll(() => linkSdkFixtures());

const SCENARIOS = [
  'basic',
  'tools',
  'stream',
  'streamUsage',
  'streamBreak',
  'streamAbort',
  'streamAbortBeforeRead',
  'streamGc',
  'abort',
  'streamDrop',
  'status500',
  'status400',
  'doubleIteration',
  'tee',
  'readable',
  'withResponse',
  'asResponse',
  'parse',
  'streamHelper',
  'responses',
  'responsesStream',
  'embeddings',
  'azure',
  'guardBlock',
  'guardRedact',
  'guardOutputRedact',
  'guardStreamBlock',
];

describe.each([
  ['v4', 'cjs'],
  ['v4', 'esm'],
  ['v6', 'cjs'],
  ['v6', 'esm'],
])('openai %s (%s), content capture off', (version, format) => {
  let run: Run;
  beforeAll(async () => {
    run = await runFixture(join(FIXTURES, 'sdk', version, `app.${format === 'esm' ? 'mjs' : 'cjs'}`), {
      esmPreload: format === 'esm' ? ESM_PRELOAD[version] : undefined,
    });
  }, 90_000);

  it('runs every scenario, exits 0 with no unhandled rejection', () => {
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('DONE unhandled=0');
    expect(Object.keys(run.results).sort()).toEqual([...SCENARIOS].sort());
    for (const r of Object.values(run.results)) expect(r.ok, `${r.name}: ${r.error}`).toBe(true);
  });

  it('emits exactly one span per logical call, all valid against the registry, no content', () => {
    for (const name of SCENARIOS) {
      const span = only(run, name);
      expect(validateAttributes(span.attributes), name).toEqual([]);
      expect(span.kind).toBe(3); // CLIENT
      for (const key of [
        'gen_ai.input.messages',
        'gen_ai.output.messages',
        'gen_ai.system_instructions',
        'gen_ai.tool.definitions',
      ]) {
        expect(span.attributes[key], `${name} ${key}`).toBeUndefined();
      }
    }
    // The helpers call `create` internally: still one span, and no span without our model prefix.
    expect(run.all.filter((s) => s.scope === '@genai-ops/instrumentation-openai')).toHaveLength(
      SCENARIOS.length,
    );
  });

  it('non-streaming chat: the whole attribute map', () => {
    const span = only(run, 'basic');
    const usage = run.results.basic!.detail.usage;
    expect(span.name).toBe('chat m-basic');
    expect(span.status.code).toBe(0);
    expect(normalize(span.attributes)).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'm-basic',
      'server.address': '127.0.0.1',
      'server.port': '<port>',
      'openai.api.type': 'chat_completions',
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.temperature': 0.5,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.frequency_penalty': 0.1,
      'gen_ai.request.presence_penalty': 0.2,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.request.seed': 7,
      'gen_ai.output.type': 'text',
      'gen_ai.request.reasoning.level': 'low',
      'openai.request.service_tier': 'default',
      'gen_ai.response.id': '<id>',
      'gen_ai.response.model': 'm-basic-2024-07-18',
      'gen_ai.response.finish_reasons': ['stop'],
      'openai.response.service_tier': 'default',
      'openai.response.system_fingerprint': 'fp_fake0001',
      'gen_ai.usage.input_tokens': usage.prompt_tokens,
      'gen_ai.usage.output_tokens': usage.completion_tokens,
      'gen_ai.usage.cache_read.input_tokens': usage.prompt_tokens_details.cached_tokens,
      'gen_ai.usage.reasoning.output_tokens': usage.completion_tokens_details.reasoning_tokens,
    });
    expect(usage.prompt_tokens_details.cached_tokens).toBe(2);
  });

  it('streaming: usage always recorded, the usage-only chunk we asked for is hidden', () => {
    const stream = run.results.stream!.detail;
    expect(stream.emptyChoiceChunks).toBe(0);
    expect(stream.sentIncludeUsage).toEqual({ include_usage: true });
    const span = only(run, 'stream');
    expect(span.attributes['gen_ai.request.stream']).toBe(true);
    expect(span.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
    // A caller who asked for usage still sees its usage chunk.
    expect(run.results.streamUsage!.detail.usageChunks).toBe(1);
    expect(only(run, 'streamUsage').attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
  });

  it('early break ends the span without error; abort and drop end it with an error', () => {
    const brk = only(run, 'streamBreak');
    expect(run.results.streamBreak!.detail.n).toBe(2);
    expect(brk.status.code).toBe(0);
    expect(brk.attributes['error.type']).toBeUndefined();
    expect(brk.attributes['gen_ai.response.finish_reasons']).toBeUndefined();

    const streamAbort = only(run, 'streamAbort');
    expect(streamAbort.status.code).toBe(ERROR);
    expect(streamAbort.attributes['error.type']).toBe('APIUserAbortError');

    // The stream object collected mid-iteration (only the iterator kept): the span still ends with it.
    expect(run.results.streamGc!.detail.n).toBeGreaterThan(2);
    const collected = only(run, 'streamGc');
    expect(collected.status.code).toBe(0);
    expect(collected.attributes['error.type']).toBeUndefined();
    expect(collected.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(collected.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);

    // Aborted before anyone read it: nothing iterates the stream, the abort alone ends its span.
    expect(run.results.streamAbortBeforeRead!.detail.aborted).toBe(true);
    const unread = only(run, 'streamAbortBeforeRead');
    expect(unread.status.code).toBe(ERROR);
    expect(unread.attributes['error.type']).toBe('APIUserAbortError');

    expect(run.results.abort!.detail.error).toBe('APIUserAbortError');
    expect(only(run, 'abort').attributes['error.type']).toBe('APIUserAbortError');

    const drop = only(run, 'streamDrop');
    expect(run.results.streamDrop!.detail.error).not.toBeNull();
    expect(drop.status.code).toBe(ERROR);
    expect(typeof drop.attributes['error.type']).toBe('string');
  });

  it('HTTP 4xx/5xx: error.type is the SDK error class', () => {
    for (const [name, type] of [
      ['status500', 'InternalServerError'],
      ['status400', 'BadRequestError'],
    ] as const) {
      expect(run.results[name]!.detail.error).toBe(type);
      const span = only(run, name);
      expect(span.status.code).toBe(ERROR);
      expect(span.attributes['error.type']).toBe(type);
    }
  });

  it('double iteration, tee() and toReadableStream() keep SDK behaviour with one span each', () => {
    expect(run.results.doubleIteration!.detail.first).toBe(7);
    expect(run.results.doubleIteration!.detail.second).not.toBe('no error');
    expect(only(run, 'doubleIteration').status.code).toBe(0);
    expect(run.results.tee!.detail).toEqual({ na: 7, nb: 7 });
    expect(only(run, 'tee').attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
    expect(run.results.readable!.detail.bytes).toBe(true);
    expect(only(run, 'readable').attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
  });

  it('withResponse(), asResponse(), parse() and the stream helper keep working', () => {
    expect(only(run, 'withResponse').attributes['gen_ai.response.id']).toBe(
      run.results.withResponse!.detail.id,
    );
    // asResponse(): the caller reads the body; the span ends without it.
    const raw = only(run, 'asResponse');
    expect(run.results.asResponse!.detail.id).toMatch(/^chatcmpl-/);
    expect(raw.attributes['gen_ai.response.id']).toBeUndefined();
    expect(raw.status.code).toBe(0);
    expect(run.results.parse!.detail.hasParsed).toBe(true);
    expect(only(run, 'parse').attributes['gen_ai.output.type']).toBe('json');
    expect(run.results.streamHelper!.detail.same).toBe(true);
    const helper = only(run, 'streamHelper');
    expect(helper.attributes['gen_ai.request.stream']).toBe(true);
    expect(helper.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);
  });

  it('Responses API and embeddings', () => {
    const r = only(run, 'responses');
    expect(r.attributes).toMatchObject({
      'openai.api.type': 'responses',
      'gen_ai.request.max_tokens': 50,
      'gen_ai.request.temperature': 0.3,
      'gen_ai.output.type': 'json',
      'gen_ai.request.reasoning.level': 'medium',
      'gen_ai.request.previous_response.id': 'resp_prev1',
      'gen_ai.response.finish_reasons': ['stop'],
    });
    const rs = only(run, 'responsesStream');
    expect(run.results.responsesStream!.detail.last).toBe('response.completed');
    expect(rs.attributes['gen_ai.request.stream']).toBe(true);
    expect(rs.attributes['gen_ai.response.id']).toMatch(/^resp_/);
    expect(rs.attributes['gen_ai.usage.output_tokens']).toBeGreaterThan(0);

    const e = only(run, 'embeddings');
    expect(e.name).toBe('embeddings m-embeddings');
    expect(normalize(e.attributes)).toEqual({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'm-embeddings',
      'server.address': '127.0.0.1',
      'server.port': '<port>',
      'gen_ai.request.encoding_formats': ['float'],
      'gen_ai.embeddings.dimension.count': 8,
      'gen_ai.response.model': e.attributes['gen_ai.response.model'],
      'gen_ai.usage.input_tokens': e.attributes['gen_ai.usage.input_tokens'],
    });
    expect(e.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
  });

  it('AzureOpenAI is azure.ai.openai', () => {
    const span = only(run, 'azure');
    expect(span.attributes['gen_ai.provider.name']).toBe('azure.ai.openai');
    expect(span.attributes['server.address']).toBe('127.0.0.1');
  });

  it('guard hook: block (provider not called), redact a copy, output redaction and stream block', () => {
    expect(run.results.guardBlock!.detail).toEqual({ error: 'GuardrailViolationError', sent: 0 });
    expect(only(run, 'guardBlock').attributes['error.type']).toBe('GuardrailViolationError');
    expect(run.results.guardRedact!.detail).toMatchObject({
      callerKept: 'my SECRET is here',
      sent: 'my [REDACTED] is here',
    });
    expect(run.results.guardOutputRedact!.detail.reply).toContain('[OUT]');
    expect(run.results.guardStreamBlock!.detail.error).toBe('GuardrailViolationError');
    expect(run.results.guardStreamBlock!.detail.text).not.toContain('OUTBAD');
    expect(only(run, 'guardStreamBlock').attributes['error.type']).toBe('GuardrailViolationError');
  });

  it('records the client metrics with the OpenAI metric attributes', async () => {
    const durations = run.capture.metricPoints('gen_ai.client.operation.duration');
    const basic = durations.find((p) => p.attributes['gen_ai.request.model'] === 'm-basic');
    expect(basic?.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'm-basic',
      'gen_ai.response.model': 'm-basic-2024-07-18',
      'server.address': '127.0.0.1',
      'server.port': basic?.attributes['server.port'],
      'openai.response.service_tier': 'default',
      'openai.response.system_fingerprint': 'fp_fake0001',
    });
    const tokens = run.capture
      .metricPoints('gen_ai.client.token.usage')
      .filter((p) => p.attributes['gen_ai.request.model'] === 'm-basic');
    expect(tokens.map((p) => p.attributes['gen_ai.token.type']).sort()).toEqual(['input', 'output']);
    const ttfc = run.capture.metricPoints('gen_ai.client.operation.time_to_first_chunk');
    expect(ttfc.some((p) => p.attributes['gen_ai.request.model'] === 'm-stream')).toBe(true);
    const failed = durations.find((p) => p.attributes['gen_ai.request.model'] === 'm-status500');
    expect(failed?.attributes['error.type']).toBe('InternalServerError');
  });
});

describe.each(['v4', 'v6'])('openai %s, content capture on (env)', (version) => {
  let run: Run;
  beforeAll(async () => {
    run = await runFixture(join(FIXTURES, 'sdk', version, 'app.cjs'), {
      env: {
        OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
        SCENARIOS: 'basic,tools,stream,responses,guardRedact,guardOutputRedact,embeddings',
      },
    });
  }, 90_000);

  it('records input and output messages, valid against the JSON schemas', () => {
    const span = only(run, 'basic');
    const input = JSON.parse(span.attributes['gen_ai.input.messages'] as string);
    expect(input).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'You are terse.' }] },
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'hello there' },
          { type: 'blob', modality: 'image', mime_type: 'image/png', content: '', elided: true, size: 3 },
        ],
      },
    ]);
    const output = JSON.parse(span.attributes['gen_ai.output.messages'] as string);
    expect(output).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: run.results.basic!.detail.content }],
        finish_reason: 'stop',
      },
    ]);
    for (const name of ['basic', 'tools', 'stream', 'responses', 'guardRedact', 'guardOutputRedact']) {
      const s = only(run, name);
      expect(validateAttributes(s.attributes), name).toEqual([]);
      expect(validateMessages('input', s.attributes['gen_ai.input.messages']), name).toEqual([]);
      expect(validateMessages('output', s.attributes['gen_ai.output.messages']), name).toEqual([]);
    }
    expect(only(run, 'embeddings').attributes['gen_ai.input.messages']).toBeUndefined();
  });

  it('tool definitions and tool calls', () => {
    const span = only(run, 'tools');
    expect(JSON.parse(span.attributes['gen_ai.tool.definitions'] as string)).toEqual([
      { type: 'function', name: 'get_weather' },
    ]);
    expect(validateMessages('tools', span.attributes['gen_ai.tool.definitions'])).toEqual([]);
    const output = JSON.parse(span.attributes['gen_ai.output.messages'] as string);
    expect(output[0].finish_reason).toBe('tool_call');
    expect(output[0].parts[0]).toMatchObject({ type: 'tool_call', name: 'get_weather' });
    expect(typeof output[0].parts[0].arguments).toBe('object');
    expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['tool_call']);
  });

  it('streamed output is accumulated; Responses instructions are system instructions', () => {
    const stream = JSON.parse(only(run, 'stream').attributes['gen_ai.output.messages'] as string);
    expect(stream).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'text', content: 'Echo: stream me lorem ipsum' }],
        finish_reason: 'stop',
      },
    ]);
    const r = only(run, 'responses');
    expect(JSON.parse(r.attributes['gen_ai.system_instructions'] as string)).toEqual([
      { type: 'text', content: 'Be brief.' },
    ]);
    expect(validateMessages('system', r.attributes['gen_ai.system_instructions'])).toEqual([]);
    expect(JSON.parse(r.attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'hello responses' }] },
    ]);
  });

  it('records what was sent and returned after guard redaction', () => {
    const input = only(run, 'guardRedact').attributes['gen_ai.input.messages'] as string;
    expect(input).toContain('[REDACTED]');
    expect(input).not.toContain('SECRET');
    expect(only(run, 'guardOutputRedact').attributes['gen_ai.output.messages']).toContain('[OUT]');
  });
});

describe('outside the supported range and explicit instrumentation', () => {
  it('openai@3.3.0 is left alone (no spans, app works)', async () => {
    const run = await runFixture(join(FIXTURES, 'sdk', 'v3', 'app.cjs'));
    expect(run.results.v3?.ok).toBe(true);
    expect(run.results.v3?.detail.content).toMatch(/^Echo:/);
    expect(run.all).toEqual([]);
  }, 90_000);

  it('instrumentOpenAI(OpenAI) patches a class the hooks never saw (bundled apps), once', async () => {
    const run = await runFixture(join(FIXTURES, 'explicit.cjs'), {
      env: { GENAI_OPS_TEST_INSTRUMENTATIONS: '' },
    });
    expect(run.results.explicit?.ok, run.results.explicit?.error).toBe(true);
    expect(run.spans.explicit).toHaveLength(1);
    expect(run.spans.explicit![0]!.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
  }, 90_000);
});
