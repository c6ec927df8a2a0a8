import { GenAIInstrumentationBase } from '@genai-ops/core';
import { diag } from '@opentelemetry/api';
import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import type { SendFunction } from './internal-types.js';
import { type SendContext, wrapSend } from './send.js';
import type { BedrockRuntimeInstrumentationConfig } from './types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

/** Marks the `send` we define, so patching twice and unpatching are exact. */
const OURS = Symbol.for('genai-ops.bedrock.send');

/** All of 3.x: the commands we observe are matched by name, so releases without them are a no-op. */
export const SUPPORTED_VERSIONS = ['>=3.0.0 <4'];

interface ModuleExports {
  BedrockRuntimeClient?: { prototype: Record<string, unknown> };
}

/**
 * OpenTelemetry GenAI instrumentation for `@aws-sdk/client-bedrock-runtime`: Converse, ConverseStream,
 * InvokeModel and InvokeModelWithResponseStream, through `BedrockRuntimeClient.prototype.send`.
 *
 * With `@opentelemetry/instrumentation-aws-sdk` also on, our span is the parent: `send` runs inside our
 * span's context, so the AWS SDK's own span (and the HTTP span under it) nest beneath the GenAI span.
 *
 * @example
 * ```ts
 * registerInstrumentations({ instrumentations: [new BedrockRuntimeInstrumentation()] });
 * ```
 */
export class BedrockRuntimeInstrumentation extends GenAIInstrumentationBase<BedrockRuntimeInstrumentationConfig> {
  private readonly _ctx: SendContext = {
    active: () => this.isEnabled(),
    telemetry: () => this.genAITelemetry(),
  };

  constructor(config: BedrockRuntimeInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(
        '@aws-sdk/client-bedrock-runtime',
        SUPPORTED_VERSIONS,
        (exports: ModuleExports) => this._patch(exports),
        (exports: ModuleExports) => this._unpatch(exports),
      ),
    ];
  }

  /** Patches an already-loaded module (see {@link instrumentBedrockRuntime}). */
  patchModule(exports: ModuleExports): void {
    this.patchManually(
      () => this._patch(exports),
      () => this._unpatch(exports),
    );
  }

  /**
   * `send` is inherited from the Smithy `Client`. We define our wrapper on `BedrockRuntimeClient.prototype`
   * only (other AWS clients sharing the base class are not touched), and it looks the inherited `send` up
   * at call time, so an instrumentation that patches the Smithy client later (aws-sdk) is still called.
   */
  private _patch(exports: ModuleExports): ModuleExports {
    const proto = exports?.BedrockRuntimeClient?.prototype;
    if (!proto || typeof proto.send !== 'function') {
      diag.warn('genai-ops bedrock: BedrockRuntimeClient.send not found, not instrumenting');
      return exports;
    }
    if (Object.hasOwn(proto, 'send')) {
      if ((proto.send as { [OURS]?: boolean })[OURS]) return exports;
      this._wrap(proto, 'send', (original: unknown) => wrapSend(this._ctx, original as SendFunction));
      return exports;
    }
    const inherited: SendFunction = function (this: unknown, ...args: unknown[]): unknown {
      return (Object.getPrototypeOf(proto) as { send: SendFunction }).send.apply(this, args);
    };
    const wrapped = wrapSend(this._ctx, inherited);
    Object.defineProperty(wrapped, OURS, { value: true });
    Object.defineProperty(proto, 'send', {
      value: wrapped,
      configurable: true,
      writable: true,
      enumerable: false,
    });
    return exports;
  }

  private _unpatch(exports: ModuleExports): void {
    const proto = exports?.BedrockRuntimeClient?.prototype;
    if (!proto || !Object.hasOwn(proto, 'send')) return;
    if ((proto.send as { [OURS]?: boolean })[OURS]) delete proto.send;
    else this._unwrap(proto, 'send');
  }
}

/**
 * Instruments an already-loaded `@aws-sdk/client-bedrock-runtime` module, for apps where the loader hooks
 * cannot see it (bundled code, or ESM without `--import`). Returns the instrumentation; `disable()`
 * undoes the patch.
 *
 * @example
 * ```ts
 * import * as bedrock from '@aws-sdk/client-bedrock-runtime';
 * instrumentBedrockRuntime(bedrock, { captureMessageContent: true });
 * ```
 */
export function instrumentBedrockRuntime(
  moduleExports: unknown,
  config: BedrockRuntimeInstrumentationConfig = {},
): BedrockRuntimeInstrumentation {
  const instrumentation = new BedrockRuntimeInstrumentation(config);
  instrumentation.patchModule(moduleExports as ModuleExports);
  return instrumentation;
}
