export {
  ingestLogDir,
  loadIngestBacklog,
  type RunningCollector,
  type StartCollectorOptions,
  startCollector,
} from './collector.js';
export type {
  Component,
  LogBatch,
  LogsConsumer,
  SpanBatch,
  SpanProcessor,
  TracesConsumer,
} from './component.js';
export { PipelineError } from './component.js';
export {
  type CollectorConfig,
  type CollectorConfigInput,
  ConfigError,
  DEFAULT_CONFIG,
  type ForwardEndpointConfig,
  type LoadConfigOptions,
  loadConfig,
} from './config.js';
export {
  DuckDBStore,
  type DuckDBStoreConfig,
  QueryRejectedError,
  QueryTimeoutError,
} from './exporters/duckdb-store.js';
export { CollectorMetrics } from './exporters/metrics.js';
export { OtlpForwarder, type OtlpForwarderConfig } from './exporters/otlp-forwarder.js';
export { spanColumns } from './exporters/span-columns.js';
export {
  type PreparedSpans,
  packPrepared,
  prepareSpans,
  type SpanRow,
  unpackPrepared,
} from './exporters/span-rows.js';
export { type IngestEntry, IngestLog, type IngestLogConfig } from './ingest-log.js';
export type * from './model.js';
export { decodeLogs, decodeTraces, OtlpDecodeError } from './otlp/decode.js';
export { encodeTraces, enrichedAttributes } from './otlp/encode.js';
export { type ScannedSpans, scanLogsProtobuf, scanTracesProtobuf } from './otlp/scan.js';
export { Pipeline, type PipelineConfig } from './pipeline.js';
