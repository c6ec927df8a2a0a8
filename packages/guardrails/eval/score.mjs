// Scores a guardrails build against eval/cases.json. Shared by bench/guardrails-eval.mjs and the vitest
// regression test. `api` must provide detectPii(text) and detectInjection(text, { source }).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export function loadCases() {
  return JSON.parse(readFileSync(join(here, 'cases.json'), 'utf8'));
}

const prf = (tp, fp, fn) => {
  const precision = tp + fp === 0 ? 1 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 1 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { tp, fp, fn, precision, recall, f1 };
};

/** Score one split ('dev' | 'holdout' | 'all'). Returns per-type PII metrics, overall PII and injection. */
export function score(api, split = 'all') {
  const cases = loadCases().filter((c) => split === 'all' || c.split === split);
  const per = new Map();
  const bump = (type, k) => {
    const m = per.get(type) ?? { tp: 0, fp: 0, fn: 0 };
    m[k]++;
    per.set(type, m);
  };
  let invalidReported = 0;
  let invalidCases = 0;
  const errors = [];
  for (const c of cases.filter((x) => x.kind === 'pii')) {
    const found = api.detectPii(c.text);
    const expected = c.expect.pii.map((e) => {
      const start = c.text.indexOf(e.value);
      return { type: e.type, start, end: start + e.value.length, hit: false };
    });
    for (const f of found) {
      const match = expected.find((e) => !e.hit && e.type === f.type && f.start < e.end && e.start < f.end);
      if (match) {
        match.hit = true;
        bump(f.type, 'tp');
      } else {
        bump(f.type, 'fp');
        errors.push({
          id: c.id,
          kind: 'fp',
          type: f.type,
          text: c.text,
          value: c.text.slice(f.start, f.end),
        });
      }
    }
    for (const e of expected) {
      if (!e.hit) {
        bump(e.type, 'fn');
        errors.push({ id: c.id, kind: 'fn', type: e.type, text: c.text });
      }
    }
    if (c.invalidOf) {
      invalidCases++;
      const s = c.text.indexOf(c.invalidValue);
      const e = s + c.invalidValue.length;
      if (found.some((f) => f.type === c.invalidOf && f.start < e && s < f.end)) invalidReported++;
    }
  }
  const types = {};
  let T = 0;
  let F = 0;
  let N = 0;
  for (const [type, m] of [...per.entries()].sort()) {
    types[type] = prf(m.tp, m.fp, m.fn);
    T += m.tp;
    F += m.fp;
    N += m.fn;
  }
  const inj = { tp: 0, fp: 0, fn: 0, tn: 0 };
  const byTag = {};
  for (const c of cases.filter((x) => x.kind === 'injection')) {
    const r = api.detectInjection(c.text, { source: c.source ?? 'user' });
    const want = c.expect.injection;
    const k = want ? (r.flagged ? 'tp' : 'fn') : r.flagged ? 'fp' : 'tn';
    inj[k]++;
    byTag[c.tag] ??= { n: 0, correct: 0 };
    const t = byTag[c.tag];
    t.n++;
    if (k === 'tp' || k === 'tn') t.correct++;
    else errors.push({ id: c.id, kind: `injection-${k}`, text: c.text, score: r.score, rules: r.rules });
  }
  const injection = {
    ...prf(inj.tp, inj.fp, inj.fn),
    tn: inj.tn,
    fpr: inj.fp + inj.tn === 0 ? 0 : inj.fp / (inj.fp + inj.tn),
    byTag,
  };
  return { split, pii: { ...prf(T, F, N), types, invalidCases, invalidReported }, injection, errors };
}
