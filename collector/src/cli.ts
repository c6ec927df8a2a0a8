#!/usr/bin/env node
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { parseSince } from './api/query-api.js';
import { loadIngestBacklog, startCollector } from './collector.js';
import { ConfigError, loadConfig, resolvePaths } from './config.js';
import { DuckDBStore } from './exporters/duckdb-store.js';
import { loadEnrichmentModules } from './processors-loader.js';

/** Row-returning operations, either over the HTTP API of a running collector or on the file directly. */
interface Backend {
  sql(query: string): Promise<{ columns: string[]; rows: Record<string, unknown>[]; truncated?: boolean }>;
  traces(opts: { limit?: number; service?: string; since?: string }): Promise<Record<string, unknown>[]>;
  trace(id: string): Promise<Record<string, unknown>[]>;
  reprice(since: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

interface CommonOpts {
  url?: string;
  data?: string;
  config?: string;
}

function intArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

function positiveIntArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function formatArg(v: string): string {
  if (!['table', 'json', 'csv'].includes(v)) throw new InvalidArgumentError('must be table, json or csv');
  return v;
}

/** `token`: the API's bearer token (`api.authToken` of the config, or `GENAI_OPS_API_TOKEN`). */
function httpBackend(url: string, token: string | undefined): Backend {
  const call = async (method: string, p: string, body?: unknown): Promise<Record<string, unknown>> => {
    const res = await fetch(new URL(p, url), {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body ? { 'content-type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(120_000),
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    // The API's errors are `{error}`; the bearer check answers 401 with an OTLP-style `{message}`.
    if (!res.ok) throw new Error(String(json.error ?? json.message ?? `HTTP ${res.status}`));
    return json;
  };
  return {
    sql: async (query) => (await call('POST', '/api/sql', { query })) as never,
    traces: async (o) => {
      const q = new URLSearchParams();
      if (o.limit !== undefined) q.set('limit', String(o.limit));
      if (o.service) q.set('service', o.service);
      if (o.since) q.set('since', o.since);
      return (await call('GET', `/api/traces?${q}`)).traces as Record<string, unknown>[];
    },
    trace: async (id) => {
      try {
        return (await call('GET', `/api/traces/${id}`)).spans as Record<string, unknown>[];
      } catch (err) {
        if ((err as Error).message === 'trace not found') return [];
        throw err;
      }
    },
    reprice: (since) => call('POST', '/api/reprice', { since }),
    close: async () => {},
  };
}

async function fileBackend(dbPath: string, cost: unknown): Promise<Backend> {
  const store = new DuckDBStore({ path: dbPath });
  await store.start();
  const tsLiteral = (iso: string): string => iso.replace('T', ' ').replace('Z', '');
  return {
    sql: (q) => store.sql(q),
    traces: (o) => store.listTraces({ ...o, since: o.since ? tsLiteral(parseSince(o.since)) : undefined }),
    trace: (id) => store.getTrace(id),
    reprice: async (since) => {
      const mods = loadEnrichmentModules(cost, { enabled: false });
      const from = tsLiteral(parseSince(since));
      return { since: from, ...(await store.reprice(from, mods.cost)) };
    },
    close: () => store.shutdown(),
  };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether the collector that wrote a lock file answers at its URL. The pid alone is not enough: after
 * a crash and a reboot another process may have it, and the CLI then failed with `fetch failed`
 * instead of opening the file. A 401 is a collector too (one that wants a token).
 */
async function lockHolderAnswers(url: string, pid: number, token: string | undefined): Promise<boolean> {
  try {
    const res = await fetch(new URL('/api/health', url), {
      headers: token ? { authorization: `Bearer ${token}` } : {},
      signal: AbortSignal.timeout(5_000),
    });
    if (res.status === 401) return true;
    const body = (await res.json().catch(() => ({}))) as { pid?: unknown };
    return res.ok && body.pid === pid;
  } catch {
    return false;
  }
}

/** --url / GENAI_OPS_URL, else a live collector's lock file, else the DuckDB file itself. */
async function backend(opts: CommonOpts): Promise<Backend> {
  const explicit = opts.url ?? process.env.GENAI_OPS_URL;
  if (explicit) {
    const token =
      process.env.GENAI_OPS_API_TOKEN ??
      (opts.config ? loadConfig({ file: opts.config }).api.authToken : undefined);
    return httpBackend(explicit, token);
  }
  const cfg = loadConfig({ file: opts.config, overrides: opts.data ? { dataDir: opts.data } : {} });
  const paths = resolvePaths(cfg);
  const token = cfg.api.authToken;
  let lock: { url?: unknown; pid?: unknown } | undefined;
  try {
    lock = JSON.parse(fs.readFileSync(paths.lockFile, 'utf8')) as { url?: unknown; pid?: unknown };
  } catch {}
  if (
    typeof lock?.url === 'string' &&
    typeof lock.pid === 'number' &&
    pidAlive(lock.pid) &&
    (await lockHolderAnswers(lock.url, lock.pid, token))
  )
    return httpBackend(lock.url, token);
  if (!fs.existsSync(paths.dbPath))
    throw new Error(`no collector running and no database at ${paths.dbPath}`);
  await loadIngestBacklog(cfg);
  return fileBackend(paths.dbPath, cfg.cost);
}

function cell(v: unknown, width = 60): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const one = s.replace(/\s+/g, ' ');
  return one.length > width ? `${one.slice(0, width - 1)}…` : one;
}

function printTable(columns: string[], rows: Record<string, unknown>[]): void {
  const cells = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((r) => (r[i] as string).length)));
  const line = (vals: string[]): string =>
    vals
      .map((v, i) => v.padEnd(widths[i] as number))
      .join('  ')
      .trimEnd();
  process.stdout.write(`${line(columns)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const r of cells) process.stdout.write(`${line(r)}\n`);
  process.stdout.write(`(${rows.length} row${rows.length === 1 ? '' : 's'})\n`);
}

function csvField(v: unknown): string {
  const s = v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function printRows(format: string, columns: string[], rows: Record<string, unknown>[]): void {
  if (format === 'json') process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  else if (format === 'csv') {
    process.stdout.write(`${columns.map(csvField).join(',')}\n`);
    for (const r of rows) process.stdout.write(`${columns.map((c) => csvField(r[c])).join(',')}\n`);
  } else printTable(columns, rows);
}

function fmtCost(v: unknown): string {
  return typeof v === 'number' ? `$${v.toFixed(6)}` : 'unpriced';
}

/** Indentation stops growing here (a trace can nest thousands of spans deep); the depth is then printed. */
const MAX_INDENT = 32;

function printTrace(spans: Record<string, unknown>[], full: boolean): void {
  const ids = new Set(spans.map((s) => s.span_id));
  const children = new Map<string, Record<string, unknown>[]>();
  const roots: Record<string, unknown>[] = [];
  for (const s of spans) {
    const p = String(s.parent_span_id ?? '');
    if (p && ids.has(p)) {
      const list = children.get(p);
      if (list) list.push(s);
      else children.set(p, [s]);
    } else roots.push(s);
  }
  const clip = (t: unknown): string => {
    const s = typeof t === 'string' ? t : JSON.stringify(t);
    return full || s.length <= 300 ? s : `${s.slice(0, 299)}…`;
  };
  const print = (s: Record<string, unknown>, depth: number): void => {
    const pad = depth > MAX_INDENT ? `${'  '.repeat(MAX_INDENT)}(depth ${depth}) ` : '  '.repeat(depth);
    const dur = typeof s.duration_ms === 'number' ? `${s.duration_ms.toFixed(1)} ms` : '';
    const err = Number(s.status_code) === 2 ? `  ERROR ${s.error_type ?? ''}` : '';
    process.stdout.write(`${pad}${s.name}  [${s.service_name ?? ''}]  ${dur}${err}\n`);
    if (s.counts_usage) {
      const model = s.response_model ?? s.request_model ?? '?';
      process.stdout.write(
        `${pad}  ${s.provider_name ?? ''} ${model}  tokens in=${s.input_tokens ?? '-'} out=${s.output_tokens ?? '-'}` +
          `${s.cache_read_tokens ? ` cache_read=${s.cache_read_tokens}` : ''}${s.reasoning_tokens ? ` reasoning=${s.reasoning_tokens}` : ''}` +
          `  cost=${fmtCost(s.cost_usd)}${s.cost_reason ? ` (${s.cost_reason})` : ''}\n`,
      );
    }
    for (const [label, key] of [
      ['system', 'system_instructions'],
      ['input', 'input_messages'],
      ['output', 'output_messages'],
    ] as const) {
      if (s[key] !== null && s[key] !== undefined)
        process.stdout.write(`${pad}  ${label}: ${clip(s[key])}\n`);
    }
  };
  // Depth-first without recursion (a deep trace overflowed the stack), each span once: spans whose
  // parents form a cycle (or a span that is its own parent) have no root above them and are printed
  // from the first of them, instead of not at all.
  const printed = new Set<unknown>();
  const walk = (root: Record<string, unknown>): void => {
    const stack: Array<[Record<string, unknown>, number]> = [[root, 0]];
    for (let top = stack.pop(); top; top = stack.pop()) {
      const [s, depth] = top;
      if (printed.has(s.span_id)) continue;
      printed.add(s.span_id);
      print(s, depth);
      const kids = children.get(String(s.span_id)) ?? [];
      for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i] as Record<string, unknown>, depth + 1]);
    }
  };
  for (const r of roots) walk(r);
  for (const s of spans) if (!printed.has(s.span_id)) walk(s);
}

async function withBackend(opts: CommonOpts, fn: (b: Backend) => Promise<void>): Promise<void> {
  const b = await backend(opts);
  try {
    await fn(b);
  } finally {
    await b.close();
  }
}

function common(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'URL of a running collector (default: GENAI_OPS_URL, else <data>/collector.json)')
    .option('--data <dir>', 'data directory (default ./data, env GENAI_OPS_DATA_DIR)')
    .option('--config <file>', 'config file (YAML or JSON; env GENAI_OPS_CONFIG)');
}

export function buildProgram(): Command {
  const program = new Command('genai-ops').description('genai-ops: GenAI observability collector and tools');

  program
    .command('collector')
    .description('run the collector (OTLP/HTTP receiver, DuckDB store, query API, metrics)')
    .option('--config <file>', 'config file (YAML or JSON; env GENAI_OPS_CONFIG)')
    .option('--data <dir>', 'data directory (default ./data, env GENAI_OPS_DATA_DIR)')
    .option('--port <n>', 'listen port (default 4318, env GENAI_OPS_PORT)', intArg)
    .option('--host <addr>', 'bind address (default 127.0.0.1, env GENAI_OPS_HOST)')
    .action(async (o: { config?: string; data?: string; port?: number; host?: string }) => {
      const overrides: Record<string, unknown> = {};
      if (o.data) overrides.dataDir = o.data;
      const receiver: Record<string, unknown> = {};
      if (o.port !== undefined) receiver.port = o.port;
      if (o.host) receiver.host = o.host;
      if (Object.keys(receiver).length) overrides.receiver = receiver;
      const c = await startCollector(overrides, { configFile: o.config });
      const paths = resolvePaths(c.config);
      process.stdout.write(
        `genai-ops collector listening on ${c.url} (OTLP/HTTP ${c.url}/v1/traces, API ${c.apiUrl}/api, metrics ${c.url}/metrics)\n`,
      );
      process.stdout.write(`database ${paths.dbPath}\n`);
      let stopping = false;
      const stop = (sig: string): void => {
        if (stopping) return;
        stopping = true;
        process.stdout.write(`${sig}: shutting down\n`);
        c.shutdown().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.on('SIGINT', () => stop('SIGINT'));
      process.on('SIGTERM', () => stop('SIGTERM'));
    });

  common(program.command('sql').argument('<query>', 'one read-only statement'))
    .description('run a read-only SQL query')
    .option('--format <f>', 'table | json | csv', formatArg, 'table')
    .action(async (query: string, o: CommonOpts & { format: string }) => {
      await withBackend(o, async (b) => {
        const r = await b.sql(query);
        printRows(o.format, r.columns, r.rows);
        if (r.truncated) process.stderr.write('(result truncated)\n');
      });
    });

  common(program.command('traces'))
    .description('list recent traces')
    .option('--limit <n>', 'how many (default 20)', positiveIntArg, 20)
    .option('--service <name>', 'only traces touching this service')
    .option('--since <when>', 'ISO time or duration (e.g. 24h)')
    .option('--format <f>', 'table | json | csv', formatArg, 'table')
    .action(async (o: CommonOpts & { limit: number; service?: string; since?: string; format: string }) => {
      await withBackend(o, async (b) => {
        const rows = await b.traces({ limit: o.limit, service: o.service, since: o.since });
        const cols = [
          'trace_id',
          'start_time',
          'service',
          'root_name',
          'models',
          'span_count',
          'input_tokens',
          'output_tokens',
          'cost_usd',
          'duration_ms',
          'errors',
        ];
        printRows(o.format, cols, rows);
      });
    });

  common(program.command('trace').argument('<id>', 'trace id (32 hex)'))
    .description("show a trace's span tree with each LLM call's model, tokens, cost, latency and messages")
    .option('--full', 'do not shorten messages')
    .option('--json', 'print the raw span rows as JSON')
    .action(async (arg: string, o: CommonOpts & { full?: boolean; json?: boolean }) => {
      const id = arg.trim();
      // Checked here, so both backends answer alike (the file found nothing, the API refused it) and
      // the id never becomes part of the API's URL path unchecked.
      if (!/^[0-9a-fA-F]{32}$/.test(id)) throw new InvalidArgumentError('trace id must be 32 hex characters');
      await withBackend(o, async (b) => {
        const spans = await b.trace(id);
        if (!spans.length) {
          process.stderr.write(`trace ${id} not found\n`);
          process.exitCode = 2;
          return;
        }
        if (o.json) process.stdout.write(`${JSON.stringify(spans, null, 2)}\n`);
        else printTrace(spans, Boolean(o.full));
      });
    });

  common(program.command('reprice'))
    .description('recompute stored costs with the current price table and config')
    .requiredOption('--since <when>', 'ISO time or duration (e.g. 7d)')
    .action(async (o: CommonOpts & { since: string }) => {
      await withBackend(o, async (b) => {
        const r = await b.reprice(o.since);
        process.stdout.write(
          `repriced ${r.repriced} spans since ${r.since} (${r.unpriced} without a price)\n`,
        );
      });
    });
  return program;
}

/** Runs the `genai-ops` command line (the bin shim and `node dist/cli.js` both come here). */
export function runCli(argv: string[] = process.argv): void {
  buildProgram()
    .parseAsync(argv)
    .catch((err: unknown) => {
      if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
      else process.stderr.write(`genai-ops: ${(err as Error).message}\n`);
      process.exit(1);
    });
}

if (require.main === module) runCli();

/** Exposed for tests. */
export const CLI_PATH = path.join(__dirname, 'cli.js');
