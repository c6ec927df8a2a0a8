/*
 * A CommonJS chat app: one answer, then the same question streamed. Run it with the register entry:
 *   node --require @genai-ops/node/register examples/chat-cjs/index.js "your question"
 */
const { OpenAI } = require('openai');
const { openAIConnection, model } = require('../shared/provider.cjs');

async function main() {
  const connection = await openAIConnection();
  try {
    const client = new OpenAI(connection.options);
    const question = process.argv.slice(2).join(' ') || 'Say hello to OpenTelemetry in one sentence.';
    const messages = [
      { role: 'system', content: 'You are a concise assistant.' },
      { role: 'user', content: question },
    ];

    const completion = await client.chat.completions.create({ model: model(), messages });
    console.log(`answer: ${completion.choices[0]?.message?.content ?? ''}`);

    const stream = await client.chat.completions.create({
      model: model(),
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';
    console.log(`streamed: ${streamed}`);
  } finally {
    await connection.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
