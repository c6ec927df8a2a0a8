import { describe, expect, it } from 'vitest';
import { createCanary } from '../src/canary';
import { defaultPolicy, loadPolicy } from '../src/policy';
import { createStreamGuard, type StreamGuard } from '../src/stream-guard';

/** Feed `text` in deltas of `size`; returns released text and whether/when it blocked. */
function run(guard: StreamGuard, text: string, size: number): { out: string; blockedAt?: number } {
  let out = '';
  for (let i = 0; i < text.length; i += size) {
    const step = guard.push(text.slice(i, i + size));
    out += step.redacted ?? '';
    if (step.action === 'block') return { out, blockedAt: i };
  }
  out += guard.finish().redacted ?? '';
  return { out };
}

describe('createStreamGuard', () => {
  it('clean text passes through unchanged whatever the delta size', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(20);
    for (const size of [1, 3, 17, 200]) {
      const g = createStreamGuard(defaultPolicy);
      expect(run(g, text, size)).toEqual({ out: text });
      expect(g.blocked).toBe(false);
    }
  });

  it('redacts a secret split across deltas and never releases part of it', () => {
    const key = `sk-proj-${'a1B2c3D4e5'.repeat(5)}`;
    const text = `Sure, your key is ${key} and that is all. ${'More words follow here. '.repeat(10)}`;
    for (const size of [1, 5, 13]) {
      const g = createStreamGuard(defaultPolicy);
      let released = '';
      let out = '';
      for (let i = 0; i < text.length; i += size) {
        const step = g.push(text.slice(i, i + size));
        released += step.redacted ?? '';
        out += step.redacted ?? '';
        // No prefix of the key longer than its vendor prefix ever leaves the guard.
        expect(released).not.toContain(key.slice(0, 12));
      }
      out += g.finish().redacted ?? '';
      expect(out).toBe(text.replace(key, '[API_KEY]'));
      expect(g.counts).toEqual({ API_KEY: 1 });
    }
  });

  it('a canary blocks mid-stream and stops releasing text', () => {
    const c = createCanary();
    const text = `Harmless start. ${'filler text. '.repeat(30)}The hidden token is ${c} and more text after it.`;
    const g = createStreamGuard(defaultPolicy, { canaries: [c] });
    const r = run(g, text, 4);
    expect(r.blockedAt).toBeDefined();
    expect(r.blockedAt!).toBeLessThan(text.length);
    expect(r.out).not.toContain(c.slice(0, 6));
    expect(text.startsWith(r.out)).toBe(true);
    expect(g.blocked).toBe(true);
    expect(g.push('anything')).toEqual({ action: 'block', redacted: '', findings: [] });
    expect(g.finish().action).toBe('block');
  });

  it('findings carry stream offsets and are reported once', () => {
    const p = loadPolicy({ name: 's', output: { pii: { action: 'flag' } } });
    const g = createStreamGuard(p);
    const text = `${'a '.repeat(200)}mail ana@example.com ${'b '.repeat(300)}`;
    const all = [];
    for (let i = 0; i < text.length; i += 7) all.push(...g.push(text.slice(i, i + 7)).findings);
    all.push(...g.finish().findings);
    expect(all.map((f) => [f.type, text.slice(f.start, f.end)])).toEqual([['EMAIL', 'ana@example.com']]);
  });

  it('JSON Schema is checked once on finish, not on partial output', () => {
    const p = loadPolicy({
      name: 'json',
      output: {
        secrets: { action: 'redact' },
        schema: { action: 'block', schema: { type: 'object', required: ['answer'] } },
      },
    });
    const ok = createStreamGuard(p);
    expect(run(ok, '{"answer": "forty-two"}', 3)).toEqual({ out: '{"answer": "forty-two"}' });
    expect(ok.blocked).toBe(false);
    const bad = createStreamGuard(p);
    for (const d of ['{"ans', 'wer2": 1}']) expect(bad.push(d).action).toBe('allow');
    const end = bad.finish();
    expect(end.action).toBe('block');
    expect(end.findings.map((f) => f.type)).toEqual(['SCHEMA']);
    expect(bad.blocked).toBe(true);
  });

  it('uses the policy redaction style (hash placeholders)', () => {
    const p = loadPolicy({ name: 'h', output: { pii: { action: 'redact' } }, redaction: { mode: 'hash' } });
    const g = createStreamGuard(p, { hashKey: 'k' });
    const r = run(g, 'write to ana@example.com today', 5);
    expect(r.out).toMatch(/^write to \[EMAIL:[0-9a-f]{8}\] today$/);
  });

  it('per-push work is bounded by the look-behind, not the stream length', () => {
    const g = createStreamGuard(defaultPolicy, { lookBehind: 256 });
    const delta = 'lorem ipsum dolor sit amet, consectetur adipiscing elit. ';
    // Best of several batches: the least noisy estimate on a shared machine.
    const batch = () => {
      let best = Number.POSITIVE_INFINITY;
      for (let r = 0; r < 5; r++) {
        const t0 = performance.now();
        for (let i = 0; i < 50; i++) g.push(delta);
        best = Math.min(best, performance.now() - t0);
      }
      return best;
    };
    batch();
    const early = batch();
    for (let i = 0; i < 2000; i++) g.push(delta); // the stream grows ~100x longer
    const late = batch();
    expect(late).toBeLessThan(early * 3 + 5);
  });
});
