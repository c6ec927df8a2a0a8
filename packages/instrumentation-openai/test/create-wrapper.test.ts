import { isWrapped } from '@opentelemetry/instrumentation';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { OpenAIInstrumentation } from '../src/instrumentation';

/** A minimal `OpenAI` class whose `create` records exactly what it was called with. */
function fakeOpenAI() {
  const calls: Array<{ self: unknown; args: unknown[] }> = [];
  class Completions {
    _client = { baseURL: 'http://127.0.0.1:8080/v1', constructor: { name: 'OpenAI' } };
    create(...args: unknown[]): unknown {
      calls.push({ self: this, args });
      // Not an APIPromise: the wrapper ends the call at once, with what it knows.
      return { sdkResult: calls.length };
    }
  }
  const OpenAI = { Chat: { Completions } };
  return { OpenAI, completions: new Completions(), calls };
}

describe('the create wrapper', () => {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const instrumentations: OpenAIInstrumentation[] = [];

  function setup(config: ConstructorParameters<typeof OpenAIInstrumentation>[0] = {}) {
    exporter.reset();
    const instrumentation = new OpenAIInstrumentation(config);
    instrumentation.setTracerProvider(tracerProvider);
    instrumentations.push(instrumentation);
    const fake = fakeOpenAI();
    instrumentation.patchClass(fake.OpenAI);
    return { instrumentation, ...fake };
  }

  afterEach(() => {
    for (const i of instrumentations.splice(0)) i.disable();
  });

  it('passes the arguments through untouched and returns what the SDK returned', () => {
    const { completions, calls } = setup();
    const body = { model: 'gpt-4o-mini', messages: [], temperature: 0.2 };
    const options = { headers: { 'x-test': '1' } };
    expect(completions.create(body, options)).toEqual({ sdkResult: 1 });
    expect(completions.create(body)).toEqual({ sdkResult: 2 });
    expect(calls[0].self).toBe(completions);
    expect(calls[0].args).toHaveLength(2);
    expect(calls[0].args[0]).toBe(body);
    expect(calls[0].args[1]).toBe(options);
    expect(calls[1].args).toHaveLength(1);
    expect(calls[1].args[0]).toBe(body);
  });

  it('starts one span per call with only the attributes the request sets', () => {
    const { completions } = setup();
    completions.create({ model: 'gpt-4o-mini', messages: [], temperature: 0.2 });
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0].name).toBe('chat gpt-4o-mini');
    expect(spans[0].attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'server.address': '127.0.0.1',
      'server.port': 8080,
      'openai.api.type': 'chat_completions',
      'gen_ai.request.temperature': 0.2,
    });
  });

  it('asks for stream usage on a copy of the params, as configured (setConfig re-reads the option)', () => {
    const { instrumentation, completions, calls } = setup({ injectStreamUsage: false });
    const body = { model: 'gpt-4o-mini', messages: [], stream: true };
    completions.create(body);
    expect(calls[0].args[0]).toBe(body);

    instrumentation.setConfig({ injectStreamUsage: true });
    completions.create(body);
    expect(calls[1].args[0]).not.toBe(body);
    expect(calls[1].args[0]).toEqual({ ...body, stream_options: { include_usage: true } });
    expect(body).toEqual({ model: 'gpt-4o-mini', messages: [], stream: true });
    expect(exporter.getFinishedSpans().map((s) => s.attributes['gen_ai.request.stream'])).toEqual([
      true,
      true,
    ]);
  });

  it('a prototype that cannot be patched is a warning on the module hook path, not a crash', () => {
    const instrumentation = new OpenAIInstrumentation();
    instrumentations.push(instrumentation);
    class Completions {
      create(): string {
        return 'frozen';
      }
    }
    Object.freeze(Completions.prototype);
    class Embeddings {
      create(): string {
        return 'embeddings';
      }
    }
    const moduleExports = { OpenAI: { Chat: { Completions }, Embeddings } };
    // What `require('openai')` runs through the hook: it must return the exports, never throw.
    const [definition] = instrumentation.getModuleDefinitions();
    let patched: unknown;
    expect(() => {
      patched = definition!.patch!(moduleExports, '6.0.0');
    }).not.toThrow();
    expect(patched).toBe(moduleExports);
    expect(new Completions().create()).toBe('frozen');
    // The other resources are still patched.
    expect(isWrapped(Embeddings.prototype.create)).toBe(true);
    expect(() => definition!.unpatch!(moduleExports, '6.0.0')).not.toThrow();
    expect(isWrapped(Embeddings.prototype.create)).toBe(false);
  });

  it('gives a create nested in another no span of its own; one that threw leaves no nesting behind', () => {
    exporter.reset();
    const instrumentation = new OpenAIInstrumentation();
    instrumentation.setTracerProvider(tracerProvider);
    instrumentations.push(instrumentation);
    const models: string[] = [];
    class Completions {
      _client = { baseURL: 'http://127.0.0.1:8080/v1', constructor: { name: 'OpenAI' } };
      create(body: { model: string; nest?: boolean; fail?: boolean }): unknown {
        models.push(body.model);
        if (body.fail) throw new Error('SDK error');
        // As a subclass calling `super.create`, or a method wrapped twice: the wrapped create runs again,
        // synchronously, inside the first.
        if (body.nest) return this.create({ model: `${body.model}-inner` });
        return {};
      }
    }
    instrumentation.patchClass({ Chat: { Completions } });
    const completions = new Completions();
    completions.create({ model: 'outer', nest: true });
    expect(() => completions.create({ model: 'failing', fail: true })).toThrow('SDK error');
    completions.create({ model: 'later', nest: true });
    expect(models).toEqual(['outer', 'outer-inner', 'failing', 'later', 'later-inner']);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual([
      'chat outer',
      'chat failing',
      'chat later',
    ]);
  });

  it('calls the original without telemetry when disabled', () => {
    const { instrumentation, completions, calls } = setup();
    instrumentation.disable();
    const body = { model: 'gpt-4o-mini', messages: [], stream: true };
    expect(completions.create(body)).toEqual({ sdkResult: 1 });
    expect(calls[0].args[0]).toBe(body);
    expect(exporter.getFinishedSpans()).toHaveLength(0);
  });
});
