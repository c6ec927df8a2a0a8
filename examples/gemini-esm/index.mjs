/*
 * An ESM app with the Google Gen AI SDK (Gemini API): `generateContent`, the same question through
 * `generateContentStream`, then `embedContent` of the answer. Run it with the register entry:
 *   node --import @genai-ops/node/register examples/gemini-esm/index.mjs "your question"
 * The calls run under one app span; the app prints its trace id and, last, one JSON line with the usage
 * the SDK received for each call (tests compare it with the exported telemetry).
 */
import { GoogleGenAI } from '@google/genai';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import provider from '../shared/provider.cjs';

const MAX_OUTPUT_TOKENS = 256;

async function main() {
  const connection = await provider.googleGenAIConnection();
  const tracer = trace.getTracer('gemini-example');
  const out = { example: 'gemini-esm', target: connection.target, calls: [] };
  try {
    const ai = new GoogleGenAI(connection.options);
    const question = process.argv.slice(2).join(' ') || 'Say hello to OpenTelemetry in one sentence.';
    const params = {
      model: provider.models.gemini(),
      contents: question,
      config: { systemInstruction: 'You are a concise assistant.', maxOutputTokens: MAX_OUTPUT_TOKENS },
    };
    await tracer.startActiveSpan('gemini-example', async (root) => {
      out.traceId = root.spanContext().traceId;
      console.log(`trace id: ${isSpanContextValid(root.spanContext()) ? out.traceId : '(telemetry off)'}`);
      try {
        const response = await ai.models.generateContent(params);
        console.log(`answer: ${response.text ?? ''}`);
        out.calls.push(summary('generate', response, response.usageMetadata));

        const stream = await ai.models.generateContentStream(params);
        let streamed = '';
        let last;
        let usage;
        for await (const chunk of stream) {
          streamed += chunk.text ?? '';
          last = chunk;
          // Each chunk may carry usage; the last one has the totals.
          if (chunk.usageMetadata) usage = chunk.usageMetadata;
        }
        console.log(`streamed: ${streamed}`);
        out.calls.push(summary('stream', last, usage));

        const embedded = await ai.models.embedContent({
          model: provider.models.geminiEmbedding(),
          contents: [streamed || question],
        });
        const dimensions = embedded.embeddings?.[0]?.values?.length ?? 0;
        console.log(`embedding: ${dimensions} dimensions`);
        // Token counts come back on Vertex AI only (per-embedding statistics); the Gemini API reports none.
        const counts = (embedded.embeddings ?? [])
          .map((e) => e.statistics?.tokenCount)
          .filter((n) => n != null);
        out.calls.push({
          kind: 'embed',
          model: provider.models.geminiEmbedding(),
          dimensions,
          inputTokens: counts.length > 0 ? counts.reduce((a, b) => a + b, 0) : undefined,
        });
      } finally {
        root.end();
      }
    });
  } finally {
    await connection.close();
  }
  console.log(JSON.stringify(out));
}

function summary(kind, response, usage) {
  return {
    kind,
    id: response?.responseId,
    model: response?.modelVersion,
    finishReason: response?.candidates?.[0]?.finishReason,
    usage,
  };
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
