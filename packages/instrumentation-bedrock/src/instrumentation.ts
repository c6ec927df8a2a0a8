import { type ContentPolicy, GenAIClientMetrics, type GenAITelemetry, resolveContentPolicy } from '@genai-ops/core';
import { diag } from '@opentelemetry/api';
import { InstrumentationBase, InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import type { SendFunction } from './internal-types.js';
import { type SendContext, wrapSend } from './send.js';
import type { BedrockRuntimeInstrumentationConfig } from './types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

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
export class BedrockRuntimeInstrumentation extends InstrumentationBase<BedrockRuntimeInstrumentationConfig> {
  private _metrics: GenAIClientMetrics | undefined;
  private _policy: ContentPolicy | undefined;
  private readonly _manual: ModuleExports[] = [];
  private readonly _ctx: SendContext = {
    active: () => this.isEnabled(),
    telemetry: () => this._telemetry(),
  };

  constructor(config: BedrockRuntimeInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
    this._policy = resolveContentPolicy(this._config);
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

  override setConfig(config: BedrockRuntimeInstrumentationConfig = {}): void {
    super.setConfig(config);
    this._policy = resolveContentPolicy(this._config);
  }

  protected override _updateMetricInstruments(): void {
    this._metrics = new GenAIClientMetrics(this.meter);
  }

  override disable(): void {
    super.disable();
    for (const exports of this._manual.splice(0)) this._unpatch(exports);
  }

  /** Patches an already-loaded module (see {@link instrumentBedrockRuntime}). */
  patchModule(exports: ModuleExports): void {
    this._patch(exports);
    this._manual.push(exports);
  }

  private _telemetry(): GenAITelemetry {
    this._metrics ??= new GenAIClientMetrics(this.meter);
    this._policy ??= resolveContentPolicy(this._config);
    return { tracer: this.tracer, metrics: this._metrics, logger: this.logger, content: this._policy };
  }

  /**
   * `send` is inherited from the Smithy `Client`; the wrapper is defined on `BedrockRuntimeClient.prototype`
   * only, so other AWS clients sharing that base class are not touched.
   */
  private _patch(exports: ModuleExports): ModuleExports {
    const proto = exports?.BedrockRuntimeClient?.prototype;
    if (!proto || typeof proto.send !== 'function') {
      diag.warn('genai-ops bedrock: BedrockRuntimeClient.send not found, not instrumenting');
      return exports;
    }
    this._wrap(proto, 'send', (original: unknown) => wrapSend(this._ctx, original as SendFunction));
    return exports;
  }

  private _unpatch(exports: ModuleExports): void {
    const proto = exports?.BedrockRuntimeClient?.prototype;
    if (proto) this._unwrap(proto, 'send');
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
