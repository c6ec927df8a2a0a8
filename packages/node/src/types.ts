import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { LoggerProvider } from '@opentelemetry/api-logs';
import type { Instrumentation } from '@opentelemetry/instrumentation';

/**
 * Options of `start()`. With none, `start()` sets up the whole OpenTelemetry SDK from the standard OTEL_*
 * environment variables (what the register entry does). With any provider given, it only registers the
 * genai-ops instrumentations against the app's own providers and sets up nothing else.
 */
export interface StartConfig {
  /** The app's tracer provider. Default: a new one configured from the environment (or the global one when a meter or logger provider is given). */
  tracerProvider?: TracerProvider;
  /** The app's meter provider, for the `gen_ai.client.*` histograms. Default: as for `tracerProvider`. */
  meterProvider?: MeterProvider;
  /** The app's logger provider, for content events. Default: as for `tracerProvider`. */
  loggerProvider?: LoggerProvider;
  /**
   * The instrumentations to enable. Default: every installed genai-ops instrumentation picked by
   * `GENAI_OPS_INSTRUMENTATIONS` (comma list of `openai`, `anthropic`, `google-genai`, `bedrock`; default all).
   */
  instrumentations?: Instrumentation[];
  /**
   * Upper bound, in milliseconds, on the flush at exit and on `shutdown()`. Default 3000; env
   * `GENAI_OPS_FLUSH_TIMEOUT_MS`.
   */
  flushTimeoutMillis?: number;
  /**
   * Flush on `beforeExit`, SIGTERM and SIGINT, and send the spans, content events and GenAI histograms
   * still pending at `process.exit()` or a crash from the `exit` listener (full setup only; see
   * docs/node.md). Default true; env `GENAI_OPS_EXIT_HOOKS=false` turns it off.
   */
  exitHooks?: boolean;
}
