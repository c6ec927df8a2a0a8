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

/** What the exit hooks call. */
export interface ExitFlush {
  /** Exports what is buffered and keeps going (the app handles the signal and may go on). */
  flush(): Promise<void>;
  /** Exports what is buffered and stops (the process is ending). */
  shutdown(): Promise<void>;
  /** Called when the `beforeExit` shutdown ran out of time and the process is made to exit. */
  gaveUp?(): void;
}

/**
 * Flushes telemetry when the process ends: on `beforeExit` (the event loop emptied) and on SIGTERM/SIGINT.
 * After a signal, when ours is the only listener, the SDK is shut down and the signal re-raised (the process
 * dies of it, as without us, so a shell sees 128+n); when the app has its own handler, we only flush and
 * leave the rest to the app (which may go on: an interactive app cancelling on Ctrl-C). A second signal
 * during the shutdown re-raises at once. When the `beforeExit` shutdown runs out of time the process exits
 * (with the app's `process.exitCode`) instead of waiting for the exporters' retries. Returns a function
 * that removes the hooks.
 */
export function installExitHooks(target: ExitFlush, timeoutMs: number): () => void {
  let stopping: Promise<'done' | 'timeout'> | undefined;
  const shutdownOnce = (): Promise<'done' | 'timeout'> => {
    stopping ??= withTimeout(() => target.shutdown(), timeoutMs);
    return stopping;
  };

  const onBeforeExit = (): void => {
    void shutdownOnce().then((outcome) => {
      // The app is done; only the exporters' retry timers (an unreachable collector) would keep it alive.
      // process.exit() without an argument keeps the app's process.exitCode.
      if (outcome === 'timeout') {
        target.gaveUp?.();
        process.exit();
      }
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
      if (process.listenerCount(signal) > 1) {
        void withTimeout(() => target.flush(), timeoutMs);
        return;
      }
      if (received) {
        uninstall();
        process.kill(process.pid, signal);
        return;
      }
      received = true;
      void shutdownOnce().then(() => {
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
