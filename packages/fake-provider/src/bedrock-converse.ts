/**
 * Bedrock Converse / ConverseStream bodies
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html), also reused by the
 * Amazon Nova native invoke family, which shares the message shape. Includes the guardrail trace.
 */
import { type Conversation, isRecord, planReply, type Shaping, type ToolDef, textOf } from './content';

type Json = Record<string, unknown>;

/** The word in the last user text that makes the fake guardrail intervene (only when `guardrailConfig` is sent). */
export const GUARDRAIL_TRIGGER = 'BLOCKED';
const GUARDRAIL_MESSAGE = 'Sorry, the model cannot answer this question.';

function blockText(b: Json): string {
  if (typeof b.text === 'string') return b.text;
  if (isRecord(b.toolResult)) return textOf(b.toolResult.content);
  if (isRecord(b.toolUse)) return JSON.stringify(b.toolUse.input ?? {});
  if (isRecord(b.guardContent)) return textOf(b.guardContent.text);
  return '';
}

function blocksOf(content: unknown): Json[] {
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

/** Converse and Nova requests share the message shape: `{messages:[{role, content:[{text}|{toolUse}|{toolResult}]}]}`. */
export function converseConversation(body: Json): Conversation {
  const messages = Array.isArray(body.messages) ? body.messages.filter(isRecord) : [];
  const inputTexts = [...blocksOf(body.system).map(blockText)];
  for (const m of messages) inputTexts.push(...blocksOf(m.content).map(blockText));
  const last = messages[messages.length - 1];
  const toolResult = last ? blocksOf(last.content).find((b) => isRecord(b.toolResult)) : undefined;
  const lastUser = [...messages]
    .reverse()
    .find((m) => m.role === 'user' && blocksOf(m.content).some((b) => typeof b.text === 'string'));
  const toolConfig = isRecord(body.toolConfig) ? body.toolConfig : {};
  const tools: ToolDef[] = [];
  for (const t of blocksOf(toolConfig.tools)) {
    const spec = isRecord(t.toolSpec) ? t.toolSpec : undefined;
    if (spec && typeof spec.name === 'string') {
      const schema = isRecord(spec.inputSchema) ? spec.inputSchema.json : undefined;
      tools.push({ name: spec.name, schema });
    }
  }
  const inf = isRecord(body.inferenceConfig) ? body.inferenceConfig : {};
  const max = inf.maxTokens ?? inf.max_new_tokens;
  return {
    inputTexts,
    lastUserText: lastUser
      ? blocksOf(lastUser.content)
          .map((b) => (typeof b.text === 'string' ? b.text : ''))
          .join(' ')
      : '',
    lastIsToolResult: toolResult !== undefined,
    toolResultText: toolResult ? blockText(toolResult) : undefined,
    tools,
    maxTokens: typeof max === 'number' ? max : undefined,
  };
}

export interface ConverseReply {
  output: Json;
  /** Stream events as `[eventType, payload]`. */
  events: [string, Json][];
}

/** Build the Converse response and the equivalent ConverseStream events. */
export function converseReply(body: Json, shaping: Shaping, nextId: (p: string) => string): ConverseReply {
  const conv = converseConversation(body);
  const guard = isRecord(body.guardrailConfig) ? body.guardrailConfig : undefined;
  const intervene = guard !== undefined && conv.lastUserText.includes(GUARDRAIL_TRIGGER);
  const plan = planReply(conv, shaping);
  const u = plan.usage;
  const usage = {
    inputTokens: u.inputTokens,
    outputTokens: intervene ? 0 : u.outputTokens,
    totalTokens: u.inputTokens + (intervene ? 0 : u.outputTokens),
    ...(u.cachedTokens > 0 || u.cacheWriteTokens > 0
      ? { cacheReadInputTokens: u.cachedTokens, cacheWriteInputTokens: u.cacheWriteTokens }
      : {}),
  };
  const metrics = { latencyMs: 1 };
  const trace =
    guard && guard.trace !== 'disabled' ? { guardrail: guardrailTrace(guard, conv, intervene) } : undefined;
  let content: Json[];
  let stopReason: string;
  const events: [string, Json][] = [['messageStart', { role: 'assistant' }]];
  if (intervene) {
    content = [{ text: GUARDRAIL_MESSAGE }];
    stopReason = 'guardrail_intervened';
    events.push(['contentBlockDelta', { contentBlockIndex: 0, delta: { text: GUARDRAIL_MESSAGE } }]);
    events.push(['contentBlockStop', { contentBlockIndex: 0 }]);
  } else if (plan.kind === 'tool') {
    const toolUseId = nextId('tooluse_');
    content = [{ toolUse: { toolUseId, name: plan.toolName, input: JSON.parse(plan.args) } }];
    stopReason = 'tool_use';
    events.push([
      'contentBlockStart',
      { contentBlockIndex: 0, start: { toolUse: { toolUseId, name: plan.toolName } } },
    ]);
    for (const p of plan.pieces)
      events.push(['contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: p } } }]);
    events.push(['contentBlockStop', { contentBlockIndex: 0 }]);
  } else {
    content = [{ text: plan.text }];
    stopReason = plan.finish === 'length' ? 'max_tokens' : 'end_turn';
    for (const p of plan.pieces)
      events.push(['contentBlockDelta', { contentBlockIndex: 0, delta: { text: p } }]);
    events.push(['contentBlockStop', { contentBlockIndex: 0 }]);
  }
  events.push(['messageStop', { stopReason }]);
  events.push(['metadata', { usage, metrics, ...(trace ? { trace } : {}) }]);
  return {
    output: {
      output: { message: { role: 'assistant', content } },
      stopReason,
      usage,
      metrics,
      ...(trace ? { trace } : {}),
    },
    events,
  };
}

function guardrailTrace(guard: Json, conv: Conversation, intervene: boolean): Json {
  const id = typeof guard.guardrailIdentifier === 'string' ? guard.guardrailIdentifier : 'guardrail';
  const chars = conv.lastUserText.length;
  const assessment = (blocked: boolean): Json => ({
    ...(blocked
      ? {
          contentPolicy: {
            filters: [
              {
                type: 'MISCONDUCT',
                confidence: 'HIGH',
                filterStrength: 'HIGH',
                action: 'BLOCKED',
                detected: true,
              },
            ],
          },
        }
      : {}),
    invocationMetrics: {
      guardrailProcessingLatency: 1,
      usage: {
        topicPolicyUnits: 1,
        contentPolicyUnits: 1,
        wordPolicyUnits: 1,
        sensitiveInformationPolicyUnits: 1,
        sensitiveInformationPolicyFreeUnits: 0,
        contextualGroundingPolicyUnits: 0,
      },
      guardrailCoverage: { textCharacters: { guarded: chars, total: chars } },
    },
  });
  return {
    ...(intervene ? { modelOutput: [], actionReason: 'Guardrail blocked.' } : {}),
    inputAssessment: { [id]: assessment(intervene) },
    ...(intervene ? {} : { outputAssessments: { [id]: [assessment(false)] } }),
  };
}
