/**
 * Stream lifecycle and server attributes, end to end: the real SDK in a child process against the fake
 * provider. A span ends once, when the caller's iteration ends, and not earlier.
 */
import { type FakeProvider, startFakeProvider } from '@genai-ops/fake-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpCapture } from '../../../test/helpers/otlp-capture.js';
import { runScenario } from './harness.js';

let capture: OtlpCapture;
let fake: FakeProvider;

beforeAll(async () => {
  capture = new OtlpCapture();
  await capture.start();
  fake = await startFakeProvider({ chunkDelayMs: 5 });
});

afterAll(async () => {
  await fake?.close();
  await capture?.close();
});

const run = (scenario: string, options: Parameters<typeof runScenario>[3] = {}) =>
  runScenario(capture, fake.url, scenario, options);

describe('stream lifecycle', () => {
  it('a response object dropped while its stream is iterated does not end the span early', async () => {
    const out = await run('converse-stream-gc');
    expect(out.error).toBeUndefined();
    expect(out.result).toEqual({ events: 9 });
    expect(out.spans).toHaveLength(1);
    const a = out.spans[0]!.attributes;
    expect(a['error.type']).toBeUndefined();
    expect(out.spans[0]!.status.code).toBe(0);
    expect(a['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(a['gen_ai.usage.output_tokens']).toBe(7);
  });

  it('abort through abortSignal mid-stream: the SDK ends the stream quietly, the span says aborted', async () => {
    const out = await run('converse-stream-abort', { captureContent: true });
    expect(out.error).toBeUndefined();
    // What the caller sees, unchanged: no error, the stream just stops.
    expect(out.result?.error).toBeUndefined();
    expect(out.result?.events).toBeGreaterThanOrEqual(2);
    expect(out.result?.events).toBeLessThan(9);
    expect(out.spans).toHaveLength(1);
    const span = out.spans[0]!;
    expect(span.status.code).toBe(2);
    expect(span.attributes['error.type']).toBe('AbortError');
    expect(span.attributes['gen_ai.response.finish_reasons']).toBeUndefined();
    const output = JSON.parse(span.attributes['gen_ai.output.messages'] as string);
    expect(output[0].finish_reason).toBe('cancelled');
  });

  it('abort through abortSignal before the stream is read ends the span at the abort', async () => {
    const out = await run('converse-stream-abort-before-read');
    expect(out.error).toBeUndefined();
    expect(out.result?.hasStream).toBe(true);
    expect(out.spans).toHaveLength(1);
    expect(out.spans[0]!.status.code).toBe(2);
    expect(out.spans[0]!.attributes['error.type']).toBe('AbortError');
  });
});

describe('server address', () => {
  it('an endpoint configured through AWS_ENDPOINT_URL_BEDROCK_RUNTIME is the server address', async () => {
    const url = new URL(fake.url);
    const out = await run('converse', {
      env: { BEDROCK_ENDPOINT_FROM_ENV: '1', AWS_ENDPOINT_URL_BEDROCK_RUNTIME: fake.url },
    });
    expect(out.error).toBeUndefined();
    expect(out.spans).toHaveLength(1);
    const a = out.spans[0]!.attributes;
    expect({ address: a['server.address'], port: a['server.port'] }).toEqual({
      address: url.hostname,
      port: Number(url.port),
    });
  });
});

describe('server address of an endpoint the SDK resolves', () => {
  it('a FIPS client reports the FIPS endpoint, not the region default', async () => {
    const out = await run('converse', { env: { BEDROCK_FIPS: '1' } });
    expect(out.error).toBeUndefined();
    expect(out.spans).toHaveLength(1);
    const a = out.spans[0]!.attributes;
    expect({ address: a['server.address'], port: a['server.port'] }).toEqual({
      address: 'bedrock-runtime-fips.us-east-1.amazonaws.com',
      port: 443,
    });
  });
});

describe('an exception event mid-stream', () => {
  it.each([
    ['modelStreamErrorException', 'ModelStreamErrorException'],
    ['throttlingException', 'ThrottlingException'],
    ['validationException', 'ValidationException'],
  ])('%s: the caller gets %s, the span ends with it', async (event, name) => {
    const out = await run('converse-stream-exception', { env: { BEDROCK_EXCEPTION: event } });
    expect(out.error).toBeUndefined();
    expect(out.result).toEqual({ events: 2, error: name });
    expect(out.spans).toHaveLength(1);
    expect(out.spans[0]!.status.code).toBe(2);
    expect(out.spans[0]!.attributes['error.type']).toBe(name);
  });
});
