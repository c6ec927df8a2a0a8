import { diag } from '@opentelemetry/api';

/** The signals after which the register entry flushes telemetry. */
export const FLUSH_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Runs `work` but gives up after `timeoutMs`: a flush must never hold an exiting app hostage (an
 * unreachable collector would otherwise keep it alive for the exporters' full retry budget).
 */
export async function withTimeout(work: () => Promise<void>, timeoutMs: number): Promise<'done' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  try {
    const outcome = await Promise.race([
      work().then(
        () => 'done' as const,
        (error: unknown) => {
          diag.warn('genai-ops: flushing telemetry failed', error);
          return 'done' as const;
        },
      ),
      timeout,
    ]);
    if (outcome === 'timeout') {
      diag.warn(`genai-ops: telemetry export did not finish within ${timeoutMs}ms; giving up on it`);
    }
    return outcome;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Flushes telemetry when the process ends: on `beforeExit` (the event loop emptied) and on SIGTERM/SIGINT.
 * After a signal, when ours is the only listener, the default behaviour is re-raised (the process dies of
 * the signal, so the shell sees 128+n); when the app has its own handler, exiting is left to it. A second
 * signal during the flush re-raises at once. When the `beforeExit` flush runs out of time the process exits
 * (with the app's `process.exitCode`) instead of waiting for the exporters' retries. Returns a function
 * that removes the hooks.
 */
export function installExitHooks(flush: () => Promise<void>, timeoutMs: number): () => void {
  let flushing: Promise<'done' | 'timeout'> | undefined;
  const flushOnce = (): Promise<'done' | 'timeout'> => {
    flushing ??= withTimeout(flush, timeoutMs);
    return flushing;
  };

  const onBeforeExit = (): void => {
    void flushOnce().then((outcome) => {
      // The app is done; only the exporters' retry timers (an unreachable collector) would keep it alive.
      // process.exit() without an argument keeps the app's process.exitCode.
      if (outcome === 'timeout') process.exit();
    });
  };

  const signalHandlers = new Map<NodeJS.Signals, () => void>();
  const uninstall = (): void => {
    process.removeListener('beforeExit', onBeforeExit);
    for (const [signal, handler] of signalHandlers) process.removeListener(signal, handler);
    signalHandlers.clear();
  };

  for (const signal of FLUSH_SIGNALS) {
    let received = false;
    const handler = (): void => {
      const appHandles = process.listenerCount(signal) > 1;
      if (received && !appHandles) {
        uninstall();
        process.kill(process.pid, signal);
        return;
      }
      received = true;
      void flushOnce().then(() => {
        if (appHandles) return;
        uninstall();
        // Re-raise with no listener left: Node's default action ends the process with this signal.
        process.kill(process.pid, signal);
      });
    };
    signalHandlers.set(signal, handler);
    process.on(signal, handler);
  }
  process.on('beforeExit', onBeforeExit);
  return uninstall;
}
