/**
 * The register entry in real Node processes (`--require @genai-ops/node/register`), configured by the
 * environment the way users configure it, exporting over OTLP/HTTP to a local receiver.
 */
import { resolve } from 'node:path';
import { type FakeProvider, startFakeProvider } from '@genai-ops/fake-provider';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OtlpCapture } from '../../../test/helpers/otlp-capture';
import { otlpEnv, runNode } from '../../../test/helpers/run-node';
import {
  METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
} from '../../core/src/semconv';

const REQUIRE = ['--require', '@genai-ops/node/register'];
const IMPORT = ['--import', '@genai-ops/node/register'];
const ONE_SPAN = resolve(__dirname, 'fixtures/one-span.cjs');
const OWN_SDK_APP = resolve(__dirname, 'fixtures/own-sdk-app.cjs');
const RESOLVE_OPENAI = resolve(__dirname, 'fixtures/resolve-openai.mjs');

let fake: FakeProvider;
let capture: OtlpCapture;

beforeAll(async () => {
  fake = await startFakeProvider();
});
afterAll(async () => {
  await fake?.close();
});
beforeEach(async () => {
  capture = new OtlpCapture();
  await capture.start();
});
afterEach(async () => {
  await capture.close();
});

function env(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return otlpEnv(capture.url, {
    OTEL_LOG_LEVEL: undefined,
    OTEL_SDK_DISABLED: undefined,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    GENAI_OPS_INSTRUMENTATIONS: 'openai',
    ...extra,
  });
}

function stderrLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '');
}

describe('register entry: bad environment values get one clear diagnostic', () => {
  it.each(['warn', 'info'])(
    'reports an invalid OTEL_METRIC_EXPORT_INTERVAL and OTEL_METRICS_EXPORTER with OTEL_LOG_LEVEL=%s too',
    async (level) => {
      const result = await runNode(ONE_SPAN, {
        nodeArgs: REQUIRE,
        env: env({
          OTEL_LOG_LEVEL: level,
          OTEL_METRICS_EXPORTER: 'otlp,bogus',
          OTEL_METRIC_EXPORT_INTERVAL: 'soon',
        }),
      });
      expect([result.code, result.signal]).toEqual([0, null]);
      const lines = stderrLines(result.stderr);
      expect(lines.filter((l) => l.includes('OTEL_METRIC_EXPORT_INTERVAL (soon) is invalid'))).toHaveLength(
        1,
      );
      expect(
        lines.filter((l) => l.includes('Unsupported OTEL_METRICS_EXPORTER value: "bogus"')),
      ).toHaveLength(1);
    },
  );

  it('reports an unknown OTEL_LOG_LEVEL and keeps the default level', async () => {
    const result = await runNode(ONE_SPAN, { nodeArgs: REQUIRE, env: env({ OTEL_LOG_LEVEL: 'loud' }) });
    expect([result.code, result.signal]).toEqual([0, null]);
    expect(stderrLines(result.stderr)).toEqual([
      '[genai-ops] warn: OTEL_LOG_LEVEL: unknown value "loud", expected one of NONE, ERROR, WARN, INFO, DEBUG, VERBOSE, ALL; using WARN',
    ]);
    await capture.waitFor(() => capture.spans.length === 1, 10_000, 'the span');
  });

  // Only a case-insensitive "true" disables the SDK; any other value MUST be read as false (with a warning).
  // https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/#parsing-empty-value
  it.each(['1', 'yes'])(
    'OTEL_SDK_DISABLED=%s is not "true": the SDK runs, with one warning',
    async (value) => {
      const result = await runNode(ONE_SPAN, { nodeArgs: REQUIRE, env: env({ OTEL_SDK_DISABLED: value }) });
      expect([result.code, result.signal]).toEqual([0, null]);
      expect(stderrLines(result.stderr)).toEqual([
        `[genai-ops] warn: Unknown value '${value}' for OTEL_SDK_DISABLED, expected 'true' or 'false', falling back to 'false' (default)`,
      ]);
      await capture.waitFor(() => capture.spans.length === 1, 10_000, 'the span');
    },
  );

  it('OTEL_SDK_DISABLED=TRUE (any case) disables it', async () => {
    const result = await runNode(ONE_SPAN, { nodeArgs: REQUIRE, env: env({ OTEL_SDK_DISABLED: 'TRUE' }) });
    expect([result.code, result.signal, result.stderr]).toEqual([0, null, '']);
    expect(capture.requests).toEqual({});
  });
});

describe('register entry in an app that already set up its own OpenTelemetry SDK', () => {
  it('adds the instrumentations to the app providers: no second SDK, no errors, GenAI metrics where the app reads them', async () => {
    const result = await runNode(OWN_SDK_APP, {
      env: env({
        FAKE_PROVIDER_URL: fake.url,
        OTEL_METRICS_EXPORTER: undefined,
        OTEL_LOGS_EXPORTER: undefined,
      }),
    });
    expect([result.code, result.signal, result.stderr]).toEqual([0, null, '']);
    const out = JSON.parse(result.stdout.trim().split('\n').pop()!) as { spans: string[]; metrics: string[] };
    expect(out).toEqual({
      spans: ['chat gpt-4o-mini'],
      metrics: [METRIC_GEN_AI_CLIENT_OPERATION_DURATION, METRIC_GEN_AI_CLIENT_TOKEN_USAGE].sort(),
    });
    // Nothing of ours exported anything on the side.
    expect(capture.requests).toEqual({});
  });
});

describe('ESM register entry (--import) and OTEL_SDK_DISABLED', () => {
  it.each<[string | undefined, boolean]>([
    [undefined, true],
    ['true', false],
  ])('OTEL_SDK_DISABLED=%s: the SDK modules go through the import hook: %s', async (disabled, hooked) => {
    const result = await runNode(RESOLVE_OPENAI, {
      nodeArgs: IMPORT,
      env: env({ OTEL_SDK_DISABLED: disabled }),
    });
    expect([result.code, result.signal, result.stderr]).toEqual([0, null, '']);
    expect(result.stdout.trim().endsWith('?iitm=true')).toBe(hooked);
  });
});
