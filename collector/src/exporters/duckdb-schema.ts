/**
 * Versioned DuckDB schema. Each migration runs once, in order, inside a transaction, and is recorded
 * in `schema_migrations`. Never edit a shipped migration: add a new one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string[];
}

/** Columns of `spans` (and of its constraint-free twin `spans_staging`, filled by the appender). */
export const SPANS_COLUMNS_SQL = `
  trace_id VARCHAR NOT NULL,
  span_id VARCHAR NOT NULL,
  parent_span_id VARCHAR,
  name VARCHAR,
  kind INTEGER,
  service_name VARCHAR,
  scope_name VARCHAR,
  scope_version VARCHAR,
  start_time TIMESTAMP_NS,
  end_time TIMESTAMP_NS,
  duration_ms DOUBLE,
  status_code INTEGER,
  status_message VARCHAR,
  error_type VARCHAR,
  operation_name VARCHAR,
  provider_name VARCHAR,
  request_model VARCHAR,
  response_model VARCHAR,
  input_tokens BIGINT,
  output_tokens BIGINT,
  cache_read_tokens BIGINT,
  cache_creation_tokens BIGINT,
  reasoning_tokens BIGINT,
  cost_usd DOUBLE,
  cost_input_usd DOUBLE,
  cost_output_usd DOUBLE,
  price_version VARCHAR,
  cost_reason VARCHAR,
  counts_usage BOOLEAN,
  conversation_id VARCHAR,
  agent_name VARCHAR,
  prompt_name VARCHAR,
  prompt_version VARCHAR,
  system_instructions JSON,
  input_messages JSON,
  output_messages JSON,
  tool_definitions JSON,
  attributes JSON,
  resource JSON,
  events JSON,
  links JSON,
  enrichment JSON,
  normalization_source VARCHAR,
  received_at TIMESTAMP`;

export const LOG_COLUMNS_SQL = `
  time TIMESTAMP_NS,
  observed_time TIMESTAMP_NS,
  trace_id VARCHAR,
  span_id VARCHAR,
  severity_number INTEGER,
  severity_text VARCHAR,
  event_name VARCHAR,
  body JSON,
  attributes JSON,
  resource JSON,
  service_name VARCHAR,
  scope_name VARCHAR,
  received_at TIMESTAMP`;

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'spans, log_records, enrichments',
    sql: [
      `CREATE TABLE spans (${SPANS_COLUMNS_SQL},
        PRIMARY KEY (trace_id, span_id))`,
      `CREATE TABLE spans_staging (${SPANS_COLUMNS_SQL})`,
      `CREATE TABLE log_records (${LOG_COLUMNS_SQL})`,
      `CREATE TABLE enrichments (
        trace_id VARCHAR NOT NULL,
        span_id VARCHAR NOT NULL,
        kind VARCHAR NOT NULL,
        name VARCHAR NOT NULL,
        value JSON,
        created_at TIMESTAMP DEFAULT current_timestamp,
        PRIMARY KEY (trace_id, span_id, kind, name))`,
    ],
  },
  {
    version: 2,
    name: 'guardrail_verdicts view',
    sql: [
      // Collector-side guardrail verdicts (enrichments of kind `guardrails`), one row per span and direction.
      `CREATE VIEW guardrail_verdicts AS
        SELECT trace_id, span_id,
          name AS direction,
          json_extract_string(value, '$.action') AS action,
          json_extract_string(value, '$.policy') AS policy,
          json_extract_string(value, '$.policyHash') AS policy_hash,
          CAST(json_extract(value, '$.injectionScore') AS DOUBLE) AS injection_score,
          CAST(json_extract(value, '$.piiTypes') AS VARCHAR[]) AS pii_types,
          CAST(json_extract(value, '$.rules') AS VARCHAR[]) AS rules,
          json_extract(value, '$.counts') AS counts,
          CAST(json_extract(value, '$.redacted') AS BOOLEAN) AS redacted,
          created_at
        FROM enrichments WHERE kind = 'guardrails'`,
    ],
  },
  {
    version: 3,
    name: 'ingest_state',
    sql: [
      // Sequence number of the last ingest-log entry stored, written in the same transaction as its rows.
      `CREATE TABLE ingest_state (id INTEGER PRIMARY KEY, loaded_seq BIGINT NOT NULL)`,
      `INSERT INTO ingest_state VALUES (1, 0)`,
    ],
  },
];
