import {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  type ConverseStreamOutput,
  InvokeModelCommand,
  InvokeModelWithResponseStreamCommand,
  ServiceUnavailableException,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-bedrock-runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeProvider, startFakeProvider } from '../src/index';

let fake: FakeProvider;
let client: BedrockRuntimeClient;
beforeAll(async () => {
  fake = await startFakeProvider();
  client = new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: fake.url,
    credentials: { accessKeyId: 'AKIDFAKE', secretAccessKey: 'secret' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await fake.close();
});

/** Send a command with extra request headers (the fake's shaping and fault headers). */
function withHeaders<T extends { middlewareStack: { add: (...a: any[]) => void } }>(
  cmd: T,
  headers: Record<string, string>,
): T {
  cmd.middlewareStack.add(
    (next: any) => async (args: any) => {
      Object.assign(args.request.headers, headers);
      return next(args);
    },
    { step: 'build', name: 'fakeHeaders' },
  );
  return cmd;
}

const MODEL = 'anthropic.claude-3-haiku-20240307-v1:0';
const encoder = new TextEncoder();
const decoder = new TextDecoder();

describe('Converse', () => {
  it('converse (non-streaming) with cache usage', async () => {
    const res = await client.send(
      withHeaders(
        new ConverseCommand({
          modelId: MODEL,
          system: [{ text: 'sys' }],
          messages: [{ role: 'user', content: [{ text: 'Hello Bedrock' }] }],
          inferenceConfig: { maxTokens: 50 },
        }),
        { 'x-fake-cached-tokens': '5', 'x-fake-cache-write-tokens': '7' },
      ),
    );
    expect(res.output?.message?.content).toEqual([{ text: 'Echo: Hello Bedrock lorem ipsum' }]);
    expect(res.stopReason).toBe('end_turn');
    const input = Math.ceil(('sys'.length + 'Hello Bedrock'.length) / 4);
    expect(res.usage).toEqual({
      inputTokens: input,
      outputTokens: 5,
      totalTokens: input + 5,
      cacheReadInputTokens: 5,
      cacheWriteInputTokens: 7,
    });
    expect(res.metrics?.latencyMs).toBe(1);
  });

  it('converse-stream decodes through the AWS event-stream framing', async () => {
    const res = await client.send(
      withHeaders(
        new ConverseStreamCommand({
          modelId: MODEL,
          messages: [{ role: 'user', content: [{ text: 'stream it' }] }],
        }),
        { 'x-fake-chunks': '3' },
      ),
    );
    const kinds: string[] = [];
    let text = '';
    let usage: unknown;
    for await (const e of res.stream!) {
      const kind = Object.entries(e).find(([, v]) => v !== undefined)![0];
      kinds.push(kind);
      if (e.contentBlockDelta?.delta?.text) text += e.contentBlockDelta.delta.text;
      if (e.metadata) usage = e.metadata.usage;
    }
    expect(kinds).toEqual([
      'messageStart',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockStop',
      'messageStop',
      'metadata',
    ]);
    expect(text).toBe('Echo: stream it');
    expect(usage).toEqual({ inputTokens: 3, outputTokens: 3, totalTokens: 6 });
  });

  it('tool use, streamed and not, then text after a tool result', async () => {
    const toolConfig = {
      tools: [
        {
          toolSpec: {
            name: 'top_song',
            inputSchema: {
              json: { type: 'object', properties: { sign: { type: 'string' } }, required: ['sign'] },
            },
          },
        },
      ],
    };
    const messages = [{ role: 'user' as const, content: [{ text: 'what is the top_song on WZPZ?' }] }];
    const res = await client.send(new ConverseCommand({ modelId: MODEL, messages, toolConfig }));
    expect(res.stopReason).toBe('tool_use');
    const toolUse = res.output!.message!.content![0]!.toolUse!;
    expect(toolUse).toMatchObject({ name: 'top_song', input: { sign: 'example' } });

    const stream = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages, toolConfig }));
    let input = '';
    let start: unknown;
    let stop: string | undefined;
    for await (const e of stream.stream as AsyncIterable<ConverseStreamOutput>) {
      if (e.contentBlockStart) start = e.contentBlockStart.start?.toolUse;
      if (e.contentBlockDelta?.delta?.toolUse) input += e.contentBlockDelta.delta.toolUse.input;
      if (e.messageStop) stop = e.messageStop.stopReason;
    }
    expect(start).toMatchObject({ name: 'top_song' });
    expect(JSON.parse(input)).toEqual({ sign: 'example' });
    expect(stop).toBe('tool_use');

    const after = await client.send(
      new ConverseCommand({
        modelId: MODEL,
        toolConfig,
        messages: [
          ...messages,
          { role: 'assistant', content: [{ toolUse }] },
          {
            role: 'user',
            content: [
              { toolResult: { toolUseId: toolUse.toolUseId!, content: [{ text: 'Elemental Hotel' }] } },
            ],
          },
        ],
      }),
    );
    expect(after.output!.message!.content![0]!.text).toBe('Result: Elemental Hotel lorem ipsum');
  });

  it('guardrail trace when guardrailConfig is sent, and intervention on the trigger word', async () => {
    const guardrailConfig = {
      guardrailIdentifier: 'gr-123',
      guardrailVersion: '1',
      trace: 'enabled' as const,
    };
    const ok = await client.send(
      new ConverseCommand({
        modelId: MODEL,
        guardrailConfig,
        messages: [{ role: 'user', content: [{ text: 'fine' }] }],
      }),
    );
    expect(ok.stopReason).toBe('end_turn');
    expect(
      ok.trace?.guardrail?.inputAssessment?.['gr-123']?.invocationMetrics?.guardrailProcessingLatency,
    ).toBe(1);
    expect(ok.trace?.guardrail?.outputAssessments?.['gr-123']).toHaveLength(1);

    const blocked = await client.send(
      new ConverseCommand({
        modelId: MODEL,
        guardrailConfig,
        messages: [{ role: 'user', content: [{ text: 'BLOCKED' }] }],
      }),
    );
    expect(blocked.stopReason).toBe('guardrail_intervened');
    expect(blocked.trace?.guardrail?.inputAssessment?.['gr-123']?.contentPolicy?.filters?.[0]?.action).toBe(
      'BLOCKED',
    );
  });

  it('accepts ARNs and inference profiles as model ids', async () => {
    const arn =
      'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20241022-v2:0';
    const res = await client.send(
      new ConverseCommand({ modelId: arn, messages: [{ role: 'user', content: [{ text: 'arn' }] }] }),
    );
    expect(res.output?.message?.content?.[0]?.text).toBe('Echo: arn lorem ipsum dolor');
    const path = fake.requests[fake.requests.length - 1]!.path;
    expect(path).toContain('/model/arn%3Aaws%3Abedrock');
    expect(path.endsWith('/converse')).toBe(true);
  });

  it('errors surface as the SDK exception classes', async () => {
    const send = (status: number) =>
      client.send(
        withHeaders(
          new ConverseCommand({ modelId: MODEL, messages: [{ role: 'user', content: [{ text: 'x' }] }] }),
          {
            'x-fake-status': String(status),
          },
        ),
      );
    await expect(send(429)).rejects.toBeInstanceOf(ThrottlingException);
    await expect(send(400)).rejects.toBeInstanceOf(ValidationException);
    const err = await send(503).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServiceUnavailableException);
    expect((err as ServiceUnavailableException).$metadata.httpStatusCode).toBe(503);
    expect((err as ServiceUnavailableException).message).toContain('injected HTTP 503');
  });

  it('a dropped connection makes the stream throw', async () => {
    const res = await client.send(
      withHeaders(
        new ConverseStreamCommand({
          modelId: MODEL,
          messages: [{ role: 'user', content: [{ text: 'drop' }] }],
        }),
        {
          'x-fake-drop-after-chunks': '2',
        },
      ),
    );
    const seen: string[] = [];
    const consume = async () => {
      for await (const e of res.stream!) seen.push(Object.keys(e)[0]!);
    };
    await expect(consume()).rejects.toThrow();
    expect(seen).not.toContain('metadata');
  });
});

describe('InvokeModel native families', () => {
  const invoke = async (modelId: string, body: unknown) => {
    const res = await client.send(
      new InvokeModelCommand({
        modelId,
        contentType: 'application/json',
        body: encoder.encode(JSON.stringify(body)),
      }),
    );
    return JSON.parse(decoder.decode(res.body)) as Record<string, any>;
  };
  const invokeStream = async (modelId: string, body: unknown) => {
    const res = await client.send(
      new InvokeModelWithResponseStreamCommand({
        modelId,
        contentType: 'application/json',
        body: JSON.stringify(body),
      }),
    );
    const chunks: Record<string, any>[] = [];
    for await (const e of res.body!) {
      if (e.chunk?.bytes) chunks.push(JSON.parse(decoder.decode(e.chunk.bytes)));
    }
    return chunks;
  };

  it('anthropic.* speaks the Messages shape, streaming included', async () => {
    const body = {
      anthropic_version: 'bedrock-2023-05-31',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'hi claude' }],
    };
    const res = await invoke(MODEL, body);
    expect(res).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn' });
    expect(res.content).toEqual([{ type: 'text', text: 'Echo: hi claude lorem ipsum' }]);
    expect(res.usage).toMatchObject({ input_tokens: 3, output_tokens: 5 });
    const chunks = await invokeStream(`us.${MODEL}`, body);
    expect(chunks.map((c) => c.type)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(chunks[chunks.length - 1]!['amazon-bedrock-invocationMetrics']).toMatchObject({
      inputTokenCount: 3,
      outputTokenCount: 5,
    });
  });

  it('amazon.nova-*', async () => {
    const body = {
      messages: [{ role: 'user', content: [{ text: 'hi nova' }] }],
      inferenceConfig: { maxTokens: 20 },
    };
    const res = await invoke('amazon.nova-lite-v1:0', body);
    expect(res.output.message.content).toEqual([{ text: 'Echo: hi nova lorem ipsum' }]);
    expect(res.stopReason).toBe('end_turn');
    expect(res.usage).toMatchObject({ inputTokens: 2, outputTokens: 5, totalTokens: 7 });
    const chunks = await invokeStream('amazon.nova-lite-v1:0', body);
    expect(chunks.map((c) => Object.keys(c)[0])).toEqual([
      'messageStart',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockDelta',
      'contentBlockStop',
      'messageStop',
      'metadata',
    ]);
  });

  it('amazon.titan-text-*', async () => {
    const res = await invoke('amazon.titan-text-express-v1', {
      inputText: 'hi titan',
      textGenerationConfig: { maxTokenCount: 3 },
    });
    expect(res).toEqual({
      inputTextTokenCount: 2,
      results: [{ tokenCount: 3, outputText: 'Echo: hi titan', completionReason: 'LENGTH' }],
    });
    const chunks = await invokeStream('amazon.titan-text-express-v1', { inputText: 'hi titan' });
    expect(chunks.map((c) => c.outputText).join('')).toBe('Echo: hi titan lorem ipsum');
    expect(chunks[chunks.length - 1]!.completionReason).toBe('FINISH');
  });

  it('meta.llama*', async () => {
    const prompt = '<|begin_of_text|><|start_header_id|>user<|end_header_id|>\nhi llama<|eot_id|>';
    const res = await invoke('meta.llama3-8b-instruct-v1:0', { prompt, max_gen_len: 64 });
    expect(res).toEqual({
      generation: 'Echo: user hi llama lorem',
      prompt_token_count: Math.ceil(prompt.length / 4),
      generation_token_count: 5,
      stop_reason: 'stop',
    });
    const chunks = await invokeStream('meta.llama3-8b-instruct-v1:0', { prompt });
    expect(chunks.map((c) => c.generation).join('')).toBe(res.generation);
    expect(chunks[chunks.length - 1]!.stop_reason).toBe('stop');
  });

  it('mistral.* (prompt and chat shapes)', async () => {
    const res = await invoke('mistral.mistral-7b-instruct-v0:2', {
      prompt: '<s>[INST] hi mistral [/INST]',
      max_tokens: 50,
    });
    expect(res).toEqual({ outputs: [{ text: 'Echo: hi mistral lorem ipsum', stop_reason: 'stop' }] });
    const chat = await invoke('mistral.mistral-large-2407-v1:0', {
      messages: [{ role: 'user', content: 'hi large' }],
    });
    expect(chat.choices[0]).toMatchObject({
      message: { role: 'assistant', content: 'Echo: hi large lorem ipsum' },
      finish_reason: 'stop',
    });
    const chunks = await invokeStream('mistral.mistral-7b-instruct-v0:2', { prompt: 'hi mistral' });
    expect(chunks.map((c) => c.outputs[0].text).join('')).toBe('Echo: hi mistral lorem ipsum');
  });

  it('cohere.command* (legacy and R) and embeddings families', async () => {
    const legacy = await invoke('cohere.command-text-v14', { prompt: 'hi cohere', max_tokens: 20 });
    expect(legacy.generations[0]).toMatchObject({
      text: 'Echo: hi cohere lorem ipsum',
      finish_reason: 'COMPLETE',
    });
    const r = await invoke('cohere.command-r-v1:0', { message: 'hi r' });
    expect(r).toMatchObject({ text: 'Echo: hi r lorem ipsum', finish_reason: 'COMPLETE' });
    const rChunks = await invokeStream('cohere.command-r-v1:0', { message: 'hi r' });
    expect(rChunks[0]!.event_type).toBe('stream-start');
    expect(rChunks[rChunks.length - 1]).toMatchObject({ is_finished: true, event_type: 'stream-end' });

    const titan = await invoke('amazon.titan-embed-text-v2:0', { inputText: 'embed me', dimensions: 256 });
    expect(titan.embedding).toHaveLength(256);
    expect(titan.inputTextTokenCount).toBe(2);
    const cohere = await invoke('cohere.embed-english-v3', {
      texts: ['a', 'b'],
      input_type: 'search_document',
    });
    expect(cohere.embeddings).toHaveLength(2);
  });

  it('unknown model family is a ValidationException', async () => {
    await expect(invoke('acme.unknown-model', { prompt: 'x' })).rejects.toBeInstanceOf(ValidationException);
  });

  it('a dropped connection makes the invoke stream throw', async () => {
    const cmd = withHeaders(
      new InvokeModelWithResponseStreamCommand({
        modelId: 'meta.llama3-8b-instruct-v1:0',
        contentType: 'application/json',
        body: JSON.stringify({ prompt: 'drop' }),
      }),
      { 'x-fake-drop-after-chunks': '1' },
    );
    const res = await client.send(cmd);
    const consume = async () => {
      for await (const _ of res.body!) {
        // drain
      }
    };
    await expect(consume()).rejects.toThrow();
  });
});
