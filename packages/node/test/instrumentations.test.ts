import { describe, expect, it } from 'vitest';
import {
  KNOWN_INSTRUMENTATIONS,
  loadInstrumentations,
  selectInstrumentations,
} from '../src/instrumentations';
import { collectDiag } from './diag-capture';

describe('selectInstrumentations', () => {
  it.each<{ names: string[] | undefined; expected: string[]; logs: string[] }>([
    { names: undefined, expected: ['openai', 'anthropic', 'google-genai', 'bedrock'], logs: [] },
    { names: ['all'], expected: ['openai', 'anthropic', 'google-genai', 'bedrock'], logs: [] },
    { names: ['OpenAI', '@genai-ops/instrumentation-bedrock'], expected: ['openai', 'bedrock'], logs: [] },
    { names: ['none'], expected: [], logs: [] },
    {
      names: ['openai', 'cohere'],
      expected: ['openai'],
      logs: ['warn: GENAI_OPS_INSTRUMENTATIONS: unknown instrumentation "cohere" ignored'],
    },
  ])('$names', ({ names, expected, logs }) => {
    const out = collectDiag(() => selectInstrumentations(names).map((k) => k.name));
    expect(out).toEqual({ result: expected, logs });
  });
});

class FakeInstrumentation {
  constructor() {
    this.instrumentationName = 'fake';
  }
  instrumentationName: string;
}

function notFound(id: string): Error {
  return Object.assign(new Error(`Cannot find module '${id}'`), { code: 'MODULE_NOT_FOUND' });
}

describe('loadInstrumentations', () => {
  const [openai, anthropic, google, bedrock] = KNOWN_INSTRUMENTATIONS;

  it('constructs what loads, skips what is missing quietly and what is broken with one warning each', () => {
    const modules: Record<string, () => unknown> = {
      [openai!.packageName]: () => ({ OpenAIInstrumentation: FakeInstrumentation }),
      [anthropic!.packageName]: () => {
        throw notFound(anthropic!.packageName);
      },
      [google!.packageName]: () => {
        throw new SyntaxError('Unexpected token');
      },
      [bedrock!.packageName]: () => ({ SomethingElse: FakeInstrumentation }),
    };
    const { result, logs } = collectDiag(() =>
      loadInstrumentations(KNOWN_INSTRUMENTATIONS, (id) => modules[id]!()),
    );
    expect(result.map((i) => i instanceof FakeInstrumentation)).toEqual([true]);
    expect(logs).toEqual([
      'debug: genai-ops: @genai-ops/instrumentation-anthropic is not installed; skipped',
      'warn: genai-ops: could not load @genai-ops/instrumentation-google-genai; skipped Unexpected token',
      'warn: genai-ops: @genai-ops/instrumentation-bedrock does not export BedrockRuntimeInstrumentation; skipped',
    ]);
  });

  it('treats a missing dependency inside an installed package as broken, not as not installed', () => {
    const { result, logs } = collectDiag(() =>
      loadInstrumentations([openai!], () => {
        throw notFound('@genai-ops/core');
      }),
    );
    expect({ count: result.length, logs }).toEqual({
      count: 0,
      logs: [
        "warn: genai-ops: could not load @genai-ops/instrumentation-openai; skipped Cannot find module '@genai-ops/core'",
      ],
    });
  });

  it('survives a constructor that throws', () => {
    const { result, logs } = collectDiag(() =>
      loadInstrumentations([openai!], () => ({
        OpenAIInstrumentation: class {
          constructor() {
            throw new Error('boom');
          }
        },
      })),
    );
    expect({ count: result.length, logs }).toEqual({
      count: 0,
      logs: ['warn: genai-ops: could not load @genai-ops/instrumentation-openai; skipped boom'],
    });
  });
});
