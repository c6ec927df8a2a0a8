// Shared harness of the replay benchmarks (openai, google-genai, bedrock, guardrails-overhead): each variant
// runs in its own child process of the same script (`--child <variant> <calls>`), gets its input as JSON on
// stdin and prints its result as the last JSON line on stdout. Files starting with `_` are not benchmarks
// (bench/run.mjs skips them).
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';

/** The median of a list of numbers. */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** null: not looked up yet (only the parent process spawning children ever asks). */
let pinned = null;

/**
 * The CPU the children run on (`taskset -c`), or undefined when they are not pinned. On this 2-core VM an
 * unpinned child migrates between cores as other processes come and go, and its CPU time per call moved by
 * ±10–30 % from run to run; pinned (every child on the same core, one child at a time) the same variant
 * repeated within ±1–2 % (2026-11-26: openai chat 75.6 / 75.5 µs uninstrumented, 99.8 / 98.9 µs with
 * genai-ops in two pinned runs, against 81–110 µs unpinned). `BENCH_PIN=off` turns it off, `BENCH_PIN=<n>`
 * picks the CPU (default: the last one). Needs util-linux's `taskset`.
 */
export function pinnedCpu() {
  if (pinned === null) {
    const want = process.env.BENCH_PIN;
    if (want === 'off' || spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status !== 0)
      pinned = undefined;
    else pinned = want !== undefined && /^\d+$/.test(want) ? Number(want) : cpus().length - 1;
  }
  return pinned;
}

/** The command and arguments that run Node with `args`, pinned to `pinnedCpu()` when set. */
export function nodeCommand(args) {
  const cpu = pinnedCpu();
  return cpu === undefined
    ? [process.execPath, args]
    : ['taskset', ['-c', String(cpu), process.execPath, ...args]];
}

/**
 * Runs `script --child <variant> <calls>` in a new Node process (pinned to `pinnedCpu()` when set) with `input`
 * on stdin and resolves with the JSON object it printed last. Killed after 10 minutes.
 */
export function runChild(script, variant, input, calls, nodeArgs = []) {
  return new Promise((resolve, reject) => {
    const [command, args] = nodeCommand([...nodeArgs, script, '--child', variant, String(calls)]);
    const c = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    c.stdin.end(JSON.stringify(input));
    let out = '';
    c.stdout.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => c.kill('SIGKILL'), 600_000);
    c.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`${variant} exited with ${code}: ${out}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

/**
 * The entry point of such a script: in a child (`--child`), reads the JSON input from stdin and calls
 * `child(variant, input, calls)`; otherwise calls `main()`.
 */
export async function childOrMain(child, main) {
  if (process.argv[2] !== '--child') {
    await main();
    return;
  }
  let input = '';
  process.stdin.on('data', (d) => {
    input += d;
  });
  process.stdin.on('end', () => {
    child(process.argv[3], JSON.parse(input), Number(process.argv[4])).catch((err) => {
      console.error(err);
      process.exit(1);
    });
  });
}

/**
 * What the register entry sets up, with no-op exporters (export cost is not what we measure): a real SDK
 * tracer provider with a BatchSpanProcessor and a meter provider whose reader also collects the GenAI
 * histograms from a GenAIMetricsAggregator bound to it (the register entry's fast metrics path), both
 * registered as the globals, and the AsyncLocalStorage context manager. Reference instrumentations record
 * through the same meter provider's SDK instruments, as they would under any SDK.
 */
export function discardingProviders() {
  const require = createRequire(import.meta.url);
  const { BasicTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
  const { MeterProvider, PeriodicExportingMetricReader } = require('@opentelemetry/sdk-metrics');
  const { trace, metrics, context } = require('@opentelemetry/api');
  const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
  const { GenAIMetricsAggregator, bindGenAIMetricsAggregator } = require('@genai-ops/core');
  const discard = {
    export: (_items, done) => done({ code: 0 }),
    shutdown: async () => {},
    forceFlush: async () => {},
  };
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(discard)] });
  trace.setGlobalTracerProvider(tracerProvider);
  // The register entry installs this context manager; without it span context propagation is free.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const aggregator = new GenAIMetricsAggregator();
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: discard,
        exportIntervalMillis: 3_600_000,
        metricProducers: [aggregator.createProducer()],
      }),
    ],
  });
  bindGenAIMetricsAggregator(meterProvider, aggregator);
  metrics.setGlobalMeterProvider(meterProvider);
  return { tracerProvider, meterProvider };
}

const sseEvents = new WeakMap();

/**
 * A `Response` replaying a recorded reply (`{ status, headers, text }`). A server-sent-events body is
 * delivered one event per read, as a network delivers a stream that the server flushes event by event, so
 * the SDK's SSE decoder does per event what it does in production; handing it the whole body in one piece
 * made its per-chunk cost two to three times higher (and noisier) than per event. Other bodies go whole.
 */
export function replayResponse(reply) {
  const type = reply.headers?.['content-type'] ?? '';
  if (!type.includes('text/event-stream'))
    return new Response(reply.text, { status: reply.status, headers: reply.headers });
  let events = sseEvents.get(reply);
  if (events === undefined) {
    const encoder = new TextEncoder();
    events = reply.text.split(/(?<=\n\n)/).map((e) => encoder.encode(e));
    sseEvents.set(reply, events);
  }
  let i = 0;
  const body = new ReadableStream({
    pull(controller) {
      if (i < events.length) controller.enqueue(events[i++]);
      else controller.close();
    },
  });
  return new Response(body, { status: reply.status, headers: reply.headers });
}

/** Median wall µs of `n` sequential calls of `fn`, after `warm` untimed ones. */
export async function medianWallUs(fn, n, warm) {
  for (let i = 0; i < warm; i++) await fn();
  const out = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    out.push((performance.now() - t0) * 1000);
  }
  return median(out);
}

/** CPU µs (user + system) per call of `fn` over `n` sequential calls. */
export async function cpuPerCall(fn, n) {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await fn();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

/**
 * Paired in-process figures: our instrumentation switched off and on (`toggle.off()` / `toggle.on()`) in
 * alternating blocks of the same process, so load from other processes hits both sides alike. Each block
 * runs every scenario in both states; the order of the two states flips every other block (otherwise "on"
 * always runs second, right after a switch, and any drift within a block is counted against it). After
 * each switch `block / 5` untimed calls re-warm the JIT's inline caches (a cost of switching, not of
 * either state). Returns, per scenario name, the median over blocks of (CPU µs per call on - off).
 * `scenarios`: `[{ name, fn, block }]`, `block` calls per timed half.
 */
export async function pairedCpu(toggle, scenarios, blocks) {
  const diffs = Object.fromEntries(scenarios.map((s) => [s.name, []]));
  const timed = async (state, s) => {
    state === 'on' ? toggle.on() : toggle.off();
    await cpuPerCall(s.fn, Math.ceil(s.block / 5));
    return cpuPerCall(s.fn, s.block);
  };
  for (let b = 0; b < blocks; b++) {
    for (const s of scenarios) {
      let on;
      let off;
      if (b % 2 === 0) {
        off = await timed('off', s);
        on = await timed('on', s);
      } else {
        on = await timed('on', s);
        off = await timed('off', s);
      }
      diffs[s.name].push(on - off);
    }
  }
  toggle.on();
  return Object.fromEntries(Object.entries(diffs).map(([k, v]) => [k, median(v)]));
}

/**
 * Chunks of the long stream of the per-chunk slopes (`BENCH_LONG` to change). With 500 rather than 100, the
 * run-to-run spread of the per-call cost (±20–40 µs between paired medians on this VM) moves the slope by
 * ±0.05–0.08 µs instead of ±0.2–0.4, which had left the 0.5 µs target unreadable.
 */
export const LONG_CHUNKS = Number(process.env.BENCH_LONG ?? 500);

/** Calls per timed paired block of a `chunks`-chunk stream: about 2,000 chunks, at least 4 calls. */
export function streamBlock(chunks) {
  return Math.max(4, Math.round(2000 / chunks));
}

/**
 * The marginal cost per chunk: two stream lengths run in the same paired loop, and the difference of their
 * added costs divided by the difference of their chunk counts. The per-call cost (span, metrics, the
 * SDK's promise hooks) is the same for both lengths and drops out, which "added / chunks" cannot do.
 */
export function perChunkSlope(addedShort, addedLong, chunksShort, chunksLong) {
  return (addedLong - addedShort) / (chunksLong - chunksShort);
}

/** How the children ran, for a benchmark's header line. */
export function pinNote() {
  const cpu = pinnedCpu();
  return cpu === undefined ? 'children not pinned' : `children pinned to CPU ${cpu} (taskset)`;
}

/** The name of the floor variant every replay benchmark runs (see `spanFloor`). */
export const SPAN_FLOOR = 'span-floor';

/**
 * The least any span-per-call instrumentation pays: one span of the registered SDK (BatchSpanProcessor,
 * as `discardingProviders` sets up) made active with `context.with` around the call and ended after it; no
 * attributes, no metrics, no parsing. `wrap(fn)` returns a function that calls `fn` bare while the floor is
 * off and inside the span while it is on (a plain function when off, so the off side pays no extra
 * promise); `toggle` switches it, for `pairedCpu`. `wrap(fn, onFn)` calls `onFn` inside the span instead: the
 * call as an instrumentation must make it (the Anthropic SDK's own span suppressed, as the issue asks of
 * ours). The targets are absolute, but an instrumentation cannot add less than this floor on the same
 * machine, and what ours adds above it is what its own code costs.
 * Call after `discardingProviders()`, with the tracer provider it returned.
 */
export function spanFloor(tracerProvider) {
  const require = createRequire(import.meta.url);
  const api = require('@opentelemetry/api');
  const tracer = tracerProvider.getTracer(SPAN_FLOOR);
  const shape = { name: SPAN_FLOOR, kind: api.SpanKind.CLIENT, start: undefined, end: undefined };
  let on = true;
  return {
    wrap: (fn, onFn = fn) =>
      function floored(...args) {
        return on ? inActiveSpan(api, tracer, shape, onFn, this, args) : fn.apply(this, args);
      },
    toggle: flagToggle((value) => {
      on = value;
    }),
  };
}

/**
 * Runs `fn` inside a span of `shape` (name, kind, attributes at start and by the end, either may be
 * undefined) made active with `context.with`, and ends the span after it: the body of both floors.
 */
async function inActiveSpan(api, tracer, shape, fn, self, args) {
  const parent = api.context.active();
  const span = tracer.startSpan(
    shape.name,
    { kind: shape.kind, attributes: shape.start && { ...shape.start } },
    parent,
  );
  try {
    return await api.context.with(api.trace.setSpan(parent, span), fn, self, ...args);
  } finally {
    if (shape.end) span.setAttributes({ ...shape.end });
    span.end();
  }
}

/** The name of the conventions-floor variant (see `conventionsFloor`). */
export const CONVENTIONS_FLOOR = 'conventions-floor';

/**
 * The span floor carrying the span our instrumentation makes for the same call: its name, kind, the
 * attributes it has at start (passed to `startSpan`, as the conventions ask for the sampling-relevant ones)
 * and those it gains by the end (set before `span.end()`). It is the least any instrumentation adds that
 * emits the conventions' span for the call, with no code of its own: no parsing, no metrics, no stream
 * observation. "Above the conventions floor" is then what our own code costs.
 *
 * The shape is captured per scenario function, from one call made with `instrumentation` (ours, registered
 * with the same providers) enabled, the first time the wrapped function runs with the floor on; the
 * instrumentation is disabled (the SDK unpatched, or its wrappers passing through) after each capture and
 * whenever the floor is switched off. It is left enabled until then, so clients created after the setup are
 * patched as under ours (the Google SDK's are patched at construction). Same `wrap`/`toggle` contract as
 * `spanFloor`.
 */
export function conventionsFloor(tracerProvider, instrumentation) {
  const require = createRequire(import.meta.url);
  const api = require('@opentelemetry/api');
  const tracer = tracerProvider.getTracer(CONVENTIONS_FLOOR);
  let on = true;
  return {
    wrap: (fn, onFn = fn) => {
      let shape;
      return function floored(...args) {
        if (!on) return fn.apply(this, args);
        if (shape !== undefined) return inActiveSpan(api, tracer, shape, onFn, this, args);
        return captureShape(instrumentation, fn, this, args).then((captured) => {
          shape = captured;
          return inActiveSpan(api, tracer, shape, onFn, this, args);
        });
      };
    },
    toggle: flagToggle((value) => {
      on = value;
      if (!value) instrumentation.disable();
    }),
  };
}

/** One call of `fn` with `instrumentation` enabled; returns the shape of the GenAI span it made. */
async function captureShape(instrumentation, fn, self, args) {
  const tracer = instrumentation.tracer;
  const startSpan = tracer.startSpan;
  let shape;
  tracer.startSpan = function capturing(name, options, ctx) {
    const span = startSpan.call(this, name, options, ctx);
    if (shape === undefined) {
      const s = { name, kind: options?.kind, start: { ...span.attributes }, end: undefined };
      shape = s;
      const end = span.end;
      span.end = function capturedEnd(...endArgs) {
        s.end = Object.fromEntries(Object.entries(span.attributes).filter(([k, v]) => s.start[k] !== v));
        return end.apply(this, endArgs);
      };
    }
    return span;
  };
  instrumentation.enable();
  try {
    await fn.apply(self, args);
  } finally {
    instrumentation.disable();
    delete tracer.startSpan;
  }
  if (shape?.end === undefined) throw new Error(`${CONVENTIONS_FLOOR}: the call made no span that ended`);
  return shape;
}

/**
 * What a benchmark child needs from its variant's setup (`instrumentation`: ours, a reference one, the
 * `spanFloor()` object, or undefined when uninstrumented): `wrap` for each scenario function (the floor's, or
 * none) and the `toggle` of `pairedCpu` (the floor's, or the instrumentation's enable/disable).
 */
export function pairedHooks(instrumentation) {
  if (instrumentation === undefined) return { wrap: (fn) => fn, toggle: undefined };
  if (typeof instrumentation.wrap === 'function') return instrumentation;
  return {
    wrap: (fn) => fn,
    toggle: { on: () => instrumentation.enable(), off: () => instrumentation.disable() },
  };
}

/**
 * The least an instrumentation that sees each chunk as it arrives can do: one `then` on the promise of
 * each `next()` of the stream's iterator, passing the result through, nothing read, timed nor folded. Paired
 * inside the span floor (`bareObserverLine`), its per-chunk slope is the per-chunk floor of any
 * chunk-observing instrumentation on the machine at hand, as the span floors are the per-call one.
 */
export function bareChunkObserver(stream) {
  const iterator = stream[Symbol.asyncIterator]();
  return {
    next: () => iterator.next().then(passResult),
    return: (value) => iterator.return(value),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function passResult(result) {
  return result;
}

/** The line a streaming benchmark prints for the bare chunk observer's paired figures. */
export function bareObserverLine(addedShort, addedLong, slope, short, long) {
  return `A bare chunk observer (bareChunkObserver: one \`then\` per chunk and nothing else; paired, observer off/on inside the span floor, so the context manager's promise hooks run as under ours): stream(${short}) ${addedShort.toFixed(1)} µs, stream(${long}) ${addedLong.toFixed(1)} µs, per-chunk slope ${slope.toFixed(2)} µs: the least any instrumentation that sees each chunk as it arrives adds per chunk on this machine.`;
}

/** The floor variants every replay benchmark runs after its own. */
export const FLOORS = [SPAN_FLOOR, CONVENTIONS_FLOOR];

/** A `pairedCpu` toggle that sets a flag of the benchmark: `set(true)` on, `set(false)` off. */
export function flagToggle(set) {
  return { on: () => set(true), off: () => set(false) };
}

/** Whether a variant is one of the floors (no instrumentation code, paired like ours). */
export function isFloor(variant) {
  return FLOORS.includes(variant);
}

/** What each floor's line says, after "Above the …" (see `floorLines`). */
const FLOOR_LINES = [
  [
    SPAN_FLOOR,
    `span floor (genai-ops paired minus ${SPAN_FLOOR} paired; the floor is one SDK span made active around the call and nothing else, the least any span-per-call instrumentation adds on this machine)`,
  ],
  [
    CONVENTIONS_FLOOR,
    `conventions floor (genai-ops paired minus ${CONVENTIONS_FLOOR} paired; that floor is the same span carrying the attributes ours carries, set at start and end, with no code of ours: what our own parsing, metrics and stream observation cost)`,
  ],
];

/**
 * The lines each benchmark prints after its paired table: ours minus each floor, per scenario. `rows` maps
 * a variant to its paired figures (a missing or failed floor prints no line), `ours` is our row, `parts`
 * are [scenario label, (row) => paired µs].
 */
export function floorLines(rows, ours, parts) {
  if (!ours || ours.error) return '';
  const lines = [];
  for (const [floor, what] of FLOOR_LINES) {
    const fl = rows[floor];
    if (!fl || fl.error) continue;
    const list = parts.map(([name, get]) => `${name} ${(get(ours) - get(fl)).toFixed(1)} µs`).join(', ');
    lines.push(`Above the ${what}: ${list}.`);
  }
  return lines.length === 0 ? '' : `\n${lines.join('\n')}`;
}
