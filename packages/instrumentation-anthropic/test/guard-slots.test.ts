import { describe, expect, it } from 'vitest';
import { textSlots } from '../src/guard-slots.js';
import type { MessageCreateParams } from '../src/internal-types.js';

describe('textSlots', () => {
  const params: MessageCreateParams = {
    model: 'm',
    system: [{ type: 'text', text: 'SYS' }],
    messages: [
      { role: 'user', content: 'USER1' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'ASSIST' },
          { type: 'tool_use', id: 't', name: 'f', input: {} },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'TOOL' }] },
          { type: 'image', source: { type: 'url', url: 'https://x.test/a.png' } },
          { type: 'text', text: 'USER2' },
        ],
      },
    ],
  };

  it('lists texts in request order with their sources', () => {
    expect(textSlots(params).segments).toEqual([
      { text: 'SYS', role: 'system', source: 'system' },
      { text: 'USER1', role: 'user', source: 'user' },
      { text: 'ASSIST', role: 'assistant', source: 'model' },
      { text: 'TOOL', role: 'tool', source: 'tool' },
      { text: 'USER2', role: 'user', source: 'user' },
    ]);
  });

  it('applies replacements to a new request and leaves the caller’s untouched', () => {
    const before = JSON.stringify(params);
    const out = textSlots(params).apply(['s', 'u1', 'a', 't', 'u2']);
    expect(JSON.stringify(params)).toBe(before);
    expect(out).not.toBe(params);
    expect(textSlots(out).segments.map((s) => s.text)).toEqual(['s', 'u1', 'a', 't', 'u2']);
    // Everything that is not text is carried over as it was.
    expect(out.messages?.[2]?.content).toEqual([
      { type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 't' }] },
      { type: 'image', source: { type: 'url', url: 'https://x.test/a.png' } },
      { type: 'text', text: 'u2' },
    ]);
  });

  it('string system and string tool results', () => {
    const p: MessageCreateParams = {
      system: 'S',
      messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 'x', content: 'R' }] }],
    };
    const slots = textSlots(p);
    expect(slots.segments.map((s) => [s.text, s.source])).toEqual([
      ['S', 'system'],
      ['R', 'tool'],
    ]);
    const out = slots.apply(['S2', 'R2']);
    expect(out.system).toBe('S2');
    expect(out.messages?.[0]?.content).toEqual([{ type: 'tool_result', tool_use_id: 'x', content: 'R2' }]);
    expect(p.system).toBe('S');
  });
});
