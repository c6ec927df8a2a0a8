import { describe, expect, it } from 'vitest';
import type { OutputGuard } from '../src/guard.js';
import { guardOutputStream } from '../src/output-guard-stream.js';

class Violation extends Error {
  readonly isGuardrailViolation = true;
}

async function* source(items: string[], log: string[]) {
  try {
    for (const i of items) yield i;
  } finally {
    log.push('source closed');
  }
}

function recordingGuard(log: string[], blockOn?: string): OutputGuard {
  return {
    push(delta) {
      log.push(`push ${delta}`);
      if (blockOn && delta.includes(blockOn)) throw new Violation('blocked');
    },
    finish(texts) {
      log.push(`finish ${texts.join('|')}`);
      return undefined;
    },
  };
}

describe('guardOutputStream', () => {
  it('pushes each delta before the chunk is handed on, then finishes with the whole text', async () => {
    const log: string[] = [];
    const seen: string[] = [];
    for await (const c of guardOutputStream(source(['a', 'b'], log), recordingGuard(log), (c) => [c])) {
      log.push(`caller ${c}`);
      seen.push(c);
    }
    expect(seen).toEqual(['a', 'b']);
    expect(log).toEqual(['push a', 'caller a', 'push b', 'caller b', 'source closed', 'finish ab']);
  });

  it('a guard error stops the stream, reaches the caller and closes the source', async () => {
    const log: string[] = [];
    const seen: string[] = [];
    const run = async () => {
      for await (const c of guardOutputStream(
        source(['a', 'bad', 'c'], log),
        recordingGuard(log, 'bad'),
        (c) => [c],
      ))
        seen.push(c);
    };
    await expect(run()).rejects.toBeInstanceOf(Violation);
    expect(seen).toEqual(['a']);
    expect(log).toContain('source closed');
  });

  it('a broken guard (not a guard error) is ignored and the stream goes on unguarded', async () => {
    const log: string[] = [];
    let pushes = 0;
    const broken: OutputGuard = {
      push() {
        pushes++;
        throw new TypeError('bug');
      },
      finish() {
        throw new TypeError('bug');
      },
    };
    const seen: string[] = [];
    for await (const c of guardOutputStream(source(['a', 'b'], log), broken, (c) => [c])) seen.push(c);
    expect(seen).toEqual(['a', 'b']);
    expect(pushes).toBe(1);
  });

  it('early break closes the source without finishing', async () => {
    const log: string[] = [];
    for await (const _ of guardOutputStream(source(['a', 'b'], log), recordingGuard(log), (c) => [c])) break;
    expect(log).toEqual(['push a', 'source closed']);
  });
});
