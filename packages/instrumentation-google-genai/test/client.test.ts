/**
 * `instrumentClient`: clients created before the instrumentation, in process, with the real SDK against the
 * fake provider over HTTP (the explicit entry points need no module hook).
 */
import { type FakeProvider, startFakeProvider } from '@genai-ops/fake-provider';
import * as genai from '@google/genai';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GoogleGenAIInstrumentation, instrumentGoogleGenAI } from '../src/instrumentation.js';

const MODEL = 'gemini-2.0-flash';
let fake: FakeProvider;
const exporter = new InMemorySpanExporter();
const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
let instrumentation: GoogleGenAIInstrumentation | undefined;

beforeAll(async () => {
  fake = await startFakeProvider({ chunkDelayMs: 0 });
});
afterAll(async () => {
  await fake.close();
});
afterEach(() => {
  instrumentation?.disable();
  instrumentation = undefined;
  exporter.reset();
});

function newClient(): genai.GoogleGenAI {
  return new genai.GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: fake.url } });
}

/** An instrumentation exporting to `exporter` (enabled: its module hook cannot see vitest's SDK). */
function newInstrumentation(): GoogleGenAIInstrumentation {
  const i = new GoogleGenAIInstrumentation();
  i.setTracerProvider(tracerProvider);
  return i;
}

async function everyCall(ai: genai.GoogleGenAI): Promise<string[]> {
  const texts: string[] = [];
  const r = await ai.models.generateContent({ model: MODEL, contents: 'Hello' });
  texts.push(r.text ?? '');
  let streamed = '';
  for await (const chunk of await ai.models.generateContentStream({ model: MODEL, contents: 'Hi' }))
    streamed += chunk.text ?? '';
  texts.push(streamed);
  const chat = ai.chats.create({ model: MODEL });
  texts.push((await chat.sendMessage({ message: 'One' })).text ?? '');
  const e = await ai.models.embedContent({ model: 'text-embedding-004', contents: 'Embed me' });
  texts.push(String(e.embeddings?.length));
  return texts;
}

function spanSummary(): Array<[string, unknown, unknown]> {
  return exporter
    .getFinishedSpans()
    .map((s) => [s.name, s.attributes['gen_ai.provider.name'], s.attributes['gen_ai.usage.input_tokens']]);
}

describe('instrumentClient', () => {
  it('a client created before the instrumentation: nothing traced until instrumentClient, then one span per call', async () => {
    const ai = newClient();
    instrumentation = newInstrumentation();
    const before = await everyCall(ai);
    expect(exporter.getFinishedSpans()).toHaveLength(0);

    expect(instrumentation.instrumentClient(ai)).toBe(ai);
    const after = await everyCall(ai);
    // What the caller gets is unchanged.
    expect(after).toEqual(before);
    expect(after[0]).not.toBe('');
    const spans = spanSummary();
    expect(spans.map(([name]) => name)).toEqual([
      `generate_content ${MODEL}`,
      `generate_content ${MODEL}`,
      `generate_content ${MODEL}`,
      'embeddings text-embedding-004',
    ]);
    for (const [, provider] of spans) expect(provider).toBe('gcp.gemini');
    expect(spans[0]![2]).toBeGreaterThan(0);
    const stream = exporter.getFinishedSpans()[1]!;
    expect(stream.attributes['gen_ai.request.stream']).toBe(true);
    expect(stream.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThanOrEqual(0);
  });

  it('twice on the same client, or on its models: still one span per call', async () => {
    const ai = newClient();
    instrumentation = newInstrumentation();
    instrumentation.instrumentClient(ai);
    instrumentation.instrumentClient(ai);
    instrumentation.instrumentClient(ai.models);
    await ai.models.generateContent({ model: MODEL, contents: 'Hello' });
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('a client created after the module was patched is already wrapped: left as it is', async () => {
    instrumentation = instrumentGoogleGenAI(genai);
    instrumentation.setTracerProvider(tracerProvider);
    const ai = newClient();
    const wrapped = ai.models.generateContent;
    instrumentation.instrumentClient(ai);
    expect(ai.models.generateContent).toBe(wrapped);
    await ai.models.generateContent({ model: MODEL, contents: 'Hello' });
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('while the instrumentation is disabled, the wrapped client calls straight through', async () => {
    const ai = newClient();
    instrumentation = newInstrumentation();
    instrumentation.instrumentClient(ai);
    instrumentation.disable();
    const r = await ai.models.generateContent({ model: MODEL, contents: 'Hello' });
    expect(r.text).toBeTruthy();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    instrumentation.enable();
    await ai.models.generateContent({ model: MODEL, contents: 'Hello' });
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('anything but a client: returned unchanged, no throw', () => {
    instrumentation = newInstrumentation();
    const notAClient = { models: {} };
    expect(instrumentation.instrumentClient(notAClient)).toBe(notAClient);
    expect(instrumentation.instrumentClient(undefined)).toBeUndefined();
    const hostile = {
      get models(): never {
        throw new Error('no models here');
      },
    };
    expect(instrumentation.instrumentClient(hostile)).toBe(hostile);
  });
});
