import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DuckDBStore, type SpanRecord } from '../dist/index.js';
import { CLI, spanRecord, startTestCollector, tmpDir } from './helpers.js';

/** Env for child processes: nothing of the caller's GENAI_OPS_* leaks in. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GENAI_OPS_')) env[k] = v;
  return env;
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: cleanEnv(), timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

/** A data directory whose database holds `spans` (no collector running). */
async function seeded(spans: SpanRecord[]): Promise<string> {
  const dataDir = tmpDir();
  const store = new DuckDBStore({ path: path.join(dataDir, 'genai-ops.duckdb') });
  await store.start();
  await store.consumeTraces({ spans });
  await store.shutdown();
  return dataDir;
}

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const id = (n: number): string => n.toString(16).padStart(16, '0');
const ns = (msAgo: number): string => String(BigInt(Date.now() - msAgo) * 1_000_000n);

describe('genai-ops sql', () => {
  it('a column name given twice shows each column its own value (table, csv, json)', {
    timeout: 60_000,
  }, async () => {
    const dataDir = await seeded([]);
    const q = 'SELECT 1 AS a, 2 AS a';
    const csv = await cli(['sql', q, '--format', 'csv', '--data', dataDir]);
    expect(csv.stdout.trim().split('\n')).toEqual(['a,a:1', '1,2']);
    const table = await cli(['sql', q, '--data', dataDir]);
    expect(table.stdout.split('\n')[2]).toBe('1  2');
    const json = await cli(['sql', q, '--format', 'json', '--data', dataDir]);
    expect(JSON.parse(json.stdout)).toEqual([{ a: 1, 'a:1': 2 }]);
  });
});

describe('genai-ops traces', () => {
  it('--since: a trace that began before it is listed whole (root, every call, all tokens)', {
    timeout: 60_000,
  }, async () => {
    const hour = 3600_000;
    const usage = (tokens: number): Partial<SpanRecord> => ({
      attributes: { 'gen_ai.request.model': 'm', 'gen_ai.usage.input_tokens': tokens },
      enrichment: { countsUsage: true },
    });
    const dataDir = await seeded([
      spanRecord({ spanId: id(1), name: 'root', startTimeUnixNano: ns(3 * hour), endTimeUnixNano: ns(0) }),
      spanRecord({
        spanId: id(2),
        parentSpanId: id(1),
        name: 'early call',
        startTimeUnixNano: ns(3 * hour - 1000),
        endTimeUnixNano: ns(3 * hour - 2000),
        ...usage(5),
      }),
      spanRecord({
        spanId: id(3),
        parentSpanId: id(1),
        name: 'late call',
        startTimeUnixNano: ns(hour),
        endTimeUnixNano: ns(hour - 1000),
        ...usage(10),
      }),
    ]);
    const r = await cli(['traces', '--since', '2h', '--format', 'json', '--data', dataDir]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject([
      { trace_id: TRACE, root_name: 'root', span_count: 3, input_tokens: 15 },
    ]);
    // A trace with nothing since then is not listed.
    const none = await cli(['traces', '--since', '30m', '--format', 'json', '--data', dataDir]);
    expect(JSON.parse(none.stdout)).toEqual([]);
  });
});

describe('genai-ops trace', () => {
  it('prints every span once: orphans, a parent cycle, a span that is its own parent', {
    timeout: 60_000,
  }, async () => {
    const dataDir = await seeded([
      spanRecord({ spanId: id(1), name: 'root' }),
      spanRecord({ spanId: id(2), parentSpanId: id(1), name: 'child' }),
      spanRecord({ spanId: id(3), parentSpanId: id(99), name: 'orphan' }),
      spanRecord({ spanId: id(4), parentSpanId: id(5), name: 'cycle-a' }),
      spanRecord({ spanId: id(5), parentSpanId: id(4), name: 'cycle-b' }),
      spanRecord({ spanId: id(6), parentSpanId: id(6), name: 'own-parent' }),
    ]);
    const r = await cli(['trace', TRACE, '--data', dataDir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const names = r.stdout
      .split('\n')
      .map((l) => /^\s*(\S+) {2}\[/.exec(l)?.[1])
      .filter(Boolean)
      .sort();
    expect(names).toEqual(['child', 'cycle-a', 'cycle-b', 'orphan', 'own-parent', 'root']);
    expect(r.stdout).toMatch(/^root {2}\[svc\][^\n]*\n {2}child {2}\[svc\]/m);
  });

  it('a trace nested 20,000 spans deep', { timeout: 120_000 }, async () => {
    const depth = 20_000;
    const dataDir = await seeded(
      Array.from({ length: depth }, (_, i) =>
        spanRecord({ spanId: id(i + 1), parentSpanId: i ? id(i) : '', name: `s${i}` }),
      ),
    );
    const r = await cli(['trace', TRACE, '--data', dataDir]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(depth);
    expect(lines[depth - 1]).toMatch(/\(depth 19999\) s19999 {2}\[svc\]/);
  });

  it('an upper-case id is found; a malformed one is a clear error (exit 1, no stack), unknown exit 2', {
    timeout: 60_000,
  }, async () => {
    const dataDir = await seeded([spanRecord({})]);
    const upper = await cli(['trace', TRACE.toUpperCase(), '--data', dataDir]);
    expect(upper.code).toBe(0);
    expect(upper.stdout).toContain('chat gpt-4o');
    for (const bad of ['0af7651916cd', '../../api/sql', 'xyz']) {
      const r = await cli(['trace', bad, '--data', dataDir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/trace id must be 32 hex characters/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    const unknown = await cli(['trace', 'f'.repeat(32), '--data', dataDir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(`trace ${'f'.repeat(32)} not found\n`);
  });
});

describe('finding the collector', () => {
  it('a stale lock file whose pid another process has now: the CLI opens the file', {
    timeout: 60_000,
  }, async () => {
    const dataDir = await seeded([spanRecord({})]);
    // The crashed collector's pid is this (live) test process now; nothing listens at its URL.
    fs.writeFileSync(
      path.join(dataDir, 'collector.json'),
      JSON.stringify({ url: 'http://127.0.0.1:9', pid: process.pid }),
    );
    const r = await cli(['sql', 'SELECT count(*) AS n FROM spans', '--format', 'json', '--data', dataDir]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([{ n: 1 }]);
  });

  it('sends the api.authToken of the config file to a running collector', { timeout: 60_000 }, async () => {
    const token = 'secret-token-1';
    const c = await startTestCollector({ api: { authToken: token } });
    try {
      const config = path.join(c.dataDir, 'genai-ops.yaml');
      fs.writeFileSync(config, `api:\n  authToken: ${token}\n`);
      const q = ['sql', 'SELECT 42 AS n', '--format', 'json', '--data', c.dataDir];
      const ok = await cli([...q, '--config', config]);
      expect(ok.stderr).toBe('');
      expect(JSON.parse(ok.stdout)).toEqual([{ n: 42 }]);
      const viaUrl = await cli([
        'sql',
        'SELECT 1 AS n',
        '--format',
        'json',
        '--url',
        c.url,
        '--config',
        config,
      ]);
      expect(JSON.parse(viaUrl.stdout)).toEqual([{ n: 1 }]);
      // Without the token: the collector's reason, not a bare status.
      const refused = await cli(q);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toBe('genai-ops: missing or invalid bearer token\n');
    } finally {
      await c.shutdown();
    }
  });
});

describe('options', () => {
  it('--format and --limit are checked for traces too', { timeout: 60_000 }, async () => {
    const dataDir = await seeded([]);
    for (const args of [
      ['--format', 'xml'],
      ['--limit', '0'],
    ]) {
      const r = await cli(['traces', ...args, '--data', dataDir]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/is invalid/);
    }
  });
});
