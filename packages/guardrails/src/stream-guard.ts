import type { Action, EvaluateContext, Policy, Verdict, VerdictFinding } from './policy';
import { maxAction } from './policy';

/** Options of `createStreamGuard`. */
export interface StreamGuardOptions {
  /** Source of the streamed text. Default `'model'`. */
  source?: EvaluateContext['source'];
  /** Extra canaries for this stream. */
  canaries?: readonly string[];
  /** HMAC key for hash redaction. */
  hashKey?: string | Buffer;
  /** Characters of already-released text kept as context for the next scan. Default 256. */
  lookBehind?: number;
  /**
   * Characters withheld at the end of the pending text, because a value may continue in the next delta.
   * The cut also never splits a finding or a whitespace-free token (up to `maxHold`). Default 64.
   */
  holdBack?: number;
  /** Upper bound on withheld text; beyond it text is released anyway. Default 1024. */
  maxHold?: number;
}

/** Result of `push`/`finish`. */
export interface StreamStep {
  /** Most severe action for the text examined in this step (`block` is sticky). */
  action: Action;
  /** Text safe to forward now (redacted where the policy says so). Empty when blocked or withheld. */
  redacted?: string;
  /** New findings in this step, offsets relative to the whole stream. */
  findings: VerdictFinding[];
}

/** Incremental output guard. */
export interface StreamGuard {
  /** Feed the next delta; returns what may be released now. After a block, every call returns `block`. */
  push(delta: string): StreamStep;
  /** End of stream: release the withheld tail (scanned as final). */
  finish(): StreamStep;
  /** Whether a block rule fired. */
  readonly blocked: boolean;
  /** Counts per finding kind over the whole stream. */
  readonly counts: Readonly<Record<string, number>>;
}

/**
 * Guard a streamed model output with a policy's `output` section. Each `push` scans the withheld tail plus a
 * bounded look-behind of released text (so the cost per delta is bounded, whatever the stream length),
 * releases the safe prefix (redacted), and stops the stream as soon as a `block` rule fires.
 * The JSON Schema check needs the whole output, so when the policy has one the guard keeps the raw text and
 * validates it in `finish` (a `block` there means the completed output is invalid).
 *
 * @example
 * const guard = createStreamGuard(policy, { canaries: [canary] });
 * for await (const delta of stream) {
 *   const step = guard.push(delta);
 *   if (step.action === 'block') { controller.abort(); break; }
 *   if (step.redacted) write(step.redacted);
 * }
 * write(guard.finish().redacted ?? '');
 */
export function createStreamGuard(policy: Policy, opts: StreamGuardOptions = {}): StreamGuard {
  const lookBehind = opts.lookBehind ?? 256;
  const holdBack = opts.holdBack ?? 64;
  const maxHold = Math.max(opts.maxHold ?? 1024, holdBack);
  // JSON Schema needs the whole output: it is checked once, on finish, over the retained text.
  const schemaOn = policy.config.output?.schema !== undefined;
  const ctx: EvaluateContext = {
    direction: 'output',
    source: opts.source ?? 'model',
    detectors: ['pii', 'secrets', 'injection', 'policy', 'canary'],
  };
  if (opts.canaries) ctx.canaries = opts.canaries;
  if (opts.hashKey !== undefined) ctx.hashKey = opts.hashKey;
  let whole = '';
  let context = ''; // tail of released (raw) text
  let pending = ''; // not yet released
  let released = 0; // absolute offset of `pending[0]`
  let blocked = false;
  const counts: Record<string, number> = {};
  const reported = new Set<string>();

  function step(final: boolean): StreamStep {
    if (blocked) return { action: 'block', redacted: '', findings: [] };
    const window = context + pending;
    const base = released - context.length;
    const v: Verdict = policy.evaluate(window, ctx);
    // Findings only in released context were handled by an earlier step.
    const relevant = v.findings.filter((f) => f.end === undefined || f.end > context.length);
    let action: Action = 'allow';
    const fresh: VerdictFinding[] = [];
    for (const f of relevant) {
      action = maxAction(action, f.action);
      const key = `${f.type}:${f.start === undefined ? (f.rules ?? []).join(',') : base + f.start}`;
      if (reported.has(key)) continue;
      reported.add(key);
      const abs = { ...f };
      if (abs.start !== undefined) abs.start += base;
      if (abs.end !== undefined) abs.end += base;
      fresh.push(abs);
      const k = f.detector === 'policy' ? `POLICY:${f.category}` : f.type;
      counts[k] = (counts[k] ?? 0) + 1;
    }
    if (action === 'block') {
      blocked = true;
      pending = '';
      return { action, redacted: '', findings: fresh };
    }
    // Decide how much of `pending` to release.
    let cut = final ? pending.length : Math.max(0, pending.length - holdBack);
    if (!final) {
      for (const f of relevant) {
        if (f.start === undefined || f.end === undefined) continue;
        const s = f.start - context.length;
        const e = f.end - context.length;
        if (s < cut && e > cut) cut = Math.max(0, s);
      }
      // Do not cut a token that may still be growing (a key, an email, a canary).
      let t = cut;
      while (t > 0 && !/\s/.test(pending[t - 1]!) && pending.length - t < maxHold) t--;
      if (t > 0 || pending.length - cut < maxHold) cut = t;
    }
    const out = pending.slice(0, cut);
    const toRedact = relevant
      .filter((f) => f.action === 'redact' && f.start !== undefined && f.start - context.length < cut)
      .map((f) => ({
        type: f.type,
        start: Math.max(0, f.start! - context.length),
        end: Math.min(cut, f.end! - context.length),
      }));
    const redacted = toRedact.length > 0 ? policy.redact(out, toRedact, opts.hashKey) : out;
    context = (context + out).slice(-lookBehind);
    pending = pending.slice(cut);
    released += cut;
    return { action, redacted, findings: fresh };
  }

  return {
    push(delta: string): StreamStep {
      if (blocked) return { action: 'block', redacted: '', findings: [] };
      pending += delta;
      if (schemaOn) whole += delta;
      return step(false);
    },
    finish(): StreamStep {
      const last = step(true);
      if (!schemaOn || blocked) return last;
      const v = policy.evaluate(whole, { direction: 'output', detectors: ['schema'] });
      for (const f of v.findings) {
        const k = f.type;
        counts[k] = (counts[k] ?? 0) + 1;
      }
      if (v.action === 'block') blocked = true;
      return {
        action: maxAction(last.action, v.action),
        redacted: last.redacted ?? '',
        findings: [...last.findings, ...v.findings],
      };
    },
    get blocked() {
      return blocked;
    },
    get counts() {
      return counts;
    },
  };
}
