import { DiagLogLevel, diag } from '@opentelemetry/api';
import { isWrapped } from '@opentelemetry/instrumentation';
import { describe, expect, it } from 'vitest';
import { AnthropicInstrumentation, instrumentAnthropic } from '../src/index.js';

/** A stand-in with the SDK's shape (`Anthropic.Messages`, `Anthropic.Beta.Messages`); the real SDK runs in instrumentation.test.ts. */
function fakeSdk() {
  class Messages {
    create(params: unknown) {
      return { called: 'create', params };
    }
    stream(params: unknown) {
      return { called: 'stream', params };
    }
  }
  class BetaMessages {
    create(params: unknown) {
      return { called: 'beta', params };
    }
  }
  return { Messages, Beta: { Messages: BetaMessages } };
}

describe('patch / unpatch', () => {
  it('wraps create and stream of messages and beta.messages, and unpatch restores the originals', () => {
    const sdk = fakeSdk();
    const originals = [
      sdk.Messages.prototype.create,
      sdk.Messages.prototype.stream,
      sdk.Beta.Messages.prototype.create,
    ];
    const instrumentation = new AnthropicInstrumentation({ enabled: false });
    instrumentation.patch(sdk);
    expect(isWrapped(sdk.Messages.prototype.create)).toBe(true);
    expect(isWrapped(sdk.Messages.prototype.stream)).toBe(true);
    expect(isWrapped(sdk.Beta.Messages.prototype.create)).toBe(true);
    // Patching twice does not wrap twice.
    instrumentation.patch(sdk);
    instrumentation.unpatch(sdk);
    expect([
      sdk.Messages.prototype.create,
      sdk.Messages.prototype.stream,
      sdk.Beta.Messages.prototype.create,
    ]).toEqual(originals);
  });

  it('a disabled instrumentation calls the original with the same arguments', () => {
    const sdk = fakeSdk();
    const instrumentation = instrumentAnthropic(sdk, new AnthropicInstrumentation({ enabled: false }));
    const params = { model: 'm', messages: [] };
    expect(new sdk.Messages().create(params)).toEqual({ called: 'create', params });
    expect(new sdk.Messages().stream(params)).toEqual({ called: 'stream', params });
    instrumentation.unpatch(sdk);
  });

  it('an SDK error thrown synchronously reaches the caller unchanged', () => {
    const sdk = fakeSdk();
    const boom = new RangeError('bad params');
    sdk.Messages.prototype.create = () => {
      throw boom;
    };
    const instrumentation = new AnthropicInstrumentation();
    instrumentation.patch(sdk);
    expect(() => new sdk.Messages().create({ model: 'm' })).toThrow(boom);
    instrumentation.disable();
    instrumentation.unpatch(sdk);
  });

  it('a prototype that cannot be patched is a warning, not a crash of the app', () => {
    const sdk = fakeSdk();
    Object.freeze(sdk.Messages.prototype);
    const warnings: unknown[] = [];
    diag.setLogger(
      {
        error: () => undefined,
        warn: (...args: unknown[]) => warnings.push(args),
        info: () => undefined,
        debug: () => undefined,
        verbose: () => undefined,
      },
      DiagLogLevel.WARN,
    );
    try {
      const instrumentation = new AnthropicInstrumentation({ enabled: false });
      expect(() => instrumentAnthropic(sdk, instrumentation)).not.toThrow();
      // The other prototype is still patched, and the app's calls still work.
      expect(isWrapped(sdk.Beta.Messages.prototype.create)).toBe(true);
      expect(new sdk.Messages().create({ model: 'm' })).toEqual({ called: 'create', params: { model: 'm' } });
      expect(warnings.length).toBeGreaterThan(0);
      instrumentation.unpatch(sdk);
    } finally {
      diag.disable();
    }
  });

  it('a module without Messages is left alone', () => {
    const instrumentation = new AnthropicInstrumentation({ enabled: false });
    expect(() => instrumentation.patch({})).not.toThrow();
    expect(() => instrumentation.unpatch({})).not.toThrow();
  });
});
