/**
 * `node --import @genai-ops/node/register` on the oldest supported openai major in ESM. The register
 * entry scopes import-in-the-middle to the SDKs we instrument; wrapping every module breaks openai v4's
 * side-effect shims (nodejs/import-in-the-middle#113).
 */
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OtlpCapture } from '../helpers/otlp-capture.js';
import { otlpEnv, REPO_ROOT, runNode } from '../helpers/run-node.js';
import { validateAttributes } from '../helpers/semconv.js';

const APP_DIR = join(REPO_ROOT, 'test/e2e/fixtures/openai-v4-esm');
const capture = new OtlpCapture();

beforeAll(async () => {
  rmSync(join(APP_DIR, 'node_modules'), { recursive: true, force: true });
  mkdirSync(join(APP_DIR, 'node_modules'), { recursive: true });
  symlinkSync(join(REPO_ROOT, 'node_modules/openai-v4'), join(APP_DIR, 'node_modules/openai'), 'dir');
  await capture.start();
});

afterAll(async () => {
  await capture.close();
  rmSync(join(APP_DIR, 'node_modules'), { recursive: true, force: true });
});

describe('ESM register entry', () => {
  it('patches `import OpenAI from "openai"` on openai v4', async () => {
    const run = await runNode(join(APP_DIR, 'app.mjs'), {
      nodeArgs: ['--import', '@genai-ops/node/register'],
      env: otlpEnv(capture.url, { OTEL_SERVICE_NAME: 'esm-v4', OTEL_LOGS_EXPORTER: 'none' }),
      timeoutMs: 60_000,
    });
    expect(run.stderr, run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').pop()!);
    expect(out.version).toMatch(/^4\./);
    await capture.waitFor(
      () => capture.spansNamed('chat gpt-4o-mini').length === 2,
      15_000,
      'two chat spans',
    );
    const [plain, streamed] = capture
      .spansNamed('chat gpt-4o-mini')
      .sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)));
    expect(plain!.resource['service.name']).toBe('esm-v4');
    expect(plain!.attributes['gen_ai.provider.name']).toBe('openai');
    expect(plain!.attributes['gen_ai.usage.input_tokens']).toBe(out.usage.prompt_tokens);
    expect(plain!.attributes['gen_ai.usage.output_tokens']).toBe(out.usage.completion_tokens);
    expect(streamed!.attributes['gen_ai.request.stream']).toBe(true);
    expect(typeof streamed!.attributes['gen_ai.usage.output_tokens']).toBe('number');
    expect(out.streamed).toBeGreaterThan(0);
    expect(validateAttributes(plain!.attributes)).toEqual([]);
    expect(validateAttributes(streamed!.attributes)).toEqual([]);
  });
});
