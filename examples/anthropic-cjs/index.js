/*
 * A CommonJS app with the Anthropic SDK: one `messages.create` answer, then the same question through the
 * `messages.stream()` helper and `finalMessage()`. Run it with the register entry:
 *   node --require @genai-ops/node/register examples/anthropic-cjs/index.js "your question"
 * Both calls run under one app span; the app prints its trace id and, last, one JSON line with the usage
 * the SDK received for each call (tests compare it with the exported telemetry).
 */
const { isSpanContextValid, trace } = require('@opentelemetry/api');
const { Anthropic } = require('@anthropic-ai/sdk');
const { anthropicConnection, models } = require('../shared/provider.cjs');

const MAX_TOKENS = 256;

async function main() {
  const connection = await anthropicConnection();
  const tracer = trace.getTracer('anthropic-example');
  const out = { example: 'anthropic-cjs', target: connection.target, calls: [] };
  try {
    const client = new Anthropic(connection.options);
    const question = process.argv.slice(2).join(' ') || 'Say hello to OpenTelemetry in one sentence.';
    const params = {
      model: models.anthropic(),
      max_tokens: MAX_TOKENS,
      system: 'You are a concise assistant.',
      messages: [{ role: 'user', content: question }],
    };
    await tracer.startActiveSpan('anthropic-example', async (root) => {
      out.traceId = root.spanContext().traceId;
      console.log(`trace id: ${isSpanContextValid(root.spanContext()) ? out.traceId : '(telemetry off)'}`);
      try {
        const message = await client.messages.create(params);
        console.log(`answer: ${textOf(message)}`);
        out.calls.push(summary('create', message));

        const stream = client.messages.stream(params);
        const final = await stream.finalMessage();
        console.log(`streamed: ${textOf(final)}`);
        out.calls.push(summary('stream', final));
      } finally {
        root.end();
      }
    });
  } finally {
    await connection.close();
  }
  console.log(JSON.stringify(out));
}

function textOf(message) {
  return message.content
    .filter((block) => block.type === 'text')
    .map((block) => block.text)
    .join('');
}

function summary(kind, message) {
  return {
    kind,
    id: message.id,
    model: message.model,
    stopReason: message.stop_reason,
    usage: message.usage,
  };
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
