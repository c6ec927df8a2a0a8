import { GenAIMetricsAggregator, GenAIMetricTemporality, getEnv, getEnvList } from '@genai-ops/core';
import { diag } from '@opentelemetry/api';
import type { metrics as SdkMetrics } from '@opentelemetry/sdk-node';
import { ExitSafeMetrics, type HttpProtocol, otlpProtocolSetting } from './exit-export.js';
import { sdkNode } from './sdk-node.js';

const sdkMetrics: typeof SdkMetrics = sdkNode.metrics;

type MetricReader = InstanceType<typeof sdkMetrics.MetricReader>;
type PushMetricExporter = ConstructorParameters<
  typeof sdkMetrics.PeriodicExportingMetricReader
>[0]['exporter'];

/** The metric readers of OTEL_METRICS_EXPORTER, each fed by the GenAI aggregator as well as by the SDK. */
export interface MetricReaders {
  readers: MetricReader[];
  aggregator: GenAIMetricsAggregator;
  /** The GenAI histograms of each OTLP/HTTP reader, for the exit export (exit-export.ts). */
  exitMetrics: ExitSafeMetrics[];
}

function positive(name: string): number | undefined {
  const raw = getEnv(name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (Number.isFinite(n) && n > 0) return n;
  diag.warn(`${name} (${raw}) is invalid, expected a number greater than 0; using the default`);
  return undefined;
}

/** OTEL_EXPORTER_OTLP_METRICS_PROTOCOL / OTEL_EXPORTER_OTLP_PROTOCOL (an unknown one is warned about). */
function otlpMetricProtocol(): 'grpc' | HttpProtocol {
  const protocol = otlpProtocolSetting('METRICS');
  if (protocol === 'grpc' || protocol === 'http/json' || protocol === 'http/protobuf') return protocol;
  diag.warn(`Unsupported OTLP metrics protocol: "${protocol}"; using http/protobuf`);
  return 'http/protobuf';
}

/** The OTLP metric exporter of `protocol`. */
function otlpMetricExporter(protocol: 'grpc' | HttpProtocol): PushMetricExporter {
  switch (protocol) {
    case 'grpc':
      return new (require('@opentelemetry/exporter-metrics-otlp-grpc').OTLPMetricExporter)();
    case 'http/json':
      return new (require('@opentelemetry/exporter-metrics-otlp-http').OTLPMetricExporter)();
    default:
      return new (require('@opentelemetry/exporter-metrics-otlp-proto').OTLPMetricExporter)();
  }
}

/**
 * What NodeSDK would build from OTEL_METRICS_EXPORTER (otlp by default, console, prometheus, none),
 * OTEL_METRIC_EXPORT_INTERVAL and OTEL_METRIC_EXPORT_TIMEOUT, with one difference: each reader also
 * collects the GenAI client histograms from a {@link GenAIMetricsAggregator} (in the temporality its
 * exporter asks for), which the instrumentations record into instead of the SDK's instruments (one
 * attribute-set lookup per call instead of one hash per observation). Views cannot be configured through
 * the environment, so nothing the SDK would apply to those histograms is lost. With `exitExport`, each
 * OTLP/HTTP reader also gets its ExitSafeMetrics (exit-export.ts).
 */
export function metricReadersFromEnv(exitExport = true): MetricReaders {
  const aggregator = new GenAIMetricsAggregator();
  const readers: MetricReader[] = [];
  const exitMetrics: ExitSafeMetrics[] = [];
  const names = [...new Set(getEnvList('OTEL_METRICS_EXPORTER') ?? [])];
  if (names.length === 0) names.push('otlp');
  if (names.includes('none')) return { readers, aggregator, exitMetrics };
  const interval = positive('OTEL_METRIC_EXPORT_INTERVAL') ?? 60_000;
  const timeout = Math.min(positive('OTEL_METRIC_EXPORT_TIMEOUT') ?? 30_000, interval);
  const periodic = (exporter: PushMetricExporter, exitProtocol?: HttpProtocol) => {
    const producer = aggregator.createProducer(() =>
      exporter.selectAggregationTemporality?.(sdkMetrics.InstrumentType.HISTOGRAM) ===
      sdkMetrics.AggregationTemporality.DELTA
        ? GenAIMetricTemporality.DELTA
        : GenAIMetricTemporality.CUMULATIVE,
    );
    if (exitExport && exitProtocol) exitMetrics.push(new ExitSafeMetrics(producer, exitProtocol));
    return new sdkMetrics.PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: interval,
      exportTimeoutMillis: timeout,
      metricProducers: [producer],
    });
  };
  for (const name of names) {
    if (name === 'otlp') {
      const protocol = otlpMetricProtocol();
      readers.push(periodic(otlpMetricExporter(protocol), protocol === 'grpc' ? undefined : protocol));
    } else if (name === 'console') readers.push(periodic(new sdkMetrics.ConsoleMetricExporter()));
    else if (name === 'prometheus') {
      const { PrometheusExporter } = require('@opentelemetry/exporter-prometheus');
      readers.push(new PrometheusExporter({ metricProducers: [aggregator.createProducer()] }));
    } else {
      diag.warn(
        `Unsupported OTEL_METRICS_EXPORTER value: "${name}". Supported values are: otlp, console, prometheus, none.`,
      );
    }
  }
  return { readers, aggregator, exitMetrics };
}
