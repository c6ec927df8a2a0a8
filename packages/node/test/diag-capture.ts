import { type DiagLogger, DiagLogLevel, diag } from '@opentelemetry/api';

/** Collects diag output (level and message) while `fn` runs. */
export function collectDiag<T>(fn: () => T): { result: T; logs: string[] } {
  const logs: string[] = [];
  const push =
    (level: string) =>
    (message: string, ...args: unknown[]) => {
      // The API's own (un)registration notes are not what the tests look at.
      if (message.startsWith('@opentelemetry/api:')) return;
      logs.push(
        `${level}: ${[message, ...args.map((a) => (a instanceof Error ? a.message : String(a)))].join(' ')}`,
      );
    };
  const logger: DiagLogger = {
    error: push('error'),
    warn: push('warn'),
    info: push('info'),
    debug: push('debug'),
    verbose: push('verbose'),
  };
  diag.setLogger(logger, { logLevel: DiagLogLevel.DEBUG, suppressOverrideMessage: true });
  try {
    return { result: fn(), logs };
  } finally {
    diag.disable();
  }
}
