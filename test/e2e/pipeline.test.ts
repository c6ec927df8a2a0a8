/**
 * End-to-end: app (register entry, real openai SDK) → fake provider; app → OTLP/HTTP (protobuf and JSON)
 * → a running collector process → DuckDB. The stored token counts must be the ones the provider returned
 * to the SDK, and the stored costs must match prices computed here by hand. Then the collector is stopped
 * (the CLI opens the DuckDB file itself), restarted on the same data dir, and the rows are still there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type FakeProvider, startFakeProvider } from '@genai-ops/fake-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollectorProcess, runCollectorCli, startCollectorProcess } from '../helpers/collector-process';
import { runNode } from '../helpers/run-node';

/*
 * USD per million tokens, from the @pydantic/genai-prices data the collector bundles (0.1.8,
 * providers/openai.yml): gpt-4o-mini input $0.15, cached input $0.075, output $0.60;
 * text-embedding-3-small input $0.02. Written out here so the test does not reuse the code it checks.
 */
const GPT_4O_MINI = { input: 0.15, cacheRead: 0.075, output: 0.6 };
const EMBEDDING_3_SMALL = { input: 0.02 };
const PRICE_VERSION = '@pydantic/genai-prices@0.1.8';
const TOLERANCE = 1e-9;
const CACHED_TOKENS = 1024;

const FIXTURES = resolve(__dirname, 'fixtures');
/** Generous bounds: the suite shares 2 cores with other work (load averages above 10 were seen). */
const RUN_TIMEOUT_MS = 90_000;
const HOOK_TIMEOUT_MS = 240_000;

interface Usage {
  prompt_tokens: number;
  completion_tokens?: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
}
interface AppOutput {
  tag: string;
  /** Set by the test: the OTEL_SERVICE_NAME of the run. */
  service: string;
  traceId: string;
  calls: Array<{ kind: 'chat' | 'stream' | 'cached' | 'embeddings'; usage: Usage; text?: string }>;
}
type Row = Record<string, unknown>;

/** The expected cost of a call, by hand: tokens × price / 1e6, cached input at the cache-read price. */
function expectedCost(kind: AppOutput['calls'][number]['kind'], u: Usage): number {
  if (kind === 'embeddings') return (u.prompt_tokens * EMBEDDING_3_SMALL.input) / 1e6;
  const cached = u.prompt_tokens_details?.cached_tokens ?? 0;
  return (
    ((u.prompt_tokens - cached) * GPT_4O_MINI.input +
      cached * GPT_4O_MINI.cacheRead +
      (u.completion_tokens ?? 0) * GPT_4O_MINI.output) /
    1e6
  );
}

const SPAN_COLUMNS =
  'trace_id, span_id, parent_span_id, name, operation_name, request_model, response_model, input_tokens, output_tokens, cache_read_tokens, cost_usd, price_version, service_name';

let fake: FakeProvider;
let dataDir: string;
let collector: CollectorProcess;
/**
 * The app runs (CommonJS over protobuf, CommonJS over JSON, ESM, and CommonJS ending with process.exit()),
 * started together in beforeAll.
 */
let runs: { protobuf: AppOutput; json: AppOutput; esm: AppOutput; exit: AppOutput };

beforeAll(async () => {
  fake = await startFakeProvider();
  dataDir = mkdtempSync(join(tmpdir(), 'genai-ops-e2e-pipeline-'));
  collector = await startCollectorProcess(dataDir);
  // Concurrent runs: three real processes exporting to one collector at once, and a shorter test file.
  const [protobuf, json, esm, exit] = await Promise.all([
    runApp(
      ['--require', '@genai-ops/node/register'],
      'pipeline-app.cjs',
      'http/protobuf',
      'e2e-cjs-protobuf',
    ),
    runApp(['--require', '@genai-ops/node/register'], 'pipeline-app.cjs', 'http/json', 'e2e-cjs-json'),
    runApp(['--import', '@genai-ops/node/register'], 'pipeline-app.mjs', 'http/json', 'e2e-esm'),
    // The batch processor would hold the spans a minute: only the exit export can deliver them.
    runApp(['--require', '@genai-ops/node/register'], 'pipeline-app.cjs', 'http/protobuf', 'e2e-exit', {
      APP_EXIT: '1',
      OTEL_BSP_SCHEDULE_DELAY: '60000',
    }),
  ]);
  runs = { protobuf, json, esm, exit };
}, HOOK_TIMEOUT_MS);

afterAll(async () => {
  await collector?.stop();
  await fake?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, HOOK_TIMEOUT_MS);

async function runApp(
  nodeArgs: string[],
  script: string,
  protocol: 'http/protobuf' | 'http/json',
  service: string,
  extraEnv: Record<string, string> = {},
): Promise<AppOutput> {
  const r = await runNode(join(FIXTURES, script), {
    nodeArgs,
    timeoutMs: RUN_TIMEOUT_MS,
    env: {
      FAKE_URL: fake.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_SERVICE_NAME: service,
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      ...extraEnv,
    },
  });
  if (r.code !== 0) throw new Error(`${script} (${service}) exited ${r.code}:\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop() as string;
  return { ...(JSON.parse(line) as AppOutput), service };
}

/** Checks the stored LLM spans of one app run against what the SDK received and hand-computed prices. */
async function checkStored(out: AppOutput): Promise<void> {
  const rows = await collector.waitForRows(
    `SELECT ${SPAN_COLUMNS} FROM spans WHERE trace_id = '${out.traceId}' AND operation_name IS NOT NULL ORDER BY start_time`,
    (r) => r.length >= out.calls.length,
  );
  expect(rows).toHaveLength(out.calls.length);
  const root = await collector.sql(
    `SELECT span_id FROM spans WHERE trace_id = '${out.traceId}' AND parent_span_id = ''`,
  );
  out.calls.forEach((call, i) => {
    const row = rows[i] as Row;
    const embeddings = call.kind === 'embeddings';
    expect(row.service_name).toBe(out.service);
    expect(row.operation_name).toBe(embeddings ? 'embeddings' : 'chat');
    expect(row.request_model).toBe(embeddings ? 'text-embedding-3-small' : 'gpt-4o-mini');
    expect(row.response_model).toBe(embeddings ? 'text-embedding-3-small' : 'gpt-4o-mini-2024-07-18');
    expect(row.parent_span_id).toBe(root[0]?.span_id);
    expect(row.input_tokens).toBe(call.usage.prompt_tokens);
    if (!embeddings) expect(row.output_tokens).toBe(call.usage.completion_tokens);
    if (call.kind === 'cached') expect(row.cache_read_tokens).toBe(CACHED_TOKENS);
    expect(row.price_version).toBe(PRICE_VERSION);
    expect(typeof row.cost_usd).toBe('number');
    expect(Math.abs((row.cost_usd as number) - expectedCost(call.kind, call.usage))).toBeLessThan(TOLERANCE);
  });
}

describe('pipeline: app → OTLP → collector → DuckDB', () => {
  it('stores a CommonJS app exporting over http/protobuf with provider token counts and hand-computed costs', async () => {
    const out = runs.protobuf;
    expect(out.calls.map((c) => c.kind)).toEqual(['chat', 'stream', 'cached', 'embeddings']);
    // The provider's side of the cached call: the header we sent became cached input tokens.
    expect(out.calls[2]?.usage.prompt_tokens_details?.cached_tokens).toBe(CACHED_TOKENS);
    // Usage of the streamed call came in the stream's final chunk.
    expect(out.calls[1]?.usage.completion_tokens).toBeGreaterThan(0);
    await checkStored(out);
  });

  it('stores the same app exporting over http/json', async () => {
    await checkStored(runs.json);
  });

  it('stores an app that ends with process.exit(): its spans sent by the exit export', async () => {
    await checkStored(runs.exit);
  });

  it('stores an ESM app started with --import', async () => {
    expect(runs.esm.calls.map((c) => c.kind)).toEqual(['chat', 'stream']);
    await checkStored(runs.esm);
  });

  it(
    'keeps the rows: the CLI reads the file when stopped, and a restarted collector still has them',
    async () => {
      const all = [runs.protobuf, runs.json, runs.esm, runs.exit];
      const expectedLlmSpans = all.reduce((n, r) => n + r.calls.length, 0);
      const totalCost = all
        .flatMap((r) => r.calls.map((c) => expectedCost(c.kind, c.usage)))
        .reduce((a, b) => a + b, 0);
      const query = `SELECT count(*) AS n, sum(cost_usd) AS cost FROM spans WHERE operation_name IS NOT NULL`;

      expect(await collector.stop()).toBe(0);

      // `genai-ops sql` with no collector running opens the DuckDB file directly.
      const sql = await runCollectorCli(['sql', '--data', dataDir, '--format', 'json', query]);
      expect(sql.code, sql.stderr).toBe(0);
      const fileRows = JSON.parse(sql.stdout) as Row[];
      expect(Number(fileRows[0]?.n)).toBe(expectedLlmSpans);
      expect(Math.abs(Number(fileRows[0]?.cost) - totalCost)).toBeLessThan(TOLERANCE);

      // Restart on the same data dir: the rows are still there, through the HTTP API this time.
      collector = await startCollectorProcess(dataDir);
      const after = await collector.sql(query);
      expect(Number(after[0]?.n)).toBe(expectedLlmSpans);
      expect(Math.abs(Number(after[0]?.cost) - totalCost)).toBeLessThan(TOLERANCE);

      // `genai-ops traces` and `genai-ops trace <id>` (they find the running collector through its lock file).
      const first = runs.protobuf;
      const [traces, tree] = await Promise.all([
        runCollectorCli(['traces', '--data', dataDir, '--format', 'json']),
        runCollectorCli(['trace', '--data', dataDir, first.traceId]),
      ]);
      expect(traces.code, traces.stderr).toBe(0);
      const listed = JSON.parse(traces.stdout) as Row[];
      expect(listed.map((t) => t.trace_id).sort()).toEqual(all.map((r) => r.traceId).sort());
      const firstListed = listed.find((t) => t.trace_id === first.traceId) as Row;
      expect(firstListed.service).toBe('e2e-cjs-protobuf');
      expect(Number(firstListed.span_count)).toBe(first.calls.length + 1);
      expect(Number(firstListed.input_tokens)).toBe(
        first.calls.reduce((n, c) => n + c.usage.prompt_tokens, 0),
      );

      expect(tree.code, tree.stderr).toBe(0);
      const cached = first.calls[2] as AppOutput['calls'][number];
      expect(tree.stdout).toContain('pipeline-app cjs  [e2e-cjs-protobuf]');
      expect(tree.stdout).toContain('embeddings text-embedding-3-small');
      expect(tree.stdout).toContain(
        `tokens in=${cached.usage.prompt_tokens} out=${cached.usage.completion_tokens} cache_read=${CACHED_TOKENS}`,
      );

      for (const run of all) await checkStored(run);
    },
    HOOK_TIMEOUT_MS,
  );
});
