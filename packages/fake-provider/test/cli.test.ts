import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const CLI = join(__dirname, '..', 'dist', 'cli.js');
let child: ChildProcess | undefined;

afterEach(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  child = undefined;
});

/** Wait (bounded) for the CLI to print its URL. */
function readUrl(proc: ChildProcess, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`no URL within ${timeoutMs} ms; output: ${out}`)),
      timeoutMs,
    );
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /(http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}; output: ${out}`));
    });
  });
}

describe('genai-ops-fake-provider CLI (built dist/cli.js)', () => {
  it('starts, prints its URL, answers, and exits 0 on SIGTERM', async () => {
    child = spawn(process.execPath, [CLI, '--port', '0', '--host', '127.0.0.1', '--chunk-delay-ms', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const url = await readUrl(child);
    const res = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'from the cli' }] }),
    });
    const body = (await res.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]!.message.content).toBe('Echo: from the cli lorem');
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('rejects a bad option with exit code 2', async () => {
    child = spawn(process.execPath, [CLI, '--port', 'abc'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
  });
});
