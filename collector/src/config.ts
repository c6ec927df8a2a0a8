import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import * as YAML from 'yaml';
import { GUARDRAIL_SCAN_CONFIG_SCHEMA, type GuardrailScanConfig } from './processors/guardrails.js';
import { loadCostConfigSchema } from './processors-loader.js';
import { DEFAULT_QUARANTINE_MAX_BYTES } from './quarantine.js';

/** One downstream OTLP/HTTP endpoint the forwarder sends enriched spans to. */
export interface ForwardEndpointConfig {
  /** Full traces URL, e.g. `http://localhost:4318/v1/traces` (Jaeger) or a Datadog Agent's OTLP port. */
  url: string;
  /** Extra HTTP headers (e.g. an API key). Default `{}`. */
  headers?: Record<string, string>;
  /** Wire encoding. Default `'protobuf'`. */
  protocol?: 'json' | 'protobuf';
}

/** Collector configuration. Every field is optional; defaults need neither a file nor env vars. */
export interface CollectorConfig {
  /**
   * Directory for the database, spool, lock file and quarantine (`<dataDir>/quarantine`: ingest-log
   * entries DuckDB cannot store). Default `./data`. Env `GENAI_OPS_DATA_DIR`.
   */
  dataDir: string;
  receiver: {
    /** Bind address. Default `127.0.0.1` (loopback only). Env `GENAI_OPS_HOST`. */
    host: string;
    /** Port for OTLP/HTTP, the query API and /metrics. Default `4318`. Env `GENAI_OPS_PORT`. */
    port: number;
    /** Max request body, compressed and after gunzip. Default 16 MiB. Env `GENAI_OPS_MAX_BODY_BYTES`. */
    maxBodyBytes: number;
    /** Spans in the pipeline at once; beyond it the receiver answers 429. Default 20000. Env `GENAI_OPS_MAX_INFLIGHT_SPANS`. */
    maxInFlightSpans: number;
    /** Bearer token required on /v1/*. Default none. Env `GENAI_OPS_INGEST_TOKEN`. */
    authToken?: string;
  };
  api: {
    /** Bearer token required on /api/* and /metrics. Default none. Env `GENAI_OPS_API_TOKEN`. */
    authToken?: string;
    /** Max rows returned by POST /api/sql. Default 10000. */
    maxRows: number;
    /**
     * POST /api/sql queries running longer are interrupted and answered 503. Default 30000. Env
     * `GENAI_OPS_QUERY_TIMEOUT_MS`.
     */
    queryTimeoutMs: number;
  };
  storage: {
    /** DuckDB file. Default `<dataDir>/genai-ops.duckdb`. Env `GENAI_OPS_DB_PATH`. */
    path?: string;
    /** Group-commit window: how long a flush waits for more requests. Default 4 ms. */
    flushIntervalMs: number;
    /** Flush early once this many spans are pending. Default 4096. */
    maxBatchSpans: number;
    /**
     * Run a DuckDB checkpoint (off the event loop, between commits) once the write-ahead log passes this
     * many MiB. Default 64. Env `GENAI_OPS_CHECKPOINT_MB`.
     */
    checkpointThresholdMb: number;
    /**
     * DuckDB's `memory_limit` (buffer manager: cached blocks, hash tables; larger queries spill to a
     * temp file) in MiB. Default 512 (DuckDB's own default is 80 % of RAM, which let the collector's
     * RSS grow past 1 GB under sustained load). Env `GENAI_OPS_DUCKDB_MEMORY_MB`.
     */
    memoryLimitMb: number;
    /**
     * DuckDB's `threads` (its worker threads for appends, commits, checkpoints and queries). Default:
     * DuckDB's own (the number of cores). Env `GENAI_OPS_DUCKDB_THREADS`.
     */
    threads?: number;
    /**
     * Acknowledge once a request is in the durable ingest log, and store it from a loader worker
     * (default true; see docs/collector.md). false: acknowledge after the DuckDB commit, everything on
     * the main thread (higher stored throughput on a CPU-starved machine, seconds of ack latency
     * under load). Env `GENAI_OPS_INGEST_LOG` (`true`/`false`).
     */
    ingestLog?: boolean;
    /**
     * With the ingest log: decode, run the processors and build the rows in a second worker thread,
     * in parallel with the loader worker's DuckDB appends and commits, for machines with a core to
     * spare (default false: on the shared 2-vCPU benchmark VM it stored no more spans/s and used
     * ~7 % more CPU per span; see docs/bench/collector.md). Env `GENAI_OPS_PROCESS_WORKER`.
     */
    processWorker?: boolean;
    /**
     * Nice value of the loader (and processing) worker threads, on Linux: when the cores are busy, the
     * thread that receives and acknowledges requests runs first, and the workers take every cycle it
     * leaves. 0 keeps them at the process's priority. Default 10. Env `GENAI_OPS_LOADER_NICE`.
     */
    loaderNice: number;
    /**
     * Bound on the quarantine directory (`<dataDir>/quarantine`), in bytes: beyond it the oldest files are
     * deleted and their records counted (`genai_ops_quarantine_dropped_records_total`). Default 1 GiB. Env
     * `GENAI_OPS_QUARANTINE_MAX_BYTES`.
     */
    quarantineMaxBytes: number;
    /**
     * Days of traces and log records kept in DuckDB; 0 keeps everything (the default). Whole traces are
     * deleted once their latest span is older, hourly. Env `GENAI_OPS_RETENTION_DAYS`.
     */
    retentionDays: number;
  };
  forward: {
    /** Downstream endpoints. Default none. Env `GENAI_OPS_FORWARD_URLS` (comma-separated). */
    endpoints: ForwardEndpointConfig[];
    /** Spool directory. Default `<dataDir>/spool`. */
    spoolDir?: string;
    /** Max spool bytes per endpoint; oldest segments are dropped (and counted) beyond it. Default 256 MiB. Env `GENAI_OPS_SPOOL_MAX_BYTES`. */
    spoolMaxBytes: number;
    /** First retry delay. Default 500 ms. */
    initialBackoffMs: number;
    /** Cap on the retry delay. Default 30 s. */
    maxBackoffMs: number;
    /** Per-request timeout. Default 10 s. */
    timeoutMs: number;
  };
  /** Price overrides and additions, passed to CostProcessor (see its CostConfig). Default `{}`. */
  cost: Record<string, unknown>;
  /**
   * Collector-side guardrail scans of captured message content (see GuardrailScanConfig). Default: on, with
   * the engine's default policy, verdicts only (content stored as received). Env `GENAI_OPS_GUARDRAILS_SCAN`
   * (`true`/`false`), `GENAI_OPS_COLLECTOR_GUARDRAILS_POLICY` (policy file), `GENAI_OPS_GUARDRAILS_REDACT_STORED`.
   */
  guardrails: GuardrailScanConfig;
}

export const DEFAULT_CONFIG: CollectorConfig = {
  dataDir: './data',
  receiver: { host: '127.0.0.1', port: 4318, maxBodyBytes: 16 * 1024 * 1024, maxInFlightSpans: 20000 },
  api: { maxRows: 10000, queryTimeoutMs: 30_000 },
  storage: {
    flushIntervalMs: 4,
    maxBatchSpans: 4096,
    checkpointThresholdMb: 64,
    memoryLimitMb: 512,
    loaderNice: 10,
    quarantineMaxBytes: DEFAULT_QUARANTINE_MAX_BYTES,
    retentionDays: 0,
  },
  forward: {
    endpoints: [],
    spoolMaxBytes: 256 * 1024 * 1024,
    initialBackoffMs: 500,
    maxBackoffMs: 30000,
    timeoutMs: 10000,
  },
  cost: {},
  guardrails: {},
};

/** A deep-partial config, as given in a file, env or code. */
export type CollectorConfigInput = {
  [K in keyof CollectorConfig]?: CollectorConfig[K] extends object
    ? CollectorConfig[K] extends unknown[]
      ? CollectorConfig[K]
      : Partial<CollectorConfig[K]>
    : CollectorConfig[K];
};

const posInt = { type: 'integer', minimum: 1 } as const;

/** JSON Schema of the config (after merging); `cost` is replaced by CostProcessor's schema when available. */
export function configSchema(costSchema: object = { type: 'object' }): object {
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      dataDir: { type: 'string', minLength: 1 },
      receiver: {
        type: 'object',
        additionalProperties: false,
        properties: {
          host: { type: 'string', minLength: 1 },
          port: { type: 'integer', minimum: 0, maximum: 65535 },
          maxBodyBytes: posInt,
          maxInFlightSpans: posInt,
          authToken: { type: 'string', minLength: 1 },
        },
      },
      api: {
        type: 'object',
        additionalProperties: false,
        properties: { authToken: { type: 'string', minLength: 1 }, maxRows: posInt, queryTimeoutMs: posInt },
      },
      storage: {
        type: 'object',
        additionalProperties: false,
        properties: {
          path: { type: 'string', minLength: 1 },
          flushIntervalMs: { type: 'integer', minimum: 0 },
          maxBatchSpans: posInt,
          checkpointThresholdMb: posInt,
          memoryLimitMb: { type: 'integer', minimum: 64 },
          threads: posInt,
          loaderNice: { type: 'integer', minimum: 0, maximum: 19 },
          quarantineMaxBytes: posInt,
          retentionDays: { type: 'integer', minimum: 0 },
          ingestLog: { type: 'boolean' },
          processWorker: { type: 'boolean' },
        },
      },
      forward: {
        type: 'object',
        additionalProperties: false,
        properties: {
          endpoints: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['url'],
              properties: {
                url: { type: 'string', pattern: '^https?://' },
                headers: { type: 'object', additionalProperties: { type: 'string' } },
                protocol: { enum: ['json', 'protobuf'] },
              },
            },
          },
          spoolDir: { type: 'string', minLength: 1 },
          spoolMaxBytes: posInt,
          initialBackoffMs: posInt,
          maxBackoffMs: posInt,
          timeoutMs: posInt,
        },
      },
      cost: costSchema,
      guardrails: GUARDRAIL_SCAN_CONFIG_SCHEMA,
    },
  };
}

/** Thrown when the configuration is invalid; `errors` lists every problem with its path. */
export class ConfigError extends Error {
  constructor(readonly errors: string[]) {
    super(`invalid collector configuration:\n  ${errors.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

/** Reads a YAML or JSON config file (YAML is a superset of JSON). */
export function readConfigFile(file: string): CollectorConfigInput {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`${file}: cannot read (${(err as Error).message})`]);
  }
  try {
    const v = YAML.parse(text) as unknown;
    return (v ?? {}) as CollectorConfigInput;
  } catch (err) {
    throw new ConfigError([`${file}: cannot parse (${(err as Error).message})`]);
  }
}

function envInt(env: NodeJS.ProcessEnv, name: string, errors: string[]): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n)) {
    errors.push(`env ${name}: must be an integer, got ${JSON.stringify(v)}`);
    return undefined;
  }
  return n;
}

/** Reads `GENAI_OPS_*` env vars into a partial config (see docs/collector.md for the list). */
export function configFromEnv(env: NodeJS.ProcessEnv, errors: string[] = []): CollectorConfigInput {
  const out: CollectorConfigInput = {};
  const set = <K extends keyof CollectorConfig>(k: K, patch: Record<string, unknown>): void => {
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined && v !== ''));
    if (Object.keys(defined).length)
      (out as Record<string, unknown>)[k] = { ...((out[k] as object) ?? {}), ...defined };
  };
  if (env.GENAI_OPS_DATA_DIR) out.dataDir = env.GENAI_OPS_DATA_DIR;
  set('receiver', {
    host: env.GENAI_OPS_HOST,
    port: envInt(env, 'GENAI_OPS_PORT', errors),
    maxBodyBytes: envInt(env, 'GENAI_OPS_MAX_BODY_BYTES', errors),
    maxInFlightSpans: envInt(env, 'GENAI_OPS_MAX_INFLIGHT_SPANS', errors),
    authToken: env.GENAI_OPS_INGEST_TOKEN,
  });
  set('api', {
    authToken: env.GENAI_OPS_API_TOKEN,
    queryTimeoutMs: envInt(env, 'GENAI_OPS_QUERY_TIMEOUT_MS', errors),
  });
  set('storage', {
    path: env.GENAI_OPS_DB_PATH,
    checkpointThresholdMb: envInt(env, 'GENAI_OPS_CHECKPOINT_MB', errors),
    memoryLimitMb: envInt(env, 'GENAI_OPS_DUCKDB_MEMORY_MB', errors),
    threads: envInt(env, 'GENAI_OPS_DUCKDB_THREADS', errors),
    loaderNice: envInt(env, 'GENAI_OPS_LOADER_NICE', errors),
    quarantineMaxBytes: envInt(env, 'GENAI_OPS_QUARANTINE_MAX_BYTES', errors),
    retentionDays: envInt(env, 'GENAI_OPS_RETENTION_DAYS', errors),
  });
  const urls = (env.GENAI_OPS_FORWARD_URLS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const protocol = env.GENAI_OPS_FORWARD_PROTOCOL as 'json' | 'protobuf' | undefined;
  let headers: Record<string, string> | undefined;
  if (env.GENAI_OPS_FORWARD_HEADERS) {
    headers = {};
    for (const pair of env.GENAI_OPS_FORWARD_HEADERS.split(',')) {
      const i = pair.indexOf('=');
      if (i <= 0)
        errors.push(`env GENAI_OPS_FORWARD_HEADERS: expected key=value, got ${JSON.stringify(pair)}`);
      else
        headers[decodeURIComponent(pair.slice(0, i).trim())] = decodeURIComponent(pair.slice(i + 1).trim());
    }
  }
  set('forward', {
    endpoints: urls.length
      ? urls.map((url) => ({ url, ...(protocol ? { protocol } : {}), ...(headers ? { headers } : {}) }))
      : undefined,
    spoolMaxBytes: envInt(env, 'GENAI_OPS_SPOOL_MAX_BYTES', errors),
  });
  const bool = (name: string): boolean | undefined => {
    const v = env[name]?.trim().toLowerCase();
    if (v === undefined || v === '') return undefined;
    if (v === 'true' || v === '1') return true;
    if (v === 'false' || v === '0') return false;
    errors.push(`env ${name}: must be true or false, got ${JSON.stringify(env[name])}`);
    return undefined;
  };
  set('storage', {
    ingestLog: bool('GENAI_OPS_INGEST_LOG'),
    processWorker: bool('GENAI_OPS_PROCESS_WORKER'),
  });
  set('guardrails', {
    enabled: bool('GENAI_OPS_GUARDRAILS_SCAN'),
    policy: env.GENAI_OPS_COLLECTOR_GUARDRAILS_POLICY,
    redactStoredContent: bool('GENAI_OPS_GUARDRAILS_REDACT_STORED'),
  });
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Merges config layers: later layers win; objects merge one level deep per section, arrays replace. */
export function mergeConfig(...layers: Array<CollectorConfigInput | undefined>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    if (!isPlainObject(layer)) continue;
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      out[k] = isPlainObject(v) && isPlainObject(out[k]) ? { ...(out[k] as object), ...v } : v;
    }
  }
  return out;
}

/** Validates a merged config, throwing a `ConfigError` listing every error with its path. */
export function validateConfig(merged: Record<string, unknown>, costSchema?: object): CollectorConfig {
  const ajv = new Ajv({ allErrors: true, strict: false });
  const validate = ajv.compile(configSchema(costSchema ?? loadCostConfigSchema()));
  if (!validate(merged)) {
    const errors = (validate.errors ?? []).map((e) => {
      const where = e.instancePath || '/';
      const extra = e.keyword === 'additionalProperties' ? ` (${String(e.params.additionalProperty)})` : '';
      return `${where}: ${e.message ?? 'invalid'}${extra}`;
    });
    throw new ConfigError(errors);
  }
  const cfg = merged as unknown as CollectorConfig;
  // An endpoint's spool directory is named after its URL: two endpoints with one URL would share it.
  const seen = new Set<string>();
  const duplicates = cfg.forward.endpoints.flatMap((e, i) => {
    if (!seen.has(e.url)) {
      seen.add(e.url);
      return [];
    }
    return [`/forward/endpoints/${i}/url: ${e.url} is configured twice (one endpoint per URL)`];
  });
  if (duplicates.length) throw new ConfigError(duplicates);
  return cfg;
}

export interface LoadConfigOptions {
  /** Config file (YAML or JSON). Default: `GENAI_OPS_CONFIG`, else none. */
  file?: string;
  /** Environment to read. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Highest-precedence overrides (code or CLI flags). */
  overrides?: CollectorConfigInput;
}

/** Defaults < file < env < overrides, validated. Throws `ConfigError` with every problem. */
export function loadConfig(opts: LoadConfigOptions = {}): CollectorConfig {
  const env = opts.env ?? process.env;
  const file = opts.file ?? env.GENAI_OPS_CONFIG;
  const envErrors: string[] = [];
  const fromEnv = configFromEnv(env, envErrors);
  const fromFile = file ? readConfigFile(file) : undefined;
  if (fromFile !== undefined && !isPlainObject(fromFile))
    throw new ConfigError([`${file}: must be a mapping`]);
  const merged = mergeConfig(DEFAULT_CONFIG, fromFile, fromEnv, opts.overrides);
  let cfg: CollectorConfig;
  try {
    cfg = validateConfig(merged);
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError([...envErrors, ...err.errors]);
    throw err;
  }
  if (envErrors.length) throw new ConfigError(envErrors);
  return cfg;
}

/** Resolved file locations derived from the config. */
export function resolvePaths(cfg: CollectorConfig): {
  dbPath: string;
  spoolDir: string;
  lockFile: string;
  /** Where the loader moves ingest-log entries DuckDB cannot store (see `Pipeline`). */
  quarantineDir: string;
} {
  const dataDir = path.resolve(cfg.dataDir);
  return {
    // `:memory:` is DuckDB's in-memory database, not a file name.
    dbPath: !cfg.storage.path
      ? path.join(dataDir, 'genai-ops.duckdb')
      : cfg.storage.path === ':memory:'
        ? ':memory:'
        : path.resolve(cfg.storage.path),
    spoolDir: cfg.forward.spoolDir ? path.resolve(cfg.forward.spoolDir) : path.join(dataDir, 'spool'),
    lockFile: path.join(dataDir, 'collector.json'),
    quarantineDir: path.join(dataDir, 'quarantine'),
  };
}
