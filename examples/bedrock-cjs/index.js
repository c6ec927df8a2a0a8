/*
 * A CommonJS app with the AWS SDK's Bedrock runtime client and an Anthropic Claude model: a Converse call,
 * the same question through ConverseStream, and one InvokeModel call with the model's native (Anthropic
 * Messages) body. Run it with the register entry:
 *   node --require @genai-ops/node/register examples/bedrock-cjs/index.js "your question"
 * The calls run under one app span; the app prints its trace id and, last, one JSON line with the usage
 * the SDK received for each call (tests compare it with the exported telemetry).
 */
const { isSpanContextValid, trace } = require('@opentelemetry/api');
const {
  BedrockRuntimeClient,
  ConverseCommand,
  ConverseStreamCommand,
  InvokeModelCommand,
} = require('@aws-sdk/client-bedrock-runtime');
const { bedrockConnection, models } = require('../shared/provider.cjs');

const MAX_TOKENS = 256;
const SYSTEM = 'You are a concise assistant.';

async function main() {
  const connection = await bedrockConnection();
  const tracer = trace.getTracer('bedrock-example');
  const out = { example: 'bedrock-cjs', target: connection.target, calls: [] };
  const client = new BedrockRuntimeClient(connection.options);
  try {
    const question = process.argv.slice(2).join(' ') || 'Say hello to OpenTelemetry in one sentence.';
    const modelId = models.bedrock();
    const converse = {
      modelId,
      system: [{ text: SYSTEM }],
      messages: [{ role: 'user', content: [{ text: question }] }],
      inferenceConfig: { maxTokens: MAX_TOKENS },
    };
    await tracer.startActiveSpan('bedrock-example', async (root) => {
      out.traceId = root.spanContext().traceId;
      console.log(`trace id: ${isSpanContextValid(root.spanContext()) ? out.traceId : '(telemetry off)'}`);
      try {
        const answer = await client.send(new ConverseCommand(converse));
        const text = (answer.output?.message?.content ?? []).map((b) => b.text ?? '').join('');
        console.log(`answer: ${text}`);
        out.calls.push({ kind: 'converse', stopReason: answer.stopReason, usage: answer.usage });

        const streamed = await client.send(new ConverseStreamCommand(converse));
        let streamedText = '';
        let stopReason;
        let usage;
        for await (const event of streamed.stream ?? []) {
          streamedText += event.contentBlockDelta?.delta?.text ?? '';
          if (event.messageStop) stopReason = event.messageStop.stopReason;
          if (event.metadata) usage = event.metadata.usage;
        }
        console.log(`streamed: ${streamedText}`);
        out.calls.push({ kind: 'converse-stream', stopReason, usage });

        // InvokeModel takes the model family's own request body: for Claude, the Anthropic Messages shape.
        const invoked = await client.send(
          new InvokeModelCommand({
            modelId,
            contentType: 'application/json',
            accept: 'application/json',
            body: JSON.stringify({
              anthropic_version: 'bedrock-2023-05-31',
              max_tokens: MAX_TOKENS,
              system: SYSTEM,
              messages: [{ role: 'user', content: [{ type: 'text', text: question }] }],
            }),
          }),
        );
        const native = JSON.parse(new TextDecoder().decode(invoked.body));
        const invokedText = (native.content ?? []).map((b) => b.text ?? '').join('');
        console.log(`invoked: ${invokedText}`);
        out.calls.push({
          kind: 'invoke',
          id: native.id,
          model: native.model,
          stopReason: native.stop_reason,
          usage: native.usage,
        });
      } finally {
        root.end();
      }
    });
  } finally {
    client.destroy();
    await connection.close();
  }
  console.log(JSON.stringify(out));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
