import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG, loadConfig } from '../dist/index.js';
import { jsonRequest, post, randomHex, startTestCollector, tmpDir } from './helpers.js';

function write(name: string, text: string): string {
  const f = path.join(tmpDir(), name);
  fs.writeFileSync(f, text);
  return f;
}

describe('loadConfig', () => {
  it('needs neither file nor env', () => {
    expect(loadConfig({ env: {} })).toEqual(DEFAULT_CONFIG);
  });

  it('layers defaults < file < env < overrides', () => {
    const file = write(
      'c.yaml',
      `receiver:\n  port: 5000\n  maxInFlightSpans: 7\nforward:\n  endpoints:\n    - url: http://jaeger:4318/v1/traces\n      protocol: json\ncost:\n  prices:\n    - model: my-ft-*\n      inputPerMTok: 1\n      outputPerMTok: 2\n`,
    );
    const cfg = loadConfig({
      file,
      env: { GENAI_OPS_PORT: '6000', GENAI_OPS_DATA_DIR: '/var/genai', GENAI_OPS_API_TOKEN: 't0k' },
      overrides: { receiver: { host: '0.0.0.0' } },
    });
    expect(cfg.receiver).toEqual({
      ...DEFAULT_CONFIG.receiver,
      port: 6000,
      maxInFlightSpans: 7,
      host: '0.0.0.0',
    });
    expect(cfg.dataDir).toBe('/var/genai');
    expect(cfg.api.authToken).toBe('t0k');
    expect(loadConfig({ env: { GENAI_OPS_QUERY_TIMEOUT_MS: '5000' } }).api.queryTimeoutMs).toBe(5000);
    expect(DEFAULT_CONFIG.api.queryTimeoutMs).toBe(30_000);
    expect(cfg.forward.endpoints).toEqual([{ url: 'http://jaeger:4318/v1/traces', protocol: 'json' }]);
    expect(cfg.cost).toEqual({ prices: [{ model: 'my-ft-*', inputPerMTok: 1, outputPerMTok: 2 }] });
  });

  it('env storage settings', () => {
    const cfg = loadConfig({
      env: {
        GENAI_OPS_DUCKDB_THREADS: '1',
        GENAI_OPS_DUCKDB_MEMORY_MB: '256',
        GENAI_OPS_CHECKPOINT_MB: '32',
        GENAI_OPS_LOADER_NICE: '0',
        GENAI_OPS_QUARANTINE_MAX_BYTES: '1048576',
        GENAI_OPS_RETENTION_DAYS: '30',
      },
    });
    expect(cfg.storage).toEqual({
      ...DEFAULT_CONFIG.storage,
      threads: 1,
      memoryLimitMb: 256,
      checkpointThresholdMb: 32,
      loaderNice: 0,
      quarantineMaxBytes: 1048576,
      retentionDays: 30,
    });
    expect(DEFAULT_CONFIG.storage.retentionDays).toBe(0);
    expect(DEFAULT_CONFIG.storage.loaderNice).toBe(10);
    expect(DEFAULT_CONFIG.storage.quarantineMaxBytes).toBe(1024 ** 3);
    expect(() => loadConfig({ env: { GENAI_OPS_QUARANTINE_MAX_BYTES: '0' } })).toThrow(
      /\/storage\/quarantineMaxBytes: must be >= 1/,
    );
    expect(() => loadConfig({ env: { GENAI_OPS_DUCKDB_THREADS: '0' } })).toThrow(
      /\/storage\/threads: must be >= 1/,
    );
    expect(() => loadConfig({ env: { GENAI_OPS_LOADER_NICE: '20' } })).toThrow(
      /\/storage\/loaderNice: must be <= 19/,
    );
  });

  it('reads JSON files and GENAI_OPS_CONFIG', () => {
    const file = write('c.json', JSON.stringify({ storage: { path: '/x/y.duckdb' } }));
    expect(loadConfig({ env: { GENAI_OPS_CONFIG: file } }).storage.path).toBe('/x/y.duckdb');
  });

  it('env forward URLs and headers', () => {
    const cfg = loadConfig({
      env: {
        GENAI_OPS_FORWARD_URLS: 'http://a/v1/traces, http://b/v1/traces',
        GENAI_OPS_FORWARD_HEADERS: 'dd-api-key=abc,x=y%3Dz',
      },
    });
    expect(cfg.forward.endpoints).toEqual([
      { url: 'http://a/v1/traces', headers: { 'dd-api-key': 'abc', x: 'y=z' } },
      { url: 'http://b/v1/traces', headers: { 'dd-api-key': 'abc', x: 'y=z' } },
    ]);
  });

  it('reports every error with its path', () => {
    const file = write(
      'bad.yaml',
      `receiver:\n  port: 99999\n  hots: x\nstorage:\n  flushIntervalMs: -1\nforward:\n  endpoints:\n    - url: ftp://nope\n      protocol: grpc\ncost:\n  prices:\n    - model: 5\nbogus: 1\n`,
    );
    let err: unknown;
    try {
      loadConfig({ file, env: { GENAI_OPS_MAX_BODY_BYTES: 'lots' } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const errors = (err as ConfigError).errors.join('\n');
    for (const where of [
      'GENAI_OPS_MAX_BODY_BYTES',
      '/receiver/port',
      '(hots)',
      '/storage/flushIntervalMs',
      '/forward/endpoints/0/url',
      '/forward/endpoints/0/protocol',
      '/cost/prices/0',
      '(bogus)',
    ]) {
      expect(errors).toContain(where);
    }
  });

  it('an endpoint URL configured twice is an error (they would share one spool)', () => {
    const file = write(
      'dup.yaml',
      `forward:\n  endpoints:\n    - url: http://a:4318/v1/traces\n    - url: http://b:4318/v1/traces\n    - url: http://a:4318/v1/traces\n      headers: { dd-api-key: x }\n`,
    );
    expect(() => loadConfig({ file, env: {} })).toThrow(
      /\/forward\/endpoints\/2\/url: http:\/\/a:4318\/v1\/traces is configured twice/,
    );
  });

  it('a file that does not parse is an error', () => {
    expect(() => loadConfig({ file: write('x.yaml', 'a: [1,\n'), env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ file: '/nonexistent/genai-ops.yaml', env: {} })).toThrow(/cannot read/);
  });
});

describe('storage.path :memory:', () => {
  it('is an in-memory database (no ingest log), not a file named ":memory:"', async () => {
    const file = path.resolve(':memory:');
    const c = await startTestCollector({ storage: { path: ':memory:' } });
    try {
      const traceId = randomHex(16);
      const res = await post(`${c.url}/v1/traces`, jsonRequest(3, { traceId }), {
        'content-type': 'application/json',
      });
      expect(res.status).toBe(200);
      const rows = (await c.store.sql(`SELECT count(*) AS n FROM spans WHERE trace_id = '${traceId}'`)).rows;
      expect(Number(rows[0]?.n)).toBe(3);
      expect(fs.existsSync(file)).toBe(false);
      expect(fs.existsSync(`${file}.ingest`)).toBe(false);
    } finally {
      await c.shutdown();
    }
  });
});
