// Accuracy of @genai-ops/guardrails on its labelled evaluation set (packages/guardrails/eval/cases.json).
// Usage: npx tsc -b packages/guardrails && node bench/guardrails-eval.mjs [--errors]
import { createRequire } from 'node:module';
import { score } from '../packages/guardrails/eval/score.mjs';

const require = createRequire(import.meta.url);
const api = require('../packages/guardrails/dist/index.js');
const showErrors = process.argv.includes('--errors');
const pct = (x) => (100 * x).toFixed(1).padStart(6);

for (const split of ['dev', 'holdout', 'all']) {
  const r = score(api, split);
  console.log(`\n== ${split} ==`);
  console.log('type          tp   fp   fn   prec    rec     F1');
  for (const [t, m] of Object.entries(r.pii.types)) {
    console.log(
      `${t.padEnd(12)} ${String(m.tp).padStart(3)}  ${String(m.fp).padStart(3)}  ${String(m.fn).padStart(3)} ${pct(m.precision)} ${pct(m.recall)} ${pct(m.f1)}`,
    );
  }
  const p = r.pii;
  console.log(
    `${'PII (micro)'.padEnd(12)} ${String(p.tp).padStart(3)}  ${String(p.fp).padStart(3)}  ${String(p.fn).padStart(3)} ${pct(p.precision)} ${pct(p.recall)} ${pct(p.f1)}`,
  );
  console.log(`checksum-invalid look-alikes reported: ${p.invalidReported} / ${p.invalidCases}`);
  const i = r.injection;
  console.log(
    `injection: tp ${i.tp} fp ${i.fp} fn ${i.fn} tn ${i.tn}  precision ${pct(i.precision)}  recall ${pct(i.recall)}  F1 ${pct(i.f1)}  FPR ${pct(i.fpr)}%`,
  );
  console.log(
    `  by tag: ${Object.entries(i.byTag)
      .map(([t, m]) => `${t} ${m.correct}/${m.n}`)
      .join(', ')}`,
  );
  if (showErrors && split !== 'all') for (const e of r.errors) console.log('  ERR', JSON.stringify(e));
}
