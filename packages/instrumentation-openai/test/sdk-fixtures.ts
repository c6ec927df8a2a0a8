/**
 * Test support: each SDK version under test is reached as `openai` from test/fixtures/sdk/<v>/ through a
 * `node_modules/openai` link to the installed alias (openai-v4, openai-v3, openai). Children run with
 * `--preserve-symlinks`, so the module hooks see the package name `openai`, as in a user's app.
 */
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { CapturedSpan } from '../../../test/helpers/otlp-capture';
import { REPO_ROOT } from '../../../test/helpers/run-node';

export const FIXTURES = resolve(__dirname, 'fixtures');

const ALIASES: Record<string, string> = { v3: 'openai-v3', v4: 'openai-v4', v6: 'openai' };

/** Creates the `node_modules/openai` link of each SDK fixture directory (idempotent). */
export function linkSdkFixtures(): void {
  for (const [version, alias] of Object.entries(ALIASES)) {
    const dir = join(FIXTURES, 'sdk', version, 'node_modules');
    const link = join(dir, 'openai');
    if (existsSync(link)) continue;
    mkdirSync(dir, { recursive: true });
    symlinkSync(relative(dir, join(REPO_ROOT, 'node_modules', alias)), link, 'dir');
  }
}

export interface ScenarioResult {
  name: string;
  ok: boolean;
  detail?: any;
  error?: string;
}

/** The `RESULT {json}` lines a fixture printed, by scenario name. */
export function parseResults(stdout: string): Record<string, ScenarioResult> {
  const out: Record<string, ScenarioResult> = {};
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('RESULT ')) continue;
    const r = JSON.parse(line.slice(7)) as ScenarioResult;
    out[r.name] = r;
  }
  return out;
}

/** Spans grouped by scenario (request model `m-<name>`). */
export function spansByScenario(spans: CapturedSpan[]): Record<string, CapturedSpan[]> {
  const out: Record<string, CapturedSpan[]> = {};
  for (const s of spans) {
    const model = s.attributes['gen_ai.request.model'];
    if (typeof model !== 'string' || !model.startsWith('m-')) continue;
    const key = model.slice(2);
    const list = out[key] ?? [];
    list.push(s);
    out[key] = list;
  }
  return out;
}

/** Replaces volatile values (ids, ports, durations) so whole attribute maps can be compared. */
export function normalize(attributes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...attributes };
  if (typeof out['server.port'] === 'number') out['server.port'] = '<port>';
  if (typeof out['gen_ai.response.id'] === 'string') out['gen_ai.response.id'] = '<id>';
  if (typeof out['gen_ai.response.time_to_first_chunk'] === 'number')
    out['gen_ai.response.time_to_first_chunk'] = '<ttfc>';
  return out;
}
