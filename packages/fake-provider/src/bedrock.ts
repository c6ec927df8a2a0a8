/**
 * Amazon Bedrock runtime wire format: Converse / ConverseStream
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html) and InvokeModel /
 * InvokeModelWithResponseStream, whose bodies are each model family's native JSON (see bedrock-native.ts).
 * Streams use the AWS event-stream framing. Request signatures are accepted without checking.
 */

import { converseReply } from './bedrock-converse';
import { nativeReply } from './bedrock-native';
import { isRecord } from './content';
import { ChunkWriter, type RequestContext, type Route, sendJson } from './context';
import { encodeEvent } from './event-stream';

type Json = Record<string, unknown>;

const EVENT_STREAM_HEADERS = { 'content-type': 'application/vnd.amazon.eventstream' };

function bodyOf(ctx: RequestContext): Json {
  return isRecord(ctx.body) ? ctx.body : {};
}

const requestIdHeader = (ctx: RequestContext) => ({ 'x-amzn-requestid': ctx.nextId('') });

async function converse(ctx: RequestContext, stream: boolean): Promise<void> {
  const reply = converseReply(bodyOf(ctx), ctx.shaping, ctx.nextId);
  if (!stream) {
    sendJson(ctx.res, 200, reply.output, requestIdHeader(ctx));
    return;
  }
  const w = new ChunkWriter(ctx.res, ctx.chunkDelayMs, ctx.dropAfterChunks, 200, {
    ...EVENT_STREAM_HEADERS,
    ...requestIdHeader(ctx),
  });
  for (const [type, payload] of reply.events) if (!(await w.send(encodeEvent(type, payload)))) return;
  w.end();
}

async function invoke(ctx: RequestContext, stream: boolean): Promise<void> {
  const modelId = ctx.params.modelId ?? '';
  const reply = nativeReply(modelId, bodyOf(ctx), ctx.shaping, ctx.nextId);
  if (!reply) {
    sendBedrockError(ctx, 400, `The provided model identifier is invalid: ${modelId}`);
    return;
  }
  const metricHeaders = {
    'x-amzn-bedrock-input-token-count': String(reply.inputTokens),
    'x-amzn-bedrock-output-token-count': String(reply.outputTokens),
    'x-amzn-bedrock-invocation-latency': '1',
  };
  if (!stream) {
    sendJson(ctx.res, 200, reply.body, { ...requestIdHeader(ctx), ...metricHeaders });
    return;
  }
  const w = new ChunkWriter(ctx.res, ctx.chunkDelayMs, ctx.dropAfterChunks, 200, {
    ...EVENT_STREAM_HEADERS,
    ...requestIdHeader(ctx),
    'x-amzn-bedrock-content-type': 'application/json',
  });
  const chunks = reply.chunks.map((c, i) =>
    i === reply.chunks.length - 1
      ? {
          ...c,
          'amazon-bedrock-invocationMetrics': {
            inputTokenCount: reply.inputTokens,
            outputTokenCount: reply.outputTokens,
            invocationLatency: 1,
            firstByteLatency: 1,
          },
        }
      : c,
  );
  for (const c of chunks) {
    const bytes = Buffer.from(JSON.stringify(c), 'utf8').toString('base64');
    if (!(await w.send(encodeEvent('chunk', { bytes })))) return;
  }
  w.end();
}

const ERROR_TYPES: Record<number, string> = {
  400: 'ValidationException',
  403: 'AccessDeniedException',
  404: 'ResourceNotFoundException',
  408: 'ModelTimeoutException',
  424: 'ModelErrorException',
  429: 'ThrottlingException',
  500: 'InternalServerException',
  503: 'ServiceUnavailableException',
};

/** Bedrock's error type for an HTTP status, as carried in `x-amzn-errortype`. */
export function bedrockErrorType(status: number): string {
  return ERROR_TYPES[status] ?? (status >= 500 ? 'InternalServerException' : 'ValidationException');
}

/** Headers and body of a Bedrock error response. */
export function bedrockError(
  status: number,
  message: string,
): { headers: Record<string, string>; body: Json } {
  return {
    headers: {
      'x-amzn-errortype': `${bedrockErrorType(status)}:http://internal.amazon.com/coral/com.amazon.bedrock/`,
    },
    body: { message },
  };
}

function sendBedrockError(ctx: RequestContext, status: number, message: string): void {
  const e = bedrockError(status, message);
  sendJson(ctx.res, status, e.body, { ...e.headers, ...requestIdHeader(ctx) });
}

const MODEL = '^/model/(?<modelId>[^/]+)';

export const BEDROCK_ROUTES: Route[] = [
  {
    method: 'POST',
    pattern: new RegExp(`${MODEL}/converse$`),
    provider: 'bedrock',
    handle: (c) => converse(c, false),
  },
  {
    method: 'POST',
    pattern: new RegExp(`${MODEL}/converse-stream$`),
    provider: 'bedrock',
    handle: (c) => converse(c, true),
  },
  {
    method: 'POST',
    pattern: new RegExp(`${MODEL}/invoke$`),
    provider: 'bedrock',
    handle: (c) => invoke(c, false),
  },
  {
    method: 'POST',
    pattern: new RegExp(`${MODEL}/invoke-with-response-stream$`),
    provider: 'bedrock',
    handle: (c) => invoke(c, true),
  },
];
