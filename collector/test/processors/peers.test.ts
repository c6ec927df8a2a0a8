/**
 * Peer instrumentations, for real: each fixture (under fixtures/) runs in a child Node process with
 * the real SDK, the peer's instrumentation and the real OTLP http/json exporters, calling the fake
 * provider. Phase 1 captures the raw OTLP bodies, decodes them with the collector's decoder and runs
 * NormalizeProcessor → CostProcessor and foldLegacyEvents. Phase 2 exports into a running collector and
 * reads the normalized rows back from DuckDB through POST /api/sql.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runNode } from '../../../test/helpers/run-node.js';
import type { LogRecordRecord, SpanRecord } from '../../src/model.js';
import { logsFromRequest, spansFromRequest } from '../../src/otlp/decode.js';
import { CostProcessor } from '../../src/processors/cost.js';
import { foldLegacyEvents } from '../../src/processors/legacy-events.js';
import { NormalizeProcessor } from '../../src/processors/normalize.js';
import { schemaErrors } from './helpers.js';

const FIXTURES = resolve(__dirname, 'fixtures');
const FAKE_PROVIDER = resolve(__dirname, '../../../packages/fake-provider/dist/index.js');
const COLLECTOR_DIST = resolve(__dirname, '../../dist/index.js');

// Token counts the fake provider reports for the fixtures' prompts (it counts words of the echoed text).
const CHAT = { input: 6, output: 5 };
const STREAM = { input: 4, output: 5 };
const EMBED = { input: 2 };
// gpt-4o-mini and text-embedding-3-small, USD per million tokens, in the pinned price table.
const GPT_4O_MINI = { input: 0.15, output: 0.6 };
const EMBED_3_SMALL = 0.02;
const chatUsd = (u: { input: number; output: number }) =>
  (u.input * GPT_4O_MINI.input + u.output * GPT_4O_MINI.output) / 1e6;

interface Expected {
  spanName: string;
  source: string;
  operation: string;
  requestModel: string;
  /** Undefined where the emitter does not report one (we never invent it). */
  responseModel: string | undefined;
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  costUsd: number | null;
}

interface Peer {
  fixture: string;
  scope: string;
  /** The spans that count usage, in export order. */
  counted: Expected[];
  /** How many spans carry usage but must not count (wrappers). */
  wrappers: number;
}

const PEERS: Peer[] = [
  {
    fixture: 'otel-contrib.cjs',
    scope: '@opentelemetry/instrumentation-openai',
    counted: [
      {
        spanName: 'chat gpt-4o-mini',
        source: 'otel-legacy',
        operation: 'chat',
        requestModel: 'gpt-4o-mini',
        responseModel: 'gpt-4o-mini-2024-07-18',
        inputTokens: CHAT.input,
        outputTokens: CHAT.output,
        costUsd: chatUsd(CHAT),
      },
      {
        spanName: 'chat gpt-4o-mini',
        source: 'otel-legacy',
        operation: 'chat',
        requestModel: 'gpt-4o-mini',
        responseModel: 'gpt-4o-mini-2024-07-18',
        inputTokens: STREAM.input,
        outputTokens: STREAM.output,
        costUsd: chatUsd(STREAM),
      },
      {
        spanName: 'embeddings text-embedding-3-small',
        source: 'otel-legacy',
        operation: 'embeddings',
        requestModel: 'text-embedding-3-small',
        responseModel: 'text-embedding-3-small',
        inputTokens: EMBED.input,
        outputTokens: undefined,
        costUsd: (EMBED.input * EMBED_3_SMALL) / 1e6,
      },
    ],
    wrappers: 0,
  },
  {
    fixture: 'openllmetry.cjs',
    scope: '@traceloop/instrumentation-openai',
    counted: [
      {
        spanName: 'chat gpt-4o-mini',
        source: 'otel-current',
        operation: 'chat',
        requestModel: 'gpt-4o-mini',
        responseModel: 'gpt-4o-mini-2024-07-18',
        inputTokens: CHAT.input,
        outputTokens: CHAT.output,
        costUsd: chatUsd(CHAT),
      },
      // OpenLLMetry 0.27 records no usage for streams (without its tiktoken estimate): no cost, with a reason.
      {
        spanName: 'chat gpt-4o-mini',
        source: 'otel-current',
        operation: 'chat',
        requestModel: 'gpt-4o-mini',
        responseModel: 'gpt-4o-mini-2024-07-18',
        inputTokens: undefined,
        outputTokens: undefined,
        costUsd: null,
      },
    ],
    wrappers: 0,
  },
  {
    fixture: 'openinference.cjs',
    scope: '@arizeai/openinference-instrumentation-openai',
    counted: [
      {
        spanName: 'OpenAI Chat Completions',
        source: 'openinference',
        operation: 'chat',
        requestModel: 'gpt-4o-mini',
        responseModel: 'gpt-4o-mini-2024-07-18',
        inputTokens: CHAT.input,
        outputTokens: CHAT.output,
        costUsd: chatUsd(CHAT),
      },
      // OpenInference 4.x records neither stream usage nor embedding usage.
      {
        spanName: 'OpenAI Chat Completions',
        source: 'openinference',
        operation: 'chat',
        requestModel: 'gpt-4o-mini',
        responseModel: 'gpt-4o-mini',
        inputTokens: undefined,
        outputTokens: undefined,
        costUsd: null,
      },
      {
        spanName: 'OpenAI Embeddings',
        source: 'openinference',
        operation: 'embeddings',
        requestModel: 'text-embedding-3-small',
        responseModel: undefined,
        inputTokens: undefined,
        outputTokens: undefined,
        costUsd: null,
      },
    ],
    wrappers: 0,
  },
  {
    fixture: 'vercel-ai.cjs',
    scope: 'ai',
    counted: [
      {
        spanName: 'ai.generateText.doGenerate',
        source: 'vercel-ai',
        operation: 'chat',
        requestModel: 'gpt-4o-mini',
        responseModel: 'gpt-4o-mini-2024-07-18',
        inputTokens: CHAT.input,
        outputTokens: CHAT.output,
        costUsd: chatUsd(CHAT),
      },
      {
        spanName: 'ai.streamText.doStream',
        source: 'vercel-ai',
        operation: 'chat',
        requestModel: 'gpt-4o-mini',
        responseModel: 'gpt-4o-mini-2024-07-18',
        inputTokens: STREAM.input,
        outputTokens: STREAM.output,
        costUsd: chatUsd(STREAM),
      },
      {
        spanName: 'ai.embed.doEmbed',
        source: 'vercel-ai',
        operation: 'embeddings',
        requestModel: 'text-embedding-3-small',
        responseModel: undefined,
        inputTokens: EMBED.input,
        outputTokens: undefined,
        costUsd: (EMBED.input * EMBED_3_SMALL) / 1e6,
      },
    ],
    // ai.generateText, ai.streamText, ai.embed: they repeat their child's usage.
    wrappers: 3,
  },
];

/** Records raw OTLP JSON bodies, as a collector would receive them. */
class RawOtlpCapture {
  readonly traces: unknown[] = [];
  readonly logs: unknown[] = [];
  url = '';
  private _server: Server | undefined;

  async start(): Promise<void> {
    this._server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let body = Buffer.concat(chunks);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        const json = JSON.parse(body.toString('utf8'));
        if (req.url?.startsWith('/v1/traces')) this.traces.push(json);
        else if (req.url?.startsWith('/v1/logs')) this.logs.push(json);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((r) => this._server?.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this._server.address() as AddressInfo).port}`;
  }

  spans(): SpanRecord[] {
    return this.traces.flatMap((t) => spansFromRequest(t).spans);
  }

  logRecords(): LogRecordRecord[] {
    return this.logs.flatMap((l) => logsFromRequest(l).logs);
  }

  async close(): Promise<void> {
    this._server?.closeAllConnections();
    await new Promise<void>((r) => (this._server ? this._server.close(() => r()) : r()));
  }
}

interface FakeProvider {
  url: string;
  close(): Promise<void>;
}
let provider: FakeProvider;

beforeAll(async () => {
  const mod = (await import(FAKE_PROVIDER)) as { startFakeProvider(): Promise<FakeProvider> };
  provider = await mod.startFakeProvider();
});
afterAll(async () => {
  await provider?.close();
});

async function runFixture(fixture: string, otlpUrl: string): Promise<void> {
  const r = await runNode(join(FIXTURES, fixture), {
    env: {
      FAKE_PROVIDER_URL: provider.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: otlpUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: `peer-${fixture}`,
    },
    timeoutMs: 60_000,
  });
  expect(r.stderr, r.stderr).not.toMatch(/Error/);
  expect(r.code).toBe(0);
}

describe('phase 1: peer spans through NormalizeProcessor and CostProcessor', () => {
  it.each(PEERS)(
    '$fixture',
    async (peer) => {
      const capture = new RawOtlpCapture();
      await capture.start();
      try {
        await runFixture(peer.fixture, capture.url);
        const raw = capture.spans().filter((s) => s.scopeName === peer.scope);
        const out = new CostProcessor().processSpans(new NormalizeProcessor().processSpans(raw));
        const counted = out.filter((s) => s.enrichment.countsUsage);
        expect(counted.map((s) => s.name).sort()).toEqual(peer.counted.map((e) => e.spanName).sort());
        expect(
          out.filter(
            (s) => !s.enrichment.countsUsage && s.attributes['gen_ai.usage.input_tokens'] !== undefined,
          ),
        ).toHaveLength(peer.wrappers);
        // Match actual to expected spans by (name, input tokens) since export order is not guaranteed.
        const remaining = [...counted];
        for (const e of peer.counted) {
          const i = remaining.findIndex(
            (s) => s.name === e.spanName && s.attributes['gen_ai.usage.input_tokens'] === e.inputTokens,
          );
          expect(i, `span ${e.spanName} with ${e.inputTokens} input tokens`).toBeGreaterThanOrEqual(0);
          const [s] = remaining.splice(i, 1) as [SpanRecord];
          expect({
            source: s.enrichment.normalization?.source,
            operation: s.attributes['gen_ai.operation.name'],
            provider: s.attributes['gen_ai.provider.name'],
            requestModel: s.attributes['gen_ai.request.model'],
            responseModel: s.attributes['gen_ai.response.model'],
            outputTokens: s.attributes['gen_ai.usage.output_tokens'],
            costUsd: s.enrichment.cost?.totalUsd,
          }).toEqual({
            source: e.source,
            operation: e.operation,
            provider: 'openai',
            requestModel: e.requestModel,
            responseModel: e.responseModel,
            outputTokens: e.outputTokens,
            costUsd: e.costUsd === null ? null : expect.closeTo(e.costUsd, 12),
          });
          if (e.costUsd === null) expect(s.enrichment.cost?.reason).toBe('no token usage on span');
          else expect(s.enrichment.cost?.priceVersion).toBe('@pydantic/genai-prices@0.1.8');
          expect(schemaErrors(s.attributes)).toEqual([]);
          if (e.operation === 'chat' && peer.fixture !== 'otel-contrib.cjs') {
            expect(typeof s.attributes['gen_ai.input.messages']).toBe('string');
            expect(typeof s.attributes['gen_ai.output.messages']).toBe('string');
          }
        }
        if (peer.fixture === 'otel-contrib.cjs') {
          // instrumentation-openai 0.21 emits ≤v1.36 per-message log events: fold them back onto the chat spans.
          const folded = foldLegacyEvents(capture.logRecords());
          const chat = counted.find(
            (s) => s.attributes['gen_ai.usage.input_tokens'] === CHAT.input,
          ) as SpanRecord;
          const mine = folded.find((f) => f.spanId === chat.spanId);
          expect(mine).toEqual({
            traceId: chat.traceId,
            spanId: chat.spanId,
            systemInstructions: '[{"type":"text","content":"You are terse."}]',
            inputMessages: '[{"role":"user","parts":[{"type":"text","content":"Say hello"}]}]',
            outputMessages:
              '[{"role":"assistant","parts":[{"type":"text","content":"Echo: Say hello lorem ipsum"}],"finish_reason":"stop"}]',
          });
          expect(folded).toHaveLength(2);
        }
      } finally {
        await capture.close();
      }
    },
    90_000,
  );
});

describe('phase 2: peers into a running collector, rows read back from DuckDB', () => {
  let dir: string;
  let collector: { url: string; apiUrl: string; shutdown(): Promise<void> };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'genai-ops-peers-'));
    const mod = (await import(COLLECTOR_DIST)) as {
      startCollector(c: unknown, o: unknown): Promise<typeof collector>;
    };
    collector = await mod.startCollector(
      {
        receiver: { host: '127.0.0.1', port: 0 },
        storage: { path: join(dir, 'spans.duckdb') },
        dataDir: dir,
      },
      { env: {}, lockFile: false },
    );
  });
  afterAll(async () => {
    await collector?.shutdown();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function sql(query: string): Promise<Record<string, unknown>[]> {
    const res = await fetch(`${collector.apiUrl}/api/sql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const body = (await res.json()) as { rows: Record<string, unknown>[]; error?: string };
    expect(res.status, body.error).toBe(200);
    return body.rows;
  }

  it('every peer lands normalized and priced', async () => {
    await Promise.all(PEERS.map((peer) => runFixture(peer.fixture, collector.url)));
    const expectedRows = PEERS.flatMap((p) => p.counted.map((e) => ({ ...e, scope: p.scope })));
    let rows: Record<string, unknown>[] = [];
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      rows = await sql(
        `SELECT scope_name, name, normalization_source, operation_name, provider_name, request_model, response_model,
           input_tokens, output_tokens, cost_usd, price_version, cost_reason
         FROM spans WHERE counts_usage ORDER BY scope_name, name, input_tokens`,
      );
      if (rows.length >= expectedRows.length) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const key = (r: { scope: unknown; name: unknown; input: unknown }) =>
      `${r.scope}|${r.name}|${r.input ?? ''}`;
    const actual = rows.map((r) => ({
      key: key({ scope: r.scope_name, name: r.name, input: r.input_tokens }),
      source: r.normalization_source,
      operation: r.operation_name,
      provider: r.provider_name,
      requestModel: r.request_model,
      responseModel: r.response_model ?? undefined,
      outputTokens: r.output_tokens ?? undefined,
      costUsd: r.cost_usd,
      priceVersion: r.price_version,
    }));
    const expected = expectedRows.map((e) => ({
      key: key({ scope: e.scope, name: e.spanName, input: e.inputTokens }),
      source: e.source,
      operation: e.operation,
      provider: 'openai',
      requestModel: e.requestModel,
      responseModel: e.responseModel,
      outputTokens: e.outputTokens,
      costUsd: e.costUsd === null ? null : expect.closeTo(e.costUsd, 12),
      priceVersion: e.costUsd === null ? null : '@pydantic/genai-prices@0.1.8',
    }));
    const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
    expect(actual.sort(byKey)).toEqual(expected.sort(byKey));
    // Wrapper spans are stored but never counted, so totals are not doubled.
    const [total] = await sql(
      `SELECT sum(input_tokens) FILTER (WHERE counts_usage) AS counted, sum(input_tokens) AS all_tokens FROM spans WHERE scope_name = 'ai'`,
    );
    expect(total).toEqual({
      counted: CHAT.input + STREAM.input + EMBED.input,
      all_tokens: 2 * (CHAT.input + STREAM.input + EMBED.input),
    });
  }, 180_000);
});
