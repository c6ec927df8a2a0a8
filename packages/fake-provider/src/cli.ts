#!/usr/bin/env node
/**
 * `genai-ops-fake-provider [--port 8787] [--host 127.0.0.1] [--chunk-delay-ms 0]`: serve the fake provider until
 * SIGINT/SIGTERM. Prints the base URL on stdout.
 */
import { parseArgs } from 'node:util';
import { startFakeProvider } from './server';

const USAGE = 'Usage: genai-ops-fake-provider [--port 8787] [--host 127.0.0.1] [--chunk-delay-ms 0]';

function toInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) {
    process.stderr.write(`Invalid --${name}: ${value}\n${USAGE}\n`);
    process.exit(2);
  }
  return n;
}

async function main(): Promise<void> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'chunk-delay-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const fake = await startFakeProvider({
    port: toInt('port', values.port as string | undefined, 8787),
    host: (values.host as string | undefined) ?? '127.0.0.1',
    chunkDelayMs: toInt('chunk-delay-ms', values['chunk-delay-ms'] as string | undefined, 0),
  });
  process.stdout.write(`fake provider listening on ${fake.url}\n`);
  const stop = (): void => {
    fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`genai-ops-fake-provider: ${String(err)}\n`);
  process.exit(1);
});
