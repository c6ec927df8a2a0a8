import { describe, expect, it, vi } from 'vitest';
import { installExitHooks, withTimeout } from '../src/exit-hooks';

describe('withTimeout', () => {
  it.each<[string, () => Promise<void>, number, 'done' | 'timeout']>([
    ['work that finishes', () => Promise.resolve(), 1000, 'done'],
    ['work that fails is still done (and warned about)', () => Promise.reject(new Error('x')), 1000, 'done'],
    ['work that hangs', () => new Promise<void>(() => {}), 20, 'timeout'],
  ])('%s', async (_name, work, timeoutMs, expected) => {
    expect(await withTimeout(work, timeoutMs)).toBe(expected);
  });
});

describe('installExitHooks', () => {
  it('tells the target it gave up before making a process whose exit flush timed out exit', async () => {
    const calls: string[] = [];
    const exit = vi.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      calls.push(`exit(${code ?? ''})`);
    }) as never);
    const uninstall = installExitHooks(
      {
        flush: async () => undefined,
        // An endpoint that never answers.
        shutdown: () => new Promise<void>(() => calls.push('shutdown')),
        gaveUp: () => calls.push('gaveUp'),
      },
      30,
    );
    try {
      process.emit('beforeExit', 0);
      await vi.waitFor(() => expect(calls).toEqual(['shutdown', 'gaveUp', 'exit()']));
    } finally {
      uninstall();
      exit.mockRestore();
    }
  });

  it('does not call gaveUp when the shutdown finished in time', async () => {
    const calls: string[] = [];
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => calls.push('exit')) as never);
    let finished: () => void = () => undefined;
    const done = new Promise<void>((r) => {
      finished = r;
    });
    const uninstall = installExitHooks(
      {
        flush: async () => undefined,
        shutdown: async () => {
          calls.push('shutdown');
          finished();
        },
        gaveUp: () => calls.push('gaveUp'),
      },
      1000,
    );
    try {
      process.emit('beforeExit', 0);
      await done;
      await new Promise((r) => setTimeout(r, 20));
      expect(calls).toEqual(['shutdown']);
    } finally {
      uninstall();
      exit.mockRestore();
    }
  });
});
