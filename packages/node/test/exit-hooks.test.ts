import { describe, expect, it } from 'vitest';
import { withTimeout } from '../src/exit-hooks';

describe('withTimeout', () => {
  it.each<[string, () => Promise<void>, number, 'done' | 'timeout']>([
    ['work that finishes', () => Promise.resolve(), 1000, 'done'],
    ['work that fails is still done (and warned about)', () => Promise.reject(new Error('x')), 1000, 'done'],
    ['work that hangs', () => new Promise<void>(() => {}), 20, 'timeout'],
  ])('%s', async (_name, work, timeoutMs, expected) => {
    expect(await withTimeout(work, timeoutMs)).toBe(expected);
  });
});
