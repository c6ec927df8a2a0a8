import { type DiagLogger, DiagLogLevel } from '@opentelemetry/api';

/** Where the logger writes one line; stderr by default. */
export type LineWriter = (line: string) => void;

// What the OTLP exporters and processors say when the collector cannot be reached or answers with an
// error. They report every failed batch of every signal; the app owner needs to hear it once.
// Matched on the rendered line (message plus error), so the error codes of a refused connection count too.
const EXPORT_FAILURE =
  /\bexport(s|ing)?\b.*\b(fail(ed|s)?|timed out|timeout|did not finish)\b|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|socket hang up|Request timed out/i;

// sdk-node warns 'OTEL_TRACES_EXPORTER contains "none". SDK will not be initialized.' when the user turned
// traces off on purpose (and metrics and logs still run): an answer to a choice, so info, not a warning.
// Not its 'contains "none" along with other exporters' warning, which is about a misconfiguration.
const EXPLICIT_CHOICE = /contains "none"\./;

function render(message: string, args: unknown[]): string {
  const parts = [message];
  for (const a of args) {
    if (a instanceof Error) parts.push(a.message || a.name);
    else if (typeof a === 'string') parts.push(a);
    else if (a !== undefined) {
      try {
        parts.push(JSON.stringify(a) ?? String(a));
      } catch {
        parts.push(String(a));
      }
    }
  }
  return parts.join(' ').replace(/\s+/g, ' ').trim();
}

/**
 * A diag logger for the register entry: one line per distinct message on stderr, and every export failure
 * (whatever the signal, endpoint or batch) folded into the first one, so an unreachable collector costs the
 * app a single diagnostic line. Below INFO (when OTEL_LOG_LEVEL asks for debug output) it dedupes nothing.
 */
export class DedupingDiagLogger implements DiagLogger {
  private readonly _seen = new Set<string>();
  private _exportFailureReported = false;
  private _suppressed = 0;

  constructor(
    private readonly _level: DiagLogLevel = DiagLogLevel.WARN,
    private readonly _write: LineWriter = (line) => {
      process.stderr.write(`${line}\n`);
    },
  ) {}

  /** How many lines were folded away so far. */
  get suppressed(): number {
    return this._suppressed;
  }

  error(message: string, ...args: unknown[]): void {
    this._emit('error', message, args);
  }
  warn(message: string, ...args: unknown[]): void {
    this._emit('warn', message, args);
  }
  info(message: string, ...args: unknown[]): void {
    this._emit('info', message, args);
  }
  debug(message: string, ...args: unknown[]): void {
    this._emit('debug', message, args);
  }
  verbose(message: string, ...args: unknown[]): void {
    this._emit('verbose', message, args);
  }

  private _emit(level: string, message: string, args: unknown[]): void {
    const text = render(String(message), args);
    if (level === 'warn' && this._level < DiagLogLevel.INFO && EXPLICIT_CHOICE.test(text)) return;
    if (this._level < DiagLogLevel.DEBUG) {
      if (EXPORT_FAILURE.test(text)) {
        if (this._exportFailureReported) {
          this._suppressed++;
          return;
        }
        this._exportFailureReported = true;
        this._write(
          `[genai-ops] ${level}: telemetry export failed: ${text} (further export errors are not shown)`,
        );
        return;
      }
      if (this._seen.has(text)) {
        this._suppressed++;
        return;
      }
      if (this._seen.size < 1000) this._seen.add(text);
    }
    this._write(`[genai-ops] ${level}: ${text}`);
  }
}
