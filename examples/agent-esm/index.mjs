/*
 * An ESM tool-calling agent: the model asks for a tool, the app runs it and sends the result back, until
 * the model answers (at most AGENT_MAX_ITERATIONS model calls, default 5). Run it with the register entry:
 *   node --import @genai-ops/node/register examples/agent-esm/index.mjs "What is the weather in Paris?"
 * Each model call is a `chat` span from the instrumentation; the app adds an `invoke_agent` span around the
 * loop and an `execute_tool` span per tool run, as the GenAI conventions describe for agents.
 */
import {
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  GEN_AI_OPERATION_NAME_VALUES,
} from '@genai-ops/core';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import OpenAI from 'openai';
import provider from '../shared/provider.cjs';

const AGENT_NAME = 'weather-agent';
const MAX_ITERATIONS = Number.parseInt(process.env.AGENT_MAX_ITERATIONS ?? '5', 10);
const tracer = trace.getTracer('genai-ops-example-agent');

const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather for a city.',
      parameters: {
        type: 'object',
        properties: { city: { type: 'string', description: 'City name' } },
        required: ['city'],
      },
    },
  },
];

/** The tools the agent can run; a real app would call an API here. */
const IMPLEMENTATIONS = {
  get_weather: ({ city }) => ({ city: city ?? 'unknown', forecast: 'sunny', temperature_c: 21 }),
};

function runTool(call) {
  return tracer.startActiveSpan(
    `${GEN_AI_OPERATION_NAME_VALUES.EXECUTE_TOOL} ${call.function.name}`,
    {
      attributes: {
        [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUES.EXECUTE_TOOL,
        [ATTR_GEN_AI_TOOL_NAME]: call.function.name,
        [ATTR_GEN_AI_TOOL_CALL_ID]: call.id,
      },
    },
    (span) => {
      try {
        const impl = IMPLEMENTATIONS[call.function.name];
        if (!impl) throw new Error(`unknown tool ${call.function.name}`);
        return JSON.stringify(impl(JSON.parse(call.function.arguments || '{}')));
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
        return JSON.stringify({ error: String(error) });
      } finally {
        span.end();
      }
    },
  );
}

async function runAgent(client, question) {
  const messages = [
    { role: 'system', content: 'You are a weather assistant. Use the get_weather tool to answer.' },
    { role: 'user', content: question },
  ];
  for (let i = 0; i < MAX_ITERATIONS; i++) {
    const completion = await client.chat.completions.create({
      model: provider.model(),
      messages,
      tools: TOOLS,
    });
    const message = completion.choices[0]?.message;
    if (!message) throw new Error('the model returned no choice');
    messages.push(message);
    if (!message.tool_calls?.length) return { answer: message.content ?? '', iterations: i + 1 };
    for (const call of message.tool_calls) {
      messages.push({ role: 'tool', tool_call_id: call.id, content: runTool(call) });
    }
  }
  throw new Error(`agent gave up after ${MAX_ITERATIONS} model calls`);
}

const connection = await provider.openAIConnection();
try {
  const client = new OpenAI(connection.options);
  const question =
    process.argv.slice(2).join(' ') || 'What is the weather in Paris? Use the get_weather tool.';
  await tracer.startActiveSpan(
    `${GEN_AI_OPERATION_NAME_VALUES.INVOKE_AGENT} ${AGENT_NAME}`,
    {
      attributes: {
        [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_NAME_VALUES.INVOKE_AGENT,
        [ATTR_GEN_AI_AGENT_NAME]: AGENT_NAME,
      },
    },
    async (span) => {
      try {
        const { answer, iterations } = await runAgent(client, question);
        console.log(`answer after ${iterations} model calls: ${answer}`);
      } catch (error) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: String(error) });
        console.error(String(error));
        process.exitCode = 1;
      } finally {
        span.end();
      }
    },
  );
} finally {
  await connection.close();
}
