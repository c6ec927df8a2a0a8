#!/usr/bin/env node
// Runs every benchmark script in this folder (or those named on the command line), one after another,
// each in its own process so they do not disturb each other. `npm run bench` builds first.
//   node bench/run.mjs            # all
//   node bench/run.mjs openai     # bench/openai.mjs only
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const scripts = readdirSync(here)
  .filter((f) => f.endsWith('.mjs') && f !== 'run.mjs' && !f.startsWith('_'))
  .filter((f) => wanted.length === 0 || wanted.includes(f.replace(/\.mjs$/, '')))
  .sort();
let failed = 0;
for (const script of scripts) {
  console.log(`\n### ${script}\n`);
  const r = spawnSync(process.execPath, ['--expose-gc', join(here, script)], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.log(`(${script} exited with ${r.status ?? r.signal})`);
  }
}
process.exitCode = failed ? 1 : 0;
