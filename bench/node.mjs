// Start-up cost of the register entry: wall time of a Node process that does nothing, without and with
// `--require` / `--import @genai-ops/node/register`, and of the CommonJS chat example (two calls to an
// in-process fake provider) without and with the register entry. Telemetry goes to a local OTLP/HTTP sink.
//   npm run build && node bench/node.mjs [runs]

import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number.parseInt(process.argv[2] ?? '7', 10);

const sink = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.end('{}'));
});
await new Promise((r) => sink.listen(0, '127.0.0.1', r));
const endpoint = `http://127.0.0.1:${sink.address().port}`;

// Wall time is at the mercy of the machine's load; the CPU time (user + sys, from the child's exit
// rusage through /usr/bin/time) is the steadier figure of what the register entry costs.
function time(args) {
  return new Promise((resolvePromise, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn('/usr/bin/time', ['-f', 'CPU %U %S', process.execPath, ...args], {
      cwd: root,
      env: {
        ...process.env,
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        OPENAI_API_KEY: '',
        FAKE_PROVIDER_URL: '',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - started) / 1e6;
      const m = /CPU ([\d.]+) ([\d.]+)/.exec(stderr);
      if (code !== 0 || !m) reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
      else resolvePromise({ wall, cpu: (Number(m[1]) + Number(m[2])) * 1000 });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cases = [
  ['empty script', ['-e', '']],
  ['empty script, --require register', ['--require', '@genai-ops/node/register', '-e', '']],
  ['empty script, --import register', ['--import', '@genai-ops/node/register', '-e', '']],
  ['chat example (2 calls)', ['examples/chat-cjs/index.js']],
  [
    'chat example, --require register',
    ['--require', '@genai-ops/node/register', 'examples/chat-cjs/index.js'],
  ],
];
const rows = [];
for (const [name, args] of cases) {
  await time(args); // warm the file cache
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(await time(args));
  rows.push({
    case: name,
    'wall median ms': Math.round(median(samples.map((s) => s.wall))),
    'wall min ms': Math.round(Math.min(...samples.map((s) => s.wall))),
    'CPU median ms': Math.round(median(samples.map((s) => s.cpu))),
  });
}
sink.close();

console.log(`node ${process.version}, ${runs} runs per case`);
console.table(rows);
