/*
 * Test preload: a minimal OpenTelemetry SDK exporting over OTLP http/json (endpoint from the standard
 * OTEL_EXPORTER_OTLP_ENDPOINT), with the instrumentations named in GENAI_OPS_TEST_INSTRUMENTATIONS
 * ("package:ExportName,package:ExportName"). Instrumentation packages use it in their tests before the
 * register entry exists; the register entry itself is tested separately.
 *   node --require ./test/helpers/setup-otel.cjs app.js
 */
const { diag, DiagConsoleLogger, DiagLogLevel } = require('@opentelemetry/api');
const { logs } = require('@opentelemetry/api-logs');
const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node');
const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http');
const { OTLPMetricExporter } = require('@opentelemetry/exporter-metrics-otlp-http');
const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-http');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { resourceFromAttributes } = require('@opentelemetry/resources');

if (process.env.GENAI_OPS_TEST_DIAG) diag.setLogger(new DiagConsoleLogger(), DiagLogLevel.DEBUG);

const resource = resourceFromAttributes({
  'service.name': process.env.OTEL_SERVICE_NAME || 'genai-ops-test',
});
const tracerProvider = new NodeTracerProvider({
  resource,
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter(), { scheduledDelayMillis: 20 })],
});
tracerProvider.register();
const meterProvider = new MeterProvider({
  resource,
  readers: [
    new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: 60_000 }),
  ],
});
const loggerProvider = new LoggerProvider({
  resource,
  processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter(), scheduledDelayMillis: 20 })],
});
logs.setGlobalLoggerProvider(loggerProvider);

const instrumentations = [];
for (const spec of (process.env.GENAI_OPS_TEST_INSTRUMENTATIONS || '').split(',').filter(Boolean)) {
  const [pkg, exportName] = spec.split(':');
  const Ctor = require(pkg)[exportName];
  instrumentations.push(new Ctor());
}
registerInstrumentations({ instrumentations, tracerProvider, meterProvider, loggerProvider });

let flushed = false;
async function flush() {
  if (flushed) return;
  flushed = true;
  await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
}
// Flush on normal exit (beforeExit fires when the loop empties) and on SIGTERM.
process.once('beforeExit', () => {
  void flush();
});
process.once('SIGTERM', () => {
  void flush().finally(() => process.exit(143));
});
globalThis.__genaiOpsTestFlush = flush;
