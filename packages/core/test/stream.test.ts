import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { SpanStatusCode } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { watchedCallCount } from '../src/abandoned-call.js';
import {
  endCallWhenCollected,
  GenAICall,
  GenAIClientMetrics,
  observeIteratorFactory,
  observeStream,
  resolveContentPolicy,
  type StreamReducer,
} from '../src/index.js';

function setup(timePerOutputChunk?: boolean) {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 60_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  const telemetry = {
    tracer: provider.getTracer('test'),
    metrics: new GenAIClientMetrics(meterProvider.getMeter('test')),
    content: resolveContentPolicy({ captureMessageContent: false }),
    ...(timePerOutputChunk === undefined ? {} : { timePerOutputChunk }),
  };
  const call = () => new GenAICall(telemetry, { operation: 'chat', provider: 'openai', requestModel: 'm' });
  return { exporter, call, reader, metricExporter };
}

async function* source(n: number, failAt?: number): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) {
    if (i === failAt) throw new TypeError('connection dropped');
    yield i;
  }
}

/** `source(n)` that records whether it was closed (its `finally` ran). */
function closable(n: number): { stream: AsyncGenerator<number>; closed: boolean } {
  const out = { stream: undefined as unknown as AsyncGenerator<number>, closed: false };
  out.stream = (async function* () {
    try {
      yield* source(n);
    } finally {
      out.closed = true;
    }
  })();
  return out;
}

function reducer(hideOdd = false) {
  const seen: number[] = [];
  const finishes: Array<{ completed: boolean; error?: unknown }> = [];
  const r: StreamReducer<number> = {
    hide: hideOdd ? (c) => c % 2 === 1 : undefined,
    fold: (c) => {
      seen.push(c);
    },
    finish: (_call, outcome) => {
      finishes.push(outcome);
    },
  };
  return { r, seen, finishes };
}

describe('observeStream', () => {
  it('passes every chunk through and ends the span once on completion', async () => {
    const { exporter, call } = setup();
    const { r, seen, finishes } = reducer();
    const got: number[] = [];
    for await (const c of observeStream(source(5), call(), r)) got.push(c);
    expect(got).toEqual([0, 1, 2, 3, 4]);
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(finishes).toEqual([{ completed: true }]);
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.status.code).toBe(SpanStatusCode.UNSET);
    expect(typeof spans[0]!.attributes['gen_ai.response.time_to_first_chunk']).toBe('number');
  });

  it('ends the span once on early break, counting the chunk the caller stopped at, and closes the source', async () => {
    const { exporter, call } = setup();
    const { r, seen, finishes } = reducer();
    const src = closable(10);
    for await (const c of observeStream(src.stream, call(), r)) if (c === 2) break;
    expect(seen).toEqual([0, 1, 2]);
    expect(src.closed).toBe(true);
    expect(finishes).toEqual([{ completed: false }]);
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('rethrows the source error unchanged and marks the span', async () => {
    const { exporter, call } = setup();
    const { r, finishes } = reducer();
    const got: number[] = [];
    const err = await (async () => {
      try {
        for await (const c of observeStream(source(5, 3), call(), r)) got.push(c);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(TypeError);
    expect(got).toEqual([0, 1, 2]);
    expect(finishes).toHaveLength(1);
    const [span] = exporter.getFinishedSpans();
    expect(span!.status.code).toBe(SpanStatusCode.ERROR);
    expect(span!.attributes['error.type']).toBe('TypeError');
  });

  it('hides chunks the reducer asks to hide but still folds them', async () => {
    const { call } = setup();
    const { r, seen } = reducer(true);
    const got: number[] = [];
    for await (const c of observeStream(source(6), call(), r)) got.push(c);
    expect(got).toEqual([0, 2, 4]);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('survives a reducer that throws', async () => {
    const { exporter, call } = setup();
    const bad: StreamReducer<number> = {
      fold: () => {
        throw new Error('bug');
      },
      finish: () => {
        throw new Error('bug');
      },
    };
    const got: number[] = [];
    for await (const c of observeStream(source(3), call(), bad)) got.push(c);
    expect(got).toEqual([0, 1, 2]);
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('observes only the first iteration of a factory (double iteration, tee) and never ends twice', async () => {
    const { exporter, call } = setup();
    const { r, seen } = reducer();
    let created = 0;
    const factory = () => {
      created++;
      return source(3);
    };
    const observed = observeIteratorFactory(factory, call(), r);
    const a: number[] = [];
    const b: number[] = [];
    const it1 = observed();
    const it2 = observed();
    for await (const c of { [Symbol.asyncIterator]: () => it1 }) a.push(c);
    for await (const c of { [Symbol.asyncIterator]: () => it2 }) b.push(c);
    expect(created).toBe(2);
    expect(a).toEqual([0, 1, 2]);
    expect(b).toEqual([0, 1, 2]);
    expect(seen).toEqual([0, 1, 2]);
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('records time to first chunk and one time-per-output-chunk point per chunk after the first', async () => {
    const { call, reader, metricExporter } = setup();
    const { r } = reducer();
    for await (const _ of observeStream(source(4), call(), r)) {
      // consume
    }
    await reader.forceFlush();
    const metrics = metricExporter.getMetrics().flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
    const byName = Object.fromEntries(metrics.map((m) => [m.descriptor.name, m]));
    const count = (name: string) =>
      (byName[name]?.dataPoints[0]?.value as { count: number } | undefined)?.count;
    expect(count('gen_ai.client.operation.time_to_first_chunk')).toBe(1);
    expect(count('gen_ai.client.operation.time_per_output_chunk')).toBe(3);
    expect(count('gen_ai.client.operation.duration')).toBe(1);
    expect(
      (byName['gen_ai.client.operation.duration']!.dataPoints[0]!.value as any).buckets.boundaries,
    ).toEqual([0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92]);
  });

  it('skips the per-chunk histogram when timePerOutputChunk is false, keeping time to first chunk', async () => {
    const { call, reader, metricExporter } = setup(false);
    const { r } = reducer();
    for await (const _ of observeStream(source(4), call(), r)) {
      // consume
    }
    await reader.forceFlush();
    const names = metricExporter
      .getMetrics()
      .flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics))
      .filter((m) => m.dataPoints.length > 0)
      .map((m) => m.descriptor.name)
      .sort();
    expect(names).toEqual([
      'gen_ai.client.operation.duration',
      'gen_ai.client.operation.time_to_first_chunk',
    ]);
  });
  it("passes the source's own result objects through and creates the source iterator on first next()", async () => {
    const { call } = setup();
    const { r, seen } = reducer();
    const results: IteratorResult<number>[] = [];
    let created = 0;
    const src: AsyncIterable<number> = {
      [Symbol.asyncIterator]() {
        created++;
        let i = 0;
        return {
          next: async () => {
            const res: IteratorResult<number> =
              i < 2 ? { done: false, value: i++ } : { done: true, value: undefined };
            results.push(res);
            return res;
          },
        };
      },
    };
    const observed = observeStream(src, call(), r);
    expect(created).toBe(0);
    const got = [await observed.next(), await observed.next(), await observed.next()];
    expect(created).toBe(1);
    expect(got).toHaveLength(3);
    for (let i = 0; i < 3; i++) expect(got[i]).toBe(results[i]);
    expect(seen).toEqual([0, 1]);
    expect(await observed.next()).toEqual({ done: true, value: undefined });
  });

  it('ends the span on return() before the first chunk, without touching an uncreated source', async () => {
    const { exporter, call } = setup();
    const { r, seen, finishes } = reducer();
    let created = 0;
    const observed = observeStream(
      {
        [Symbol.asyncIterator]() {
          created++;
          return source(3);
        },
      },
      call(),
      r,
    );
    expect(await observed.return?.('v')).toEqual({ done: true, value: 'v' });
    expect(created).toBe(0);
    expect(seen).toEqual([]);
    expect(finishes).toEqual([{ completed: false }]);
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    expect(await observed.next()).toEqual({ done: true, value: undefined });
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('on throw() mid-stream: closes the source, ends the span with that error, rejects with it', async () => {
    const { exporter, call } = setup();
    const { r, seen, finishes } = reducer();
    const src = closable(10);
    const observed = observeStream(src.stream, call(), r);
    await observed.next();
    await observed.next();
    const err = new RangeError('caller gave up');
    await expect(observed.throw?.(err)).rejects.toBe(err);
    expect(src.closed).toBe(true);
    expect(seen).toEqual([0, 1]);
    expect(finishes).toEqual([{ completed: false, error: err }]);
    const [span] = exporter.getFinishedSpans();
    expect(span!.attributes['error.type']).toBe('RangeError');
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('folds every chunk once, in order, when the caller asks for several chunks at once', async () => {
    const { exporter, call } = setup();
    const { r, seen, finishes } = reducer();
    const observed = observeStream(source(4), call(), r);
    const got = await Promise.all([observed.next(), observed.next(), observed.next()]);
    expect(got.map((g) => g.value)).toEqual([0, 1, 2]);
    const rest: number[] = [];
    for await (const c of observed) rest.push(c);
    expect(rest).toEqual([3]);
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(finishes).toEqual([{ completed: true }]);
    expect(exporter.getFinishedSpans()).toHaveLength(1);
  });

  it('turns a broken source (a result that is not an object) into a TypeError and ends the span', async () => {
    const { exporter, call } = setup();
    const { r } = reducer();
    const broken = {
      [Symbol.asyncIterator]: () => ({ next: async () => 42 as unknown as IteratorResult<number> }),
    };
    await expect(observeStream(broken, call(), r).next()).rejects.toBeInstanceOf(TypeError);
    const [span] = exporter.getFinishedSpans();
    expect(span!.attributes['error.type']).toBe('TypeError');
  });

  it('does not time chunks after the first when timePerOutputChunk is false', async () => {
    const { call } = setup(false);
    const c = call();
    const { r } = reducer();
    for await (const _ of observeStream(source(5), c, r)) {
      // consume
    }
    expect((c as unknown as { _chunkGaps?: number[] })._chunkGaps).toBeUndefined();
    const timed = setup().call();
    for await (const _ of observeStream(source(5), timed, reducer().r)) {
      // consume
    }
    expect((timed as unknown as { _chunkGaps?: number[] })._chunkGaps).toHaveLength(4);
  });
});

describe('the abort watch of an unread stream', () => {
  const macrotask = () => new Promise((resolve) => setImmediate(resolve));
  const watch = (signal: AbortSignal) => ({ signal, errorType: 'AbortError' });

  it('ends the call of a stream aborted before anyone reads it, with the watch error type', async () => {
    const { exporter, call } = setup();
    const controller = new AbortController();
    const c = call();
    observeStream(source(5), c, reducer().r, watch(controller.signal));
    controller.abort();
    await macrotask();
    expect(c.ended).toBe(true);
    const [span] = exporter.getFinishedSpans();
    expect(span!.attributes['error.type']).toBe('AbortError');
  });

  it('listens from the next macrotask on: an abort later still ends the unread stream', async () => {
    const { exporter, call } = setup();
    const controller = new AbortController();
    const c = call();
    observeIteratorFactory(() => source(5), c, reducer().r, watch(controller.signal));
    await macrotask();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    expect(c.ended).toBe(false);
    controller.abort();
    expect(c.ended).toBe(true);
    expect(exporter.getFinishedSpans()[0]!.attributes['error.type']).toBe('AbortError');
  });

  it('never listens to a stream read in the turn it was handed over, and lets the stream end the call', async () => {
    const { exporter, call } = setup();
    const controller = new AbortController();
    const { r, finishes } = reducer();
    const stream = observeStream(source(3), call(), r, watch(controller.signal));
    let n = 0;
    for await (const _c of stream) n++;
    await macrotask();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    controller.abort();
    expect(n).toBe(3);
    expect(finishes).toEqual([{ completed: true }]);
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes['error.type']).toBeUndefined();
  });

  it('removes its listener once the stream is read after the watch was attached', async () => {
    const { call } = setup();
    const controller = new AbortController();
    const factory = observeIteratorFactory(() => source(2), call(), reducer().r, watch(controller.signal));
    await macrotask();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    const iterator = factory();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    expect((await iterator.next()).value).toBe(0);
  });

  it('keeps at most 1,024 watches waiting when streams are made without yielding to the event loop', async () => {
    const { call } = setup();
    const controller = new AbortController();
    // Read at once, as callers do: no listener is needed for them.
    for (let i = 0; i < 1023; i++) {
      const s = observeStream(source(0), call(), reducer().r, watch(controller.signal));
      for await (const _c of s);
    }
    // The 1,024th watch is attached with the others at once, before any macrotask: it is not read.
    const unread = call();
    observeStream(source(1), unread, reducer().r, watch(controller.signal));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    expect(unread.ended).toBe(true);
    await macrotask();
  });

  it('survives a signal whose aborted getter throws once the watch attaches', async () => {
    const { call } = setup();
    let reads = 0;
    const signal = {
      get aborted(): boolean {
        if (++reads > 1) throw new Error('broken polyfill');
        return false;
      },
      addEventListener() {},
      removeEventListener() {},
    };
    const c = call();
    const errors: unknown[] = [];
    const onError = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onError);
    try {
      observeStream(source(1), c, reducer().r, { signal, errorType: 'AbortError' });
      await macrotask();
      await macrotask();
    } finally {
      process.off('uncaughtException', onError);
    }
    expect(reads).toBe(2);
    expect(errors).toEqual([]);
    expect(c.ended).toBe(false);
  });

  it('ends the call at once when the signal had already aborted', () => {
    const { call } = setup();
    const controller = new AbortController();
    controller.abort();
    const c = call();
    observeStream(source(1), c, reducer().r, watch(controller.signal));
    expect(c.ended).toBe(true);
  });
});

describe('endCallWhenCollected', () => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const collect = async () => {
    for (let i = 0; i < 4; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };

  it('ends the call of a stream nobody iterated once the stream is collected', async () => {
    const { exporter, call } = setup();
    const before = watchedCallCount();
    (() => {
      const observed = observeStream(source(3), call(), reducer().r);
      endCallWhenCollected(observed, (observed as unknown as { _call: GenAICall })._call);
    })();
    await collect();
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.attributes['error.type']).toBe('stream_abandoned');
    expect(watchedCallCount()).toBe(before);
  });

  it('keeps a watched call out of the registry once it ended, and ends each abandoned call once', async () => {
    const { exporter, call } = setup();
    const before = watchedCallCount();
    // Owners live only inside this function: dropping them leaves the two open calls abandoned.
    (() => {
      const owners: object[] = [];
      const calls: GenAICall[] = [];
      for (let i = 0; i < 3; i++) {
        owners.push({});
        calls.push(call());
        endCallWhenCollected(owners[i] as object, calls[i] as GenAICall);
      }
      expect(watchedCallCount()).toBe(before + 3);
      calls[1]!.end();
      expect(watchedCallCount()).toBe(before + 2);
    })();
    await collect();
    expect(watchedCallCount()).toBe(before);
    const types = exporter.getFinishedSpans().map((s) => s.attributes['error.type']);
    expect(types.sort()).toEqual([undefined, 'stream_abandoned', 'stream_abandoned'].sort());
  });

  it('lets go of a call that ended while its stream is still alive', async () => {
    const { exporter, call } = setup();
    const owner = {};
    let ref: WeakRef<GenAICall> | undefined;
    await (async () => {
      const c = call();
      ref = new WeakRef(c);
      endCallWhenCollected(owner, c);
      for await (const _ of observeStream(source(2), c, reducer().r)) {
        // consume
      }
    })();
    await collect();
    expect(ref!.deref()).toBeUndefined();
    expect(owner).toBeDefined();
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    expect(exporter.getFinishedSpans()[0]!.attributes['error.type']).toBeUndefined();
  });
});
