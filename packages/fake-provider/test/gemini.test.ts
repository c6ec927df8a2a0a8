import { ApiError, FinishReason, GoogleGenAI, Type } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeProvider, startFakeProvider } from '../src/index';

let fake: FakeProvider;
beforeAll(async () => {
  fake = await startFakeProvider();
});
afterAll(async () => {
  await fake.close();
});

const client = (headers?: Record<string, string>) =>
  new GoogleGenAI({ apiKey: 'k', httpOptions: { baseUrl: fake.url, headers } });

describe('@google/genai against the fake provider', () => {
  it('generateContent with usage metadata incl. cached and thoughts tokens', async () => {
    const res = await client({
      'x-fake-cached-tokens': '8',
      'x-fake-reasoning-tokens': '3',
    }).models.generateContent({
      model: 'gemini-2.0-flash',
      contents: 'Hello Gemini friend',
      config: { systemInstruction: 'Be nice' },
    });
    expect(res.text).toBe('Echo: Hello Gemini friend lorem');
    expect(res.candidates![0]!.finishReason).toBe(FinishReason.STOP);
    expect(res.modelVersion).toBe('gemini-2.0-flash');
    const prompt = Math.ceil(('Be nice'.length + 'Hello Gemini friend'.length) / 4) + 8;
    expect(res.usageMetadata).toMatchObject({
      promptTokenCount: prompt,
      candidatesTokenCount: 5,
      thoughtsTokenCount: 3,
      cachedContentTokenCount: 8,
      totalTokenCount: prompt + 5 + 3,
    });
    const req = fake.requests[fake.requests.length - 1]!;
    expect(req.path).toBe('/v1beta/models/gemini-2.0-flash:generateContent');
  });

  it('generateContentStream over SSE: text pieces, finishReason and usage on the last chunk', async () => {
    const stream = await client({ 'x-fake-chunks': '6' }).models.generateContentStream({
      model: 'gemini-2.5-flash',
      contents: [{ role: 'user', parts: [{ text: 'a streamed answer' }] }],
    });
    const texts: string[] = [];
    let finish: string | undefined;
    let total: number | undefined;
    for await (const chunk of stream) {
      texts.push(chunk.text ?? '');
      finish = chunk.candidates?.[0]?.finishReason ?? finish;
      total = chunk.usageMetadata?.totalTokenCount;
    }
    expect(texts).toHaveLength(6);
    expect(texts.join('')).toBe('Echo: a streamed answer lorem ipsum');
    expect(finish).toBe(FinishReason.STOP);
    expect(total).toBe(Math.ceil('a streamed answer'.length / 4) + 6);
    expect(fake.requests[fake.requests.length - 1]!.path).toBe(
      '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse',
    );
  });

  it('functionCall parts when a declared function is mentioned, text after a functionResponse', async () => {
    const tools = [
      {
        functionDeclarations: [
          {
            name: 'set_light',
            parameters: {
              type: Type.OBJECT,
              properties: { on: { type: Type.BOOLEAN }, room: { type: Type.STRING } },
            },
          },
        ],
      },
    ];
    const res = await client().models.generateContent({
      model: 'gemini-2.0-flash',
      contents: 'please set_light in the kitchen',
      config: { tools },
    });
    expect(res.functionCalls).toEqual([{ name: 'set_light', args: { on: true, room: 'example' } }]);

    const stream = await client().models.generateContentStream({
      model: 'gemini-2.0-flash',
      contents: 'please set_light in the kitchen',
      config: { tools },
    });
    const calls: unknown[] = [];
    for await (const chunk of stream) calls.push(...(chunk.functionCalls ?? []));
    expect(calls).toEqual([{ name: 'set_light', args: { on: true, room: 'example' } }]);

    const after = await client().models.generateContent({
      model: 'gemini-2.0-flash',
      config: { tools },
      contents: [
        { role: 'user', parts: [{ text: 'please set_light in the kitchen' }] },
        { role: 'model', parts: [{ functionCall: { name: 'set_light', args: { on: true } } }] },
        { role: 'user', parts: [{ functionResponse: { name: 'set_light', response: { ok: true } } }] },
      ],
    });
    expect(after.text).toBe('Result: {"ok":true} lorem ipsum dolor');
  });

  it('maxOutputTokens gives finishReason MAX_TOKENS', async () => {
    const res = await client().models.generateContent({
      model: 'gemini-2.0-flash',
      contents: 'one two three four',
      config: { maxOutputTokens: 3 },
    });
    expect(res.text).toBe('Echo: one two');
    expect(res.candidates![0]!.finishReason).toBe(FinishReason.MAX_TOKENS);
  });

  it('JSON output follows responseSchema', async () => {
    const res = await client().models.generateContent({
      model: 'gemini-2.0-flash',
      contents: 'a recipe',
      config: {
        responseMimeType: 'application/json',
        responseSchema: {
          type: Type.OBJECT,
          properties: { title: { type: Type.STRING }, steps: { type: Type.INTEGER } },
        },
      },
    });
    expect(JSON.parse(res.text!)).toEqual({ title: 'example', steps: 1 });
  });

  it('embedContent (batchEmbedContents) and countTokens', async () => {
    const res = await client().models.embedContent({
      model: 'text-embedding-004',
      contents: ['first', 'second'],
      config: { outputDimensionality: 16 },
    });
    expect(res.embeddings).toHaveLength(2);
    expect(res.embeddings![0]!.values).toHaveLength(16);
    expect(res.embeddings![0]!.values).not.toEqual(res.embeddings![1]!.values);
    expect(fake.requests[fake.requests.length - 1]!.path).toBe(
      '/v1beta/models/text-embedding-004:batchEmbedContents',
    );

    const count = await client().models.countTokens({ model: 'gemini-2.0-flash', contents: '1234567890' });
    expect(count.totalTokens).toBe(3);
  });

  it('error statuses surface as ApiError with the status', async () => {
    for (const status of [400, 429, 503]) {
      const err = await client({ 'x-fake-status': String(status) })
        .models.generateContent({ model: 'gemini-2.0-flash', contents: 'x' })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(status);
    }
  });

  it('a dropped connection makes the stream throw', async () => {
    const stream = await client({ 'x-fake-drop-after-chunks': '2' }).models.generateContentStream({
      model: 'gemini-2.0-flash',
      contents: 'drop this stream',
    });
    const seen: string[] = [];
    const consume = async () => {
      for await (const chunk of stream) seen.push(chunk.text ?? '');
    };
    await expect(consume()).rejects.toThrow();
    expect(seen.length).toBeLessThanOrEqual(2);
  });

  it('Vertex AI paths answer too', async () => {
    const path =
      '/v1beta1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent';
    const res = await fetch(`${fake.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'vertex hello' }] }] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { candidates: { content: { parts: { text: string }[] } }[] };
    expect(body.candidates[0]!.content.parts[0]!.text).toBe('Echo: vertex hello lorem ipsum');
  });
});
