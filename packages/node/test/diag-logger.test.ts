import { DiagLogLevel } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { DedupingDiagLogger } from '../src/diag-logger';

type Call = ['error' | 'warn' | 'info' | 'debug', string, ...unknown[]];

function run(level: DiagLogLevel, calls: Call[]): { lines: string[]; suppressed: number } {
  const lines: string[] = [];
  const logger = new DedupingDiagLogger(level, (l) => lines.push(l));
  for (const [method, message, ...args] of calls) logger[method](message, ...args);
  return { lines, suppressed: logger.suppressed };
}

const refused = new Error('connect ECONNREFUSED 127.0.0.1:4318');

describe('DedupingDiagLogger', () => {
  it.each<{
    name: string;
    level: DiagLogLevel;
    calls: Call[];
    expected: { lines: string[]; suppressed: number };
  }>([
    {
      name: 'folds every export failure, whatever the signal, into the first',
      level: DiagLogLevel.WARN,
      calls: [
        ['error', 'Export failed', refused],
        ['error', 'PeriodicExportingMetricReader: metrics export failed', refused],
        ['warn', 'OTLPExporterBase: export timed out'],
      ],
      expected: {
        lines: [
          '[genai-ops] error: telemetry export failed: Export failed connect ECONNREFUSED 127.0.0.1:4318 (further export errors are not shown)',
        ],
        suppressed: 2,
      },
    },
    {
      name: 'prints each other message once',
      level: DiagLogLevel.WARN,
      calls: [
        ['warn', 'genai-ops: could not load x'],
        ['warn', 'genai-ops: could not load x'],
        ['warn', 'genai-ops: could not load y'],
      ],
      expected: {
        lines: [
          '[genai-ops] warn: genai-ops: could not load x',
          '[genai-ops] warn: genai-ops: could not load y',
        ],
        suppressed: 1,
      },
    },
    {
      name: 'does not mistake configuration notes that name an exporter for export failures',
      level: DiagLogLevel.INFO,
      calls: [
        ['info', 'OTEL_LOGS_EXPORTER contains "none". Logger provider will not be initialized.'],
        ['error', 'PeriodicExportingMetricReader: metrics export timed out after 200ms'],
        ['error', 'Export failed with non-retryable error: Bad Request'],
      ],
      expected: {
        lines: [
          '[genai-ops] info: OTEL_LOGS_EXPORTER contains "none". Logger provider will not be initialized.',
          '[genai-ops] error: telemetry export failed: PeriodicExportingMetricReader: metrics export timed out after 200ms (further export errors are not shown)',
        ],
        suppressed: 1,
      },
    },
    {
      name: 'keeps quiet at WARN about an exporter the user set to none',
      level: DiagLogLevel.WARN,
      calls: [['warn', 'OTEL_TRACES_EXPORTER contains "none". SDK will not be initialized.']],
      expected: { lines: [], suppressed: 0 },
    },
    {
      name: 'still warns about "none" mixed with other exporters: a misconfiguration, not a choice',
      level: DiagLogLevel.WARN,
      calls: [
        [
          'warn',
          'OTEL_TRACES_EXPORTER contains "none" along with other exporters. Using default otlp exporter.',
        ],
      ],
      expected: {
        lines: [
          '[genai-ops] warn: OTEL_TRACES_EXPORTER contains "none" along with other exporters. Using default otlp exporter.',
        ],
        suppressed: 0,
      },
    },
    {
      name: 'renders objects as JSON on one line',
      level: DiagLogLevel.WARN,
      calls: [['warn', 'bad value', { a: 1 }, 'multi\nline']],
      expected: { lines: ['[genai-ops] warn: bad value {"a":1} multi line'], suppressed: 0 },
    },
    {
      name: 'dedupes nothing at DEBUG: the user asked for everything',
      level: DiagLogLevel.DEBUG,
      calls: [
        ['error', 'Export failed', refused],
        ['error', 'Export failed', refused],
        ['debug', 'x'],
      ],
      expected: {
        lines: [
          '[genai-ops] error: Export failed connect ECONNREFUSED 127.0.0.1:4318',
          '[genai-ops] error: Export failed connect ECONNREFUSED 127.0.0.1:4318',
          '[genai-ops] debug: x',
        ],
        suppressed: 0,
      },
    },
  ])('$name', ({ level, calls, expected }) => {
    expect(run(level, calls)).toEqual(expected);
  });
});
