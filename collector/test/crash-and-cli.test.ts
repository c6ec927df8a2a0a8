import { type ChildProcess, execFile, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CLI, jsonRequest, post, startTestCollector, tmpDir, waitFor } from './helpers.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const ch of children.splice(0)) if (ch.exitCode === null) ch.kill('SIGKILL');
});

/** Env for child processes: nothing of the caller's GENAI_OPS_* leaks in. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GENAI_OPS_')) env[k] = v;
  return { ...env, ...extra };
}

function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: cleanEnv(env), timeout: 60_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

async function spawnCollector(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'collector', '--data', dataDir, '--port', '0'], {
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const lock = path.join(dataDir, 'collector.json');
  await waitFor(() => fs.existsSync(lock) || child.exitCode !== null, 30_000);
  if (child.exitCode !== null) throw new Error(`collector exited: ${out}`);
  return { child, url: JSON.parse(fs.readFileSync(lock, 'utf8')).url as string };
}

function traceIdOf(body: string): string {
  return JSON.parse(body).resourceSpans[0].scopeSpans[0].spans[0].traceId;
}

describe('durability', () => {
  it.each([
    ['ingest log (default)', {}],
    ['ack after the DuckDB commit (storage.ingestLog false)', { GENAI_OPS_INGEST_LOG: 'false' }],
  ])('kill -9 after 200 acknowledged spans loses none of them: %s', async (_mode, env) => {
    const dataDir = tmpDir();
    const { child, url } = await spawnCollector(dataDir, env);
    const bodies = Array.from({ length: 8 }, () => jsonRequest(25, { contentBytes: 512 }));
    const statuses = await Promise.all(
      bodies.map((b) => post(`${url}/v1/traces`, b, { 'content-type': 'application/json' })),
    );
    expect(statuses.map((s) => s.status)).toEqual(Array(8).fill(200));
    child.kill('SIGKILL');
    await waitFor(() => child.exitCode !== null || child.signalCode !== null, 10_000);
    // The lock file is stale now; the CLI sees the pid is gone and opens the file itself.
    const ids = bodies
      .map(traceIdOf)
      .map((t) => `'${t}'`)
      .join(',');
    const r = await cli([
      'sql',
      `SELECT count(*) AS n FROM spans WHERE trace_id IN (${ids})`,
      '--format',
      'json',
      '--data',
      dataDir,
    ]);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual([{ n: 200 }]);
  });
});

describe('durability of the ingest log', () => {
  async function countIn(dataDir: string, traceIds: string[]): Promise<number> {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(path.join(dataDir, 'genai-ops.duckdb'));
    try {
      const conn = await db.connect();
      const list = traceIds.map((t) => `'${t}'`).join(',');
      const r = await conn.runAndReadAll(`SELECT count(*) FROM spans WHERE trace_id IN (${list})`);
      conn.closeSync();
      return Number(r.getRows()[0]?.[0]);
    } finally {
      db.closeSync();
    }
  }

  it('kill -9 of a collector holding acknowledged, not yet stored spans: the restart stores all of them', {
    timeout: 120_000,
  }, async () => {
    const dataDir = tmpDir();
    // The test hook keeps acknowledged batches in the ingest log only (the loader does not run).
    const first = await spawnCollector(dataDir, { GENAI_OPS_TEST_HOLD_LOADER: '1' });
    const json = { 'content-type': 'application/json' };
    const bodies = Array.from({ length: 6 }, () => jsonRequest(40, { contentBytes: 512 }));
    const statuses = await Promise.all(bodies.map((b) => post(`${first.url}/v1/traces`, b, json)));
    expect(statuses.map((s) => s.status)).toEqual(Array(6).fill(200));
    first.child.kill('SIGKILL');
    await waitFor(() => first.child.exitCode !== null || first.child.signalCode !== null, 10_000);
    const ids = bodies.map(traceIdOf);
    // Nothing reached DuckDB: the acknowledged spans exist only in the ingest log.
    expect(await countIn(dataDir, ids)).toBe(0);
    const logDir = path.join(dataDir, 'genai-ops.duckdb.ingest');
    expect(fs.readdirSync(logDir).some((f) => f.endsWith('.log'))).toBe(true);

    // Restart normally: the log is replayed, with the processors (cost is set), exactly once.
    fs.rmSync(path.join(dataDir, 'collector.json')); // stale after the kill
    const second = await spawnCollector(dataDir);
    const r = await post(
      `${second.url}/api/sql`,
      JSON.stringify({
        query: `SELECT count(*) AS n, count(DISTINCT span_id) AS d, count(cost_usd) AS priced FROM spans WHERE trace_id IN (${ids.map((t) => `'${t}'`).join(',')})`,
      }),
      json,
    );
    expect(JSON.parse(r.body.toString()).rows).toEqual([{ n: 240, d: 240, priced: 240 }]);
    second.child.kill('SIGTERM');
    await waitFor(() => second.child.exitCode !== null, 20_000);
    expect(second.child.exitCode).toBe(0);
    expect(await countIn(dataDir, ids)).toBe(240);
    // Stored entries are gone from the log; a further restart replays nothing twice.
    expect(fs.readdirSync(logDir).filter((f) => f.endsWith('.log'))).toEqual([]);
  });

  it('kill -9 right after the acknowledgement, then the CLI on the file: it loads the log first', {
    timeout: 120_000,
  }, async () => {
    const dataDir = tmpDir();
    const { child, url } = await spawnCollector(dataDir, { GENAI_OPS_TEST_HOLD_LOADER: '1' });
    const body = jsonRequest(30, { contentBytes: 256 });
    expect((await post(`${url}/v1/traces`, body, { 'content-type': 'application/json' })).status).toBe(200);
    child.kill('SIGKILL');
    await waitFor(() => child.exitCode !== null || child.signalCode !== null, 10_000);
    const res = await cli([
      'sql',
      `SELECT count(*) AS n FROM spans WHERE trace_id = '${traceIdOf(body)}'`,
      '--format',
      'json',
      '--data',
      dataDir,
    ]);
    expect(res.stderr).toBe('');
    expect(JSON.parse(res.stdout)).toEqual([{ n: 30 }]);
  });
});

describe('CLI', () => {
  it('sql, traces, trace and reprice on the file and through a running collector', {
    timeout: 240_000,
  }, async () => {
    const dataDir = tmpDir();
    // Seed the database through an in-process collector, then stop it.
    const dbPath = path.join(dataDir, 'genai-ops.duckdb');
    const c = await startTestCollector({ storage: { path: dbPath } }, dataDir);
    const body = jsonRequest(3, { service: 'cli-svc', contentBytes: 40 });
    const traceId = traceIdOf(body);
    expect((await post(`${c.url}/v1/traces`, body, { 'content-type': 'application/json' })).status).toBe(200);
    await c.shutdown();
    expect(fs.existsSync(path.join(dataDir, 'collector.json'))).toBe(false);

    // Directly on the file.
    const csv = await cli([
      'sql',
      `SELECT span_id, request_model FROM spans WHERE trace_id = '${traceId}' ORDER BY span_id`,
      '--format',
      'csv',
      '--data',
      dataDir,
    ]);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split('\n');
    expect(lines[0]).toBe('span_id,request_model');
    expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o-mini']);
    const table = await cli(['traces', '--limit', '5', '--data', dataDir]);
    expect(table.stdout).toContain(traceId);
    expect(table.stdout).toContain('cli-svc');
    const tree = await cli(['trace', traceId, '--data', dataDir]);
    expect(tree.code).toBe(0);
    expect(tree.stdout.match(/chat gpt-4o-mini/g)).toHaveLength(3);
    expect(tree.stdout).toMatch(/openai gpt-4o-mini {2}tokens in=120 out=30 {2}cost=\$\d+\.\d{6}/);
    expect(tree.stdout).toContain('input: [{"role":"user"');
    const refused = await cli(['sql', 'DROP TABLE spans', '--data', dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/only a single SELECT/);

    // Reprice: wipe the stored costs, then recompute them.
    const before = JSON.parse(
      (
        await cli([
          'sql',
          `SELECT sum(cost_usd) AS c FROM spans WHERE trace_id = '${traceId}'`,
          '--format',
          'json',
          '--data',
          dataDir,
        ])
      ).stdout,
    )[0].c;
    expect(before).toBeGreaterThan(0);
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(dbPath);
    const conn = await db.connect();
    await conn.run(`UPDATE spans SET cost_usd = NULL, price_version = NULL WHERE trace_id = '${traceId}'`);
    conn.closeSync();
    db.closeSync();
    const rp = await cli(['reprice', '--since', '1h', '--data', dataDir]);
    expect(rp.stderr).toBe('');
    expect(rp.stdout).toMatch(/repriced \d+ spans/);
    const after = JSON.parse(
      (
        await cli([
          'sql',
          `SELECT sum(cost_usd) AS c, count(price_version) AS v FROM spans WHERE trace_id = '${traceId}'`,
          '--format',
          'json',
          '--data',
          dataDir,
        ])
      ).stdout,
    )[0];
    expect(after.c).toBeCloseTo(before, 12);
    expect(after.v).toBe(3);

    // Through a running collector (found via the lock file): the file is locked by it, the CLI uses HTTP.
    const { child, url } = await spawnCollector(dataDir);
    const body2 = jsonRequest(2, { service: 'cli-svc-2' });
    expect((await post(`${url}/v1/traces`, body2, { 'content-type': 'application/json' })).status).toBe(200);
    const viaHttp = await cli([
      'sql',
      `SELECT count(*) AS n FROM spans WHERE trace_id = '${traceIdOf(body2)}'`,
      '--format',
      'json',
      '--data',
      dataDir,
    ]);
    expect(JSON.parse(viaHttp.stdout)).toEqual([{ n: 2 }]);
    const viaUrl = await cli(['traces', '--url', url, '--format', 'json']);
    expect(JSON.parse(viaUrl.stdout).map((t: { trace_id: string }) => t.trace_id)).toContain(
      traceIdOf(body2),
    );
    child.kill('SIGTERM');
    await waitFor(() => child.exitCode !== null, 20_000);
    expect(child.exitCode).toBe(0);
    expect(fs.existsSync(path.join(dataDir, 'collector.json'))).toBe(false);
  });
});
