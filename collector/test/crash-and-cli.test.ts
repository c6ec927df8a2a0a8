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

async function spawnCollector(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'collector', '--data', dataDir, '--port', '0'], {
    env: cleanEnv(),
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
  it('kill -9 after 200 acknowledged spans loses none of them', async () => {
    const dataDir = tmpDir();
    const { child, url } = await spawnCollector(dataDir);
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
