import { bindGenAIMetricsAggregator, getEnv, getEnvBoolean, getEnvInt } from '@genai-ops/core';
import { createNoopMeter, diag, metrics, ProxyTracerProvider, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import type { resources } from '@opentelemetry/sdk-node';
import { DedupingDiagLogger } from './diag-logger.js';
import {
  ExitSafeLogs,
  ExitSafeTraces,
  httpLogProtocolFromEnv,
  httpTraceProtocolFromEnv,
  installExitExport,
} from './exit-export.js';
import { installExitHooks, withTimeout } from './exit-hooks.js';
import { installGuardrailsFromEnv } from './guardrails.js';
import { loadInstrumentationsFromEnv } from './instrumentations.js';
import { DIAG_LEVEL_NAMES, diagLevelFromString, isDiagLevelName } from './log-level.js';
import { metricReadersFromEnv } from './metric-readers.js';
// The resources module of sdk-node's own dependency tree, so the resource we pass merges with its detectors'.
import { sdkNode } from './sdk-node.js';
import type { StartConfig } from './types.js';

/** Default bound on the exit flush, in milliseconds. */
export const DEFAULT_FLUSH_TIMEOUT_MS = 3000;

const DISTRO_NAME = 'genai-ops';
const DISTRO_VERSION: string = (require('../package.json') as { version: string }).version;

interface Running {
  shutdown(): Promise<void>;
}

let running: Running | undefined;

/** Installs the register entry's diag logger; returns the function that installs the same logger again. */
function installDiagLogger(): () => void {
  const raw = getEnv('OTEL_LOG_LEVEL');
  const level = diagLevelFromString(raw);
  const logger = new DedupingDiagLogger(level);
  const install = (): void => {
    diag.setLogger(logger, { logLevel: level, suppressOverrideMessage: true });
  };
  install();
  if (raw !== undefined && !isDiagLevelName(raw)) {
    diag.warn(
      `OTEL_LOG_LEVEL: unknown value "${raw}", expected one of ${DIAG_LEVEL_NAMES.join(', ')}; using WARN`,
    );
  }
  return install;
}

/**
 * Which global providers the app's own OpenTelemetry SDK registered before us. A second SDK could not
 * register its own (the API keeps the first and logs an error) and would divert what it can reach.
 */
function registeredGlobalProviders(): string[] {
  const found: string[] = [];
  if (!(trace.getTracerProvider() instanceof ProxyTracerProvider)) found.push('tracer');
  // With no meter provider registered the API hands out its one no-op meter for every name.
  if (metrics.getMeterProvider().getMeter(DISTRO_NAME) !== createNoopMeter()) found.push('meter');
  return found;
}

type MaybeFlushable = { forceFlush?: () => Promise<void>; getDelegate?: () => unknown };

/** forceFlush on the global tracer, meter and logger providers NodeSDK registered (it has no flush of its own). */
async function forceFlushGlobals(): Promise<void> {
  const tracerProvider = trace.getTracerProvider() as MaybeFlushable;
  const providers = [
    (tracerProvider.getDelegate?.() ?? tracerProvider) as MaybeFlushable,
    metrics.getMeterProvider() as MaybeFlushable,
    logs.getLoggerProvider() as MaybeFlushable,
  ];
  await Promise.all(providers.map((p) => (typeof p.forceFlush === 'function' ? p.forceFlush() : undefined)));
}

function fullSetup(config: StartConfig, flushTimeoutMs: number): Running | undefined {
  // Only "true" (any case) disables the SDK; NodeSDK reads any other value as false and says so.
  // https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#parsing-empty-value
  if (getEnv('OTEL_SDK_DISABLED')?.toLowerCase() === 'true') return undefined;
  const existing = registeredGlobalProviders();
  if (existing.length > 0) {
    // The app set up its own SDK first: add our instrumentations to it, as start({ tracerProvider }) does.
    diag.info(
      `genai-ops: the app already registered a global ${existing.join(' and ')} provider; enabling the instrumentations with it instead of starting a second SDK`,
    );
    return registerOnly(config);
  }
  const reinstallDiagLogger = installDiagLogger();
  const instrumentations = config.instrumentations ?? loadInstrumentationsFromEnv();
  const uninstallGuardrails = installGuardrailsFromEnv();
  const exitHooks = config.exitHooks ?? getEnvBoolean('GENAI_OPS_EXIT_HOOKS') ?? true;
  const { readers, aggregator, exitMetrics } = metricReadersFromEnv(exitHooks);
  // Traces over OTLP/HTTP: our own exporter and batch processor (what NodeSDK builds from the same
  // variables), so the spans still pending at process.exit() or a crash can be sent (exit-export.ts).
  const traceProtocol = exitHooks ? httpTraceProtocolFromEnv() : undefined;
  const exitTraces = traceProtocol ? new ExitSafeTraces(traceProtocol) : undefined;
  // The same for the content events' log pipeline.
  const logProtocol = exitHooks ? httpLogProtocolFromEnv() : undefined;
  const exitLogs = logProtocol ? new ExitSafeLogs(logProtocol) : undefined;
  // NodeSDK installs a plain console logger when OTEL_LOG_LEVEL is set, warning that it replaces ours;
  // step aside while it is built, then put ours (deduping, same level) back.
  const logLevelSet = getEnv('OTEL_LOG_LEVEL') !== undefined;
  if (logLevelSet) diag.disable();
  const sdk = new sdkNode.NodeSDK({
    instrumentations,
    metricReaders: readers,
    ...(exitTraces ? { spanProcessors: [exitTraces.processor] } : {}),
    ...(exitLogs ? { logRecordProcessors: [exitLogs.processor] } : {}),
    // telemetry.distro.* tell a backend which distribution set the SDK up; env detectors still win.
    resource: sdkNode.resources.defaultResource().merge(
      sdkNode.resources.resourceFromAttributes({
        'telemetry.distro.name': DISTRO_NAME,
        'telemetry.distro.version': DISTRO_VERSION,
      }),
    ),
  });
  if (logLevelSet) {
    diag.disable();
    reinstallDiagLogger();
  }
  sdk.start();
  // The meter provider exists now: bind the GenAI aggregator (whose producers feed its readers) to it and
  // hand it to the instrumentations again, so they record their histograms into the aggregator.
  if (readers.length > 0) {
    const meterProvider = metrics.getMeterProvider();
    bindGenAIMetricsAggregator(meterProvider, aggregator);
    for (const i of instrumentations) i.setMeterProvider(meterProvider);
  }
  // sdk-node registers its LoggerProvider through its own copy of @opentelemetry/api-logs; when the app's
  // tree holds another (a different version hoisted, as in this workspace), the instrumentations took their
  // loggers from that one, whose proxy is never pointed at it. The global itself is shared, so hand it to
  // them directly, or content events would go nowhere.
  const loggerProvider = logs.getLoggerProvider();
  for (const i of instrumentations) i.setLoggerProvider?.(loggerProvider);
  // The SDK's resource (NodeSDK keeps the merged, detected one in `_resource`, not public API) for the
  // metrics; spans carry their own.
  const exitExport = exitHooks
    ? installExitExport(
        {
          traces: exitTraces,
          logs: exitLogs,
          metrics: exitMetrics,
          resource: () => (sdk as unknown as { _resource?: resources.Resource })._resource,
        },
        flushTimeoutMs,
      )
    : undefined;
  const uninstall = exitHooks
    ? installExitHooks(
        {
          flush: forceFlushGlobals,
          shutdown: () => sdk.shutdown(),
          // The endpoint did not answer within the flush timeout: exiting must not wait for it again.
          gaveUp: () => exitExport?.disable(),
        },
        flushTimeoutMs,
      )
    : undefined;
  return {
    async shutdown() {
      uninstall?.();
      exitExport?.uninstall();
      uninstallGuardrails?.();
      for (const i of instrumentations) i.disable();
      await withTimeout(() => sdk.shutdown(), flushTimeoutMs);
    },
  };
}

function registerOnly(config: StartConfig): Running {
  const instrumentations = config.instrumentations ?? loadInstrumentationsFromEnv();
  const uninstallGuardrails = installGuardrailsFromEnv();
  const unregister = registerInstrumentations({
    instrumentations,
    tracerProvider: config.tracerProvider,
    meterProvider: config.meterProvider,
    loggerProvider: config.loggerProvider,
  });
  return {
    async shutdown() {
      uninstallGuardrails?.();
      unregister();
    },
  };
}

/**
 * Starts genai-ops. Without providers it sets up tracing, metrics and logs exported over OTLP, configured
 * by the standard OTEL_* environment variables, and enables every installed genai-ops instrumentation; with
 * `tracerProvider`/`meterProvider`/`loggerProvider` it only registers the instrumentations against them, and
 * so it does with the global providers when the app registered a global tracer or meter provider before.
 * Idempotent: a second call while started does nothing. Never throws.
 *
 * @example
 * ```ts
 * import { start } from '@genai-ops/node';
 * start(); // or start({ tracerProvider, meterProvider, loggerProvider })
 * ```
 */
export function start(config: StartConfig = {}): void {
  if (running !== undefined) {
    diag.debug('genai-ops: start() called again; already started');
    return;
  }
  const flushTimeoutMs =
    config.flushTimeoutMillis ?? getEnvInt('GENAI_OPS_FLUSH_TIMEOUT_MS') ?? DEFAULT_FLUSH_TIMEOUT_MS;
  try {
    const programmatic =
      config.tracerProvider !== undefined ||
      config.meterProvider !== undefined ||
      config.loggerProvider !== undefined;
    running = programmatic ? registerOnly(config) : fullSetup(config, flushTimeoutMs);
  } catch (error) {
    diag.error('genai-ops: start-up failed; telemetry is off', error);
    running = undefined;
  }
}

/**
 * Flushes and stops what `start()` set up (within the flush timeout) and disables the instrumentations.
 * Safe to call twice and before `start()`. Never rejects.
 */
export async function shutdown(): Promise<void> {
  const current = running;
  running = undefined;
  if (current === undefined) return;
  try {
    await current.shutdown();
  } catch (error) {
    diag.warn('genai-ops: shutdown failed', error);
  }
}

/** Whether `start()` is in effect (false when OTEL_SDK_DISABLED=true turned it into a no-op). */
export function isStarted(): boolean {
  return running !== undefined;
}
