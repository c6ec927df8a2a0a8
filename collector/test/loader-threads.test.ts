import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningCollector } from '../dist/index.js';
import { emitChatTrace, startTestCollector, tracerProvider, waitFor } from './helpers.js';

let c: RunningCollector | undefined;
afterEach(async () => {
  await c?.shutdown();
  c = undefined;
});

function getText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () => resolve(Buffer.concat(chunks).toString()));
      })
      .on('error', reject);
  });
}

/** The nice value of each thread of this process (Linux `/proc/self/task/<tid>/stat`, field 19). */
function threadNices(): number[] {
  return fs.readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      return [Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16])];
    } catch {
      return []; // the thread ended meanwhile
    }
  });
}

async function sendTrace(url: string, protocol: 'json' | 'protobuf', content?: string): Promise<string> {
  const provider = tracerProvider(url, protocol, `svc-${protocol}`);
  const traceId = emitChatTrace(provider, { model: 'gpt-4o', content });
  await provider.forceFlush();
  await provider.shutdown();
  return traceId;
}

describe.each([true, false])('loader threads (processWorker %s)', (processWorker) => {
  it('stores processed rows with their verdicts and feeds the metrics observer', async () => {
    const before = threadNices().filter((n) => n === 7).length;
    c = await startTestCollector({
      storage: { processWorker, memoryLimitMb: 256, threads: 1, loaderNice: 7 },
    });
    const email = 'reach me at jane.doe@example.com';
    const ids = [await sendTrace(c.url, 'protobuf', email), await sendTrace(c.url, 'json')];
    for (const id of ids) {
      const rows = (
        await c.store.sql(
          `SELECT operation_name, cost_usd, counts_usage, input_messages FROM spans WHERE trace_id = '${id}' ORDER BY operation_name`,
        )
      ).rows;
      expect(rows.map((r) => r.operation_name)).toEqual(['chat', 'invoke_agent']);
      expect(Number(rows[0]?.cost_usd)).toBeGreaterThan(0);
      expect(rows[0]?.counts_usage).toBe(true);
    }
    const verdicts = (
      await c.store.sql(`SELECT direction, pii_types FROM guardrail_verdicts WHERE trace_id = '${ids[0]}'`)
    ).rows;
    expect(verdicts.find((v) => v.direction === 'input')?.pii_types).toContain('EMAIL');
    // The observer runs after the commit, on the main thread, with the spans' usage and cost.
    const metrics = await waitFor(async () => {
      const text = await getText(`${c?.url}/metrics`);
      return text.includes(
        'service="svc-json",provider="openai",model="gpt-4o-2024-08-06",type="input"} 1000',
      )
        ? text
        : undefined;
    });
    expect(metrics).toContain(
      'genai_ops_tokens_total{service="svc-protobuf",provider="openai",model="gpt-4o-2024-08-06",type="input"} 1000',
    );
    expect(metrics).toMatch(/genai_ops_cost_usd_total\{[^}]*model="gpt-4o-2024-08-06"[^}]*\} \d/);
    expect(metrics).toMatch(/genai_ops_guardrail_verdicts_total\{/);
    const setting = (await c.store.sql("SELECT current_setting('memory_limit') AS m")).rows[0]?.m;
    expect(String(setting)).toMatch(/^256(\.0)? MiB$/);
    const threads = (await c.store.sql("SELECT current_setting('threads') AS t")).rows[0]?.t;
    expect(Number(threads)).toBe(1);
    // The loader thread (and the processing worker) run at nice 7; this thread keeps its priority.
    if (process.platform === 'linux' && os.getPriority() < 7) {
      expect(threadNices().filter((n) => n === 7).length - before).toBeGreaterThanOrEqual(
        processWorker ? 2 : 1,
      );
      expect(os.getPriority()).toBeLessThan(7);
    }
  });
});

describe('processing worker', () => {
  it('is started again after it dies, and nothing acknowledged is lost', async () => {
    c = await startTestCollector({ storage: { processWorker: true } });
    const first = await sendTrace(c.url, 'protobuf');
    const client = c.store as unknown as { _proc?: { terminate(): Promise<number> } };
    expect(client._proc).toBeDefined();
    await client._proc?.terminate();
    const second = await sendTrace(c.url, 'protobuf');
    const n = (
      await c.store.sql(`SELECT count(*) AS n FROM spans WHERE trace_id IN ('${first}', '${second}')`)
    ).rows[0]?.n;
    expect(Number(n)).toBe(4);
  });
});
