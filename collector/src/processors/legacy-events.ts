/**
 * Rebuilds the conventions' message attributes from the per-message events of semantic conventions
 * ≤ v1.36 (`gen_ai.system.message`, `gen_ai.user.message`, `gen_ai.assistant.message`,
 * `gen_ai.tool.message`, `gen_ai.choice`), emitted as OTLP log records or, by some old SDKs, as span
 * events. See GUIDE.md §10 and §12.
 */
import type { InputMessage, MessagePart, OutputMessage } from '@genai-ops/core';
import type { AttrValue, LogRecordRecord } from '../model.js';
import {
  canonicalJson,
  contentToParts,
  isObj,
  parseJsonValue,
  toOutputMessage,
  toolCallsToParts,
} from './normalize-messages.js';

/** Event names of the ≤ v1.36 per-message events. */
export const LEGACY_MESSAGE_EVENTS = {
  SYSTEM: 'gen_ai.system.message',
  USER: 'gen_ai.user.message',
  ASSISTANT: 'gen_ai.assistant.message',
  TOOL: 'gen_ai.tool.message',
  CHOICE: 'gen_ai.choice',
} as const;

const ROLE_BY_EVENT: Record<string, string> = {
  [LEGACY_MESSAGE_EVENTS.SYSTEM]: 'system',
  [LEGACY_MESSAGE_EVENTS.USER]: 'user',
  [LEGACY_MESSAGE_EVENTS.ASSISTANT]: 'assistant',
  [LEGACY_MESSAGE_EVENTS.TOOL]: 'tool',
};

/** One event, reduced to what folding needs. */
export interface LegacyMessageEvent {
  name: string;
  body: unknown;
}

/** The rebuilt message attributes (canonical JSON strings), any of them absent when there was nothing. */
export interface FoldedMessages {
  systemInstructions?: string;
  inputMessages?: string;
  outputMessages?: string;
}

export function isLegacyMessageEvent(name: string): boolean {
  return name === LEGACY_MESSAGE_EVENTS.CHOICE || name in ROLE_BY_EVENT;
}

/**
 * Folds the per-message events of one span, in emission order. System messages become
 * `gen_ai.system_instructions` (the ≤ v1.36 events do not say whether the API took them separately,
 * and every SDK of that era sent them first); the others become input messages; `gen_ai.choice`
 * events become output messages ordered by their `index`.
 */
export function foldMessageEvents(events: LegacyMessageEvent[]): FoldedMessages {
  const system: MessagePart[] = [];
  const input: InputMessage[] = [];
  const choices: Array<{ index: number; msg: OutputMessage }> = [];
  for (const ev of events) {
    const body =
      (typeof ev.body === 'string' ? (parseJsonValue(ev.body) ?? { content: ev.body }) : ev.body) ?? {};
    if (!isObj(body)) continue;
    if (ev.name === LEGACY_MESSAGE_EVENTS.CHOICE) {
      const msg = isObj(body.message) ? body.message : {};
      const out = toOutputMessage({ role: 'assistant', ...msg }, body.finish_reason);
      if (out)
        choices.push({ index: typeof body.index === 'number' ? body.index : choices.length, msg: out });
      continue;
    }
    const role = typeof body.role === 'string' ? body.role : ROLE_BY_EVENT[ev.name];
    if (!role) continue;
    if (role === 'system') {
      system.push(...contentToParts(body.content).filter((p) => p.type === 'text'));
    } else if (role === 'tool') {
      input.push({
        role,
        parts: [
          {
            type: 'tool_call_response',
            id: typeof body.id === 'string' ? body.id : null,
            response: body.content ?? null,
          },
        ],
      });
    } else {
      input.push({ role, parts: [...contentToParts(body.content), ...toolCallsToParts(body.tool_calls)] });
    }
  }
  const out: FoldedMessages = {};
  if (system.length) out.systemInstructions = canonicalJson(system);
  if (input.length) out.inputMessages = canonicalJson(input);
  if (choices.length) {
    choices.sort((a, b) => a.index - b.index);
    out.outputMessages = canonicalJson(choices.map((c) => c.msg));
  }
  return out;
}

function eventNameOf(log: LogRecordRecord): string {
  if (log.eventName) return log.eventName;
  const attr: AttrValue | undefined = log.attributes['event.name'];
  return typeof attr === 'string' ? attr : '';
}

/**
 * Groups ≤ v1.36 per-message log records by span and rebuilds each span's messages. Records without a
 * span context, or that are not per-message events, are ignored (the exporter stores them anyway).
 */
export function foldLegacyEvents(logs: LogRecordRecord[]): Array<{
  traceId: string;
  spanId: string;
  systemInstructions?: string;
  inputMessages?: string;
  outputMessages?: string;
}> {
  const bySpan = new Map<string, { traceId: string; spanId: string; events: LegacyMessageEvent[] }>();
  for (const log of logs) {
    const name = eventNameOf(log);
    if (!isLegacyMessageEvent(name) || !log.traceId || !log.spanId) continue;
    const key = `${log.traceId}/${log.spanId}`;
    let entry = bySpan.get(key);
    if (!entry) {
      entry = { traceId: log.traceId, spanId: log.spanId, events: [] };
      bySpan.set(key, entry);
    }
    entry.events.push({ name, body: log.body });
  }
  const result: Array<{ traceId: string; spanId: string } & FoldedMessages> = [];
  for (const { traceId, spanId, events } of bySpan.values()) {
    const folded = foldMessageEvents(events);
    if (folded.systemInstructions || folded.inputMessages || folded.outputMessages) {
      result.push({ traceId, spanId, ...folded });
    }
  }
  return result;
}
