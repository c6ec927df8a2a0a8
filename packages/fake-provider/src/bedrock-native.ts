/**
 * Native InvokeModel bodies of the Bedrock model families
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters.html): Anthropic (Messages shape),
 * Amazon Nova, Amazon Titan text and embeddings, Meta Llama, Mistral (prompt and chat), Cohere (Command,
 * Command R, Embed). Each family returns the full body and the chunks of its streaming form.
 */
import { anthropicReply } from './anthropic';
import { converseReply } from './bedrock-converse';
import {
  type Conversation,
  embeddingVector,
  estimateTokens,
  isRecord,
  planReply,
  type Shaping,
  textOf,
} from './content';

type Json = Record<string, unknown>;

export interface NativeReply {
  body: Json;
  /** Decoded JSON of each `chunk` event of invoke-with-response-stream. */
  chunks: Json[];
  inputTokens: number;
  outputTokens: number;
}

export type ModelFamily =
  | 'anthropic'
  | 'nova'
  | 'titan-text'
  | 'titan-embed'
  | 'llama'
  | 'mistral'
  | 'cohere'
  | 'cohere-embed'
  | undefined;

/**
 * The family of a model id, ARN or inference profile: `anthropic.claude-3-haiku-20240307-v1:0`,
 * `us.anthropic.claude-...`, `arn:aws:bedrock:us-east-1:123:inference-profile/eu.meta.llama3-...`.
 */
export function modelFamily(modelId: string): ModelFamily {
  const id = modelId
    .slice(modelId.lastIndexOf('/') + 1)
    .replace(/^(?:us|eu|apac|us-gov|global|jp|au|ca)\./, '');
  if (id.startsWith('anthropic.')) return 'anthropic';
  if (id.startsWith('amazon.nova')) return 'nova';
  if (id.startsWith('amazon.titan-embed')) return 'titan-embed';
  if (id.startsWith('amazon.titan')) return 'titan-text';
  if (id.startsWith('meta.')) return 'llama';
  if (id.startsWith('mistral.')) return 'mistral';
  if (id.startsWith('cohere.embed')) return 'cohere-embed';
  if (id.startsWith('cohere.')) return 'cohere';
  return undefined;
}

function promptConversation(prompt: string, maxTokens: unknown): Conversation {
  return {
    inputTexts: [prompt],
    lastUserText: lastPromptTurn(prompt),
    lastIsToolResult: false,
    tools: [],
    maxTokens: typeof maxTokens === 'number' ? maxTokens : undefined,
  };
}

/** Strip chat-template markup (Llama `<|...|>`, Mistral `[INST]`, `Human:`) so the echo shows the user's words. */
function lastPromptTurn(prompt: string): string {
  const cleaned = prompt
    .replace(/<\|[^|]*\|>/g, ' ')
    .replace(/\[\/?INST\]|<\/?s>/g, ' ')
    .replace(/\b(?:Human|Assistant|User):/g, ' ');
  return cleaned.trim();
}

/** Split text pieces into the family's stream chunks and the final body. */
function textFamily(
  family: Exclude<ModelFamily, 'anthropic' | 'nova' | 'titan-embed' | 'cohere-embed' | undefined>,
  body: Json,
  shaping: Shaping,
  nextId: (p: string) => string,
): NativeReply {
  let conv: Conversation;
  const chat = Array.isArray(body.messages);
  if (family === 'titan-text') {
    const cfg = isRecord(body.textGenerationConfig) ? body.textGenerationConfig : {};
    conv = promptConversation(String(body.inputText ?? ''), cfg.maxTokenCount);
  } else if (family === 'llama') {
    conv = promptConversation(String(body.prompt ?? ''), body.max_gen_len);
  } else if (family === 'cohere' && typeof body.message === 'string') {
    conv = promptConversation(body.message, body.max_tokens);
    const history = Array.isArray(body.chat_history)
      ? body.chat_history.filter(isRecord).map((m) => textOf(m.message))
      : [];
    conv.inputTexts.push(...history, typeof body.preamble === 'string' ? body.preamble : '');
  } else if (chat) {
    const messages = (body.messages as unknown[]).filter(isRecord);
    const lastUser = [...messages].reverse().find((m) => m.role === 'user');
    conv = {
      inputTexts: messages.map((m) => textOf(m.content)),
      lastUserText: lastUser ? textOf(lastUser.content) : '',
      lastIsToolResult: messages[messages.length - 1]?.role === 'tool',
      toolResultText: textOf(messages[messages.length - 1]?.content),
      tools: [],
      maxTokens: typeof body.max_tokens === 'number' ? body.max_tokens : undefined,
    };
  } else {
    conv = promptConversation(String(body.prompt ?? ''), body.max_tokens);
  }
  const plan = planReply({ ...conv, tools: [] }, shaping);
  if (plan.kind !== 'text') throw new Error('unreachable: native prompt families never call tools');
  const { inputTokens, outputTokens } = plan.usage;
  const cut = plan.finish === 'length';
  const pieces = plan.pieces;
  const lastIndex = pieces.length - 1;
  let result: Json;
  let chunks: Json[];
  switch (family) {
    case 'titan-text':
      result = {
        inputTextTokenCount: inputTokens,
        results: [
          { tokenCount: outputTokens, outputText: plan.text, completionReason: cut ? 'LENGTH' : 'FINISH' },
        ],
      };
      chunks = pieces.map((p, i) => ({
        outputText: p,
        index: 0,
        totalOutputTextTokenCount: i === lastIndex ? outputTokens : null,
        completionReason: i === lastIndex ? (cut ? 'LENGTH' : 'FINISH') : null,
        inputTextTokenCount: i === 0 ? inputTokens : null,
      }));
      break;
    case 'llama':
      result = {
        generation: plan.text,
        prompt_token_count: inputTokens,
        generation_token_count: outputTokens,
        stop_reason: cut ? 'length' : 'stop',
      };
      chunks = pieces.map((p, i) => ({
        generation: p,
        prompt_token_count: i === 0 ? inputTokens : null,
        generation_token_count: i === lastIndex ? outputTokens : i + 1,
        stop_reason: i === lastIndex ? (cut ? 'length' : 'stop') : null,
      }));
      break;
    case 'mistral': {
      const reason = cut ? 'length' : 'stop';
      if (chat) {
        result = {
          id: nextId('mistral-'),
          object: 'chat.completion',
          created: Math.floor(Date.now() / 1000),
          model: 'mistral',
          choices: [{ index: 0, message: { role: 'assistant', content: plan.text }, finish_reason: reason }],
          usage: {
            prompt_tokens: inputTokens,
            completion_tokens: outputTokens,
            total_tokens: inputTokens + outputTokens,
          },
        };
        chunks = pieces.map((p, i) => ({
          choices: [
            {
              index: 0,
              message: { role: 'assistant', content: p },
              stop_reason: i === lastIndex ? reason : null,
            },
          ],
        }));
      } else {
        result = { outputs: [{ text: plan.text, stop_reason: reason }] };
        chunks = pieces.map((p, i) => ({
          outputs: [{ text: p, stop_reason: i === lastIndex ? reason : null }],
        }));
      }
      break;
    }
    case 'cohere': {
      const reason = cut ? 'MAX_TOKENS' : 'COMPLETE';
      const genId = nextId('gen-');
      if (typeof body.message === 'string') {
        result = {
          response_id: nextId('resp-'),
          text: plan.text,
          generation_id: genId,
          chat_history: [
            ...(Array.isArray(body.chat_history) ? body.chat_history : []),
            { role: 'USER', message: body.message },
            { role: 'CHATBOT', message: plan.text },
          ],
          finish_reason: reason,
        };
        chunks = [
          { is_finished: false, event_type: 'stream-start', generation_id: genId },
          ...pieces.map((p) => ({ is_finished: false, event_type: 'text-generation', text: p })),
          { is_finished: true, event_type: 'stream-end', finish_reason: reason, response: result },
        ];
      } else {
        result = {
          id: nextId('cohere-'),
          generations: [{ id: genId, text: plan.text, finish_reason: reason }],
          prompt: String(body.prompt ?? ''),
        };
        chunks = [
          ...pieces.map((p) => ({ text: p, is_finished: false, index: 0 })),
          { is_finished: true, finish_reason: reason, text: '', index: 0 },
        ];
      }
      break;
    }
  }
  return { body: result, chunks, inputTokens, outputTokens };
}

/** Build the native reply for `modelId`, or undefined for an unknown family. */
export function nativeReply(
  modelId: string,
  body: Json,
  shaping: Shaping,
  nextId: (p: string) => string,
): NativeReply | undefined {
  const family = modelFamily(modelId);
  switch (family) {
    case 'anthropic': {
      const reply = anthropicReply({ model: modelId, ...body }, shaping, nextId);
      // Bedrock's Anthropic bodies carry no `model`; it is in the URL.
      const { model: _drop, ...message } = reply.message;
      return {
        body: message,
        chunks: reply.events,
        inputTokens: reply.inputTokens,
        outputTokens: reply.outputTokens,
      };
    }
    case 'nova': {
      const reply = converseReply(body, shaping, nextId);
      const usage = reply.output.usage as Json;
      const novaUsage = {
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        totalTokens: usage.totalTokens,
        cacheReadInputTokenCount: shaping.cachedTokens,
        cacheWriteInputTokenCount: shaping.cacheWriteTokens,
      };
      const chunks: Json[] = reply.events.map(([type, payload]) =>
        type === 'metadata' ? { metadata: { ...payload, usage: novaUsage } } : { [type]: payload },
      );
      return {
        body: { output: reply.output.output, stopReason: reply.output.stopReason, usage: novaUsage },
        chunks,
        inputTokens: Number(usage.inputTokens),
        outputTokens: Number(usage.outputTokens),
      };
    }
    case 'titan-embed': {
      const text = String(body.inputText ?? '');
      const dims =
        typeof body.dimensions === 'number' ? body.dimensions : modelId.includes('v2') ? 1024 : 1536;
      const tokens = estimateTokens([text]);
      const embedding = embeddingVector(text, dims);
      return {
        body: { embedding, inputTextTokenCount: tokens },
        chunks: [],
        inputTokens: tokens,
        outputTokens: 0,
      };
    }
    case 'cohere-embed': {
      const texts = Array.isArray(body.texts) ? body.texts.map(String) : [];
      const tokens = estimateTokens(texts);
      return {
        body: {
          id: nextId('embed-'),
          embeddings: texts.map((t) => embeddingVector(t, 1024)),
          response_type: 'embeddings_floats',
          texts,
        },
        chunks: [],
        inputTokens: tokens,
        outputTokens: 0,
      };
    }
    case undefined:
      return undefined;
    default:
      return textFamily(family, body, shaping, nextId);
  }
}
