/**
 * The text slots of a Messages request for the in-process guard (core guard.ts): which texts it sees,
 * where they came from, and how to build a new request with replaced texts without touching the
 * caller's objects.
 */
import type { GuardTextSegment, TextSlots, TextSource } from '@genai-ops/core';
import type { ContentBlock, MessageCreateParams, MessageParam } from './internal-types.js';

/** Where one text lives, and how to write a replacement into a fresh copy of the request. */
interface Slot {
  segment: GuardTextSegment;
  write(params: MessageCreateParams, text: string): void;
}

function sourceOf(role: string): TextSource {
  return role === 'assistant' ? 'model' : role === 'system' ? 'system' : 'user';
}

/** Copies `params` deeply enough that writing the slots never reaches the caller's objects. */
function copyForWrite(params: MessageCreateParams): MessageCreateParams {
  const copy: MessageCreateParams = { ...params };
  if (Array.isArray(params.system)) copy.system = params.system.map((b) => ({ ...b }));
  if (Array.isArray(params.messages)) {
    copy.messages = params.messages.map((m) => ({
      ...m,
      content: Array.isArray(m.content)
        ? m.content.map((b) => ({
            ...b,
            content: Array.isArray(b.content) ? b.content.map((c) => ({ ...c })) : b.content,
          }))
        : m.content,
    }));
  }
  return copy;
}

function blockSlots(
  slots: Slot[],
  blocks: ContentBlock[],
  role: string,
  locate: (params: MessageCreateParams) => ContentBlock[],
): void {
  blocks.forEach((block, b) => {
    if (block.type === 'text' && typeof block.text === 'string') {
      slots.push({
        segment: { text: block.text, role, source: sourceOf(role) },
        write: (p, text) => {
          const target = locate(p)[b];
          if (target) target.text = text;
        },
      });
    } else if (block.type === 'tool_result') {
      if (typeof block.content === 'string') {
        slots.push({
          segment: { text: block.content, role: 'tool', source: 'tool' },
          write: (p, text) => {
            const target = locate(p)[b];
            if (target) target.content = text;
          },
        });
      } else if (Array.isArray(block.content)) {
        block.content.forEach((inner, i) => {
          if (inner.type !== 'text' || typeof inner.text !== 'string') return;
          slots.push({
            segment: { text: inner.text, role: 'tool', source: 'tool' },
            write: (p, text) => {
              const content = locate(p)[b]?.content;
              const target = Array.isArray(content) ? content[i] : undefined;
              if (target) target.text = text;
            },
          });
        });
      }
    }
  });
}

/**
 * The guard's view of a request: `system` (source system), user text (user), tool results (tool) and
 * earlier assistant turns (model), in request order.
 */
export function textSlots(params: MessageCreateParams): TextSlots<MessageCreateParams> {
  const slots: Slot[] = [];
  const system = params.system;
  if (typeof system === 'string') {
    slots.push({
      segment: { text: system, role: 'system', source: 'system' },
      write: (p, text) => {
        p.system = text;
      },
    });
  } else if (Array.isArray(system)) {
    blockSlots(slots, system, 'system', (p) => (Array.isArray(p.system) ? p.system : []));
  }
  (params.messages ?? []).forEach((message: MessageParam, m) => {
    const role = String(message.role);
    if (typeof message.content === 'string') {
      slots.push({
        segment: { text: message.content, role, source: sourceOf(role) },
        write: (p, text) => {
          const target = p.messages?.[m];
          if (target) target.content = text;
        },
      });
    } else if (Array.isArray(message.content)) {
      blockSlots(slots, message.content, role, (p) => {
        const content = p.messages?.[m]?.content;
        return Array.isArray(content) ? content : [];
      });
    }
  });
  return {
    segments: slots.map((s) => s.segment),
    apply(texts: string[]): MessageCreateParams {
      const copy = copyForWrite(params);
      slots.forEach((slot, i) => {
        const text = texts[i];
        if (typeof text === 'string') slot.write(copy, text);
      });
      return copy;
    },
  };
}
