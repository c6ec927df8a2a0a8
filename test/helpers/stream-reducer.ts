/**
 * Test helper for the providers' stream reducers: folds chunks into a real GenAICall (SDK tracer with an
 * in-memory exporter), finishes the call with the given outcome and returns the ended span's attributes.
 */
import { GenAICall, GenAIClientMetrics, resolveContentPolicy, type StreamReducer } from '@genai-ops/core';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';

export interface FoldOptions {
  provider: string;
  requestModel: string;
  captureContent: boolean;
  outcome?: { completed: boolean; error?: unknown };
}

export function foldStream<TChunk>(
  reducer: StreamReducer<TChunk>,
  chunks: readonly TChunk[],
  options: FoldOptions,
): Record<string, unknown> {
  const outcome = options.outcome ?? { completed: true };
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const call = new GenAICall(
    {
      tracer: provider.getTracer('t'),
      metrics: new GenAIClientMetrics(new MeterProvider().getMeter('t')),
      content: resolveContentPolicy({ captureMessageContent: options.captureContent }),
    },
    { operation: 'chat', provider: options.provider, requestModel: options.requestModel },
  );
  for (const c of chunks) reducer.fold(c);
  reducer.finish(call, outcome);
  call.end(outcome.error);
  const span = exporter.getFinishedSpans()[0];
  if (!span) throw new Error('the call ended no span');
  return { ...span.attributes };
}
