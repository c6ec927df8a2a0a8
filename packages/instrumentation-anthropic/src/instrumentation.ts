import { GenAIInstrumentationBase } from '@genai-ops/core';
import { diag } from '@opentelemetry/api';
import {
  InstrumentationNodeModuleDefinition,
  InstrumentationNodeModuleFile,
  isWrapped,
} from '@opentelemetry/instrumentation';
import type { AnthropicClass, AnthropicModule, MessagesResource } from './internal-types.js';
import { type PatchHost, patchCreate, patchStream } from './messages.js';
import type { AnthropicInstrumentationConfig } from './types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

/**
 * The SDK versions we patch: the last 0.x line (tested: 0.137.0) and 1.x (tested: 1.14.0). Both
 * expose `Anthropic.Messages` and `Anthropic.Beta.Messages`, an `APIPromise` whose `then` goes through
 * `parse()`, and a `Stream` built on its own `iterator` factory.
 */
export const SUPPORTED_VERSIONS = ['>=0.50.0 <2'];

/** The `Messages` prototypes of an SDK module or client class: `messages` and `beta.messages`. */
function messagesPrototypes(target: AnthropicModule | AnthropicClass): MessagesResource[] {
  // The client class itself first: in 1.x the class also has a static `Anthropic` (inherited from
  // `BaseAnthropic`, which has no `Messages`), so looking at `target.Anthropic` first would miss it.
  const candidates = [target, (target as AnthropicModule)?.Anthropic, (target as AnthropicModule)?.default];
  const cls = candidates.find(
    (c) => typeof (c as AnthropicClass | undefined)?.Messages?.prototype?.create === 'function',
  ) as AnthropicClass | undefined;
  const out: MessagesResource[] = [];
  for (const proto of [cls?.Messages?.prototype, cls?.Beta?.Messages?.prototype]) {
    if (proto && typeof proto.create === 'function' && !out.includes(proto)) out.push(proto);
  }
  return out;
}

/** The SDK files that define a `Messages` class (CommonJS and ESM builds). */
const MESSAGES_FILES = [
  'resources/messages/messages.js',
  'resources/messages/messages.mjs',
  'resources/beta/messages/messages.js',
  'resources/beta/messages/messages.mjs',
];

interface MessagesModule {
  Messages?: { prototype: MessagesResource };
}

function messagesModulePrototypes(exports: MessagesModule): MessagesResource[] {
  const proto = exports?.Messages?.prototype;
  return proto && typeof proto.create === 'function' ? [proto] : [];
}

/**
 * OpenTelemetry instrumentation for `@anthropic-ai/sdk`: one GenAI `chat` span per Messages call
 * (`messages.create`, streaming or not, the `messages.stream()` helper, `beta.messages`), the GenAI
 * client metrics, optional content capture and the in-process guard hook.
 *
 * @example
 * ```ts
 * registerInstrumentations({ instrumentations: [new AnthropicInstrumentation()] });
 * ```
 */
export class AnthropicInstrumentation extends GenAIInstrumentationBase<AnthropicInstrumentationConfig> {
  private readonly _host: PatchHost;

  constructor(config: AnthropicInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
    this._host = {
      isEnabled: () => this.isEnabled(),
      telemetry: () => this.genAITelemetry(),
    };
  }

  protected init() {
    // The Messages modules too: the Bedrock and Vertex clients load them by sub-path
    // (`@anthropic-ai/sdk/resources/index`) without loading the package's main module.
    const files = MESSAGES_FILES.map(
      (file) =>
        new InstrumentationNodeModuleFile(
          `@anthropic-ai/sdk/${file}`,
          SUPPORTED_VERSIONS,
          (exports: MessagesModule) => {
            this._patchPrototypes(messagesModulePrototypes(exports));
            return exports;
          },
          (exports: MessagesModule | undefined) => {
            if (exports) this._unpatchPrototypes(messagesModulePrototypes(exports));
          },
        ),
    );
    return [
      new InstrumentationNodeModuleDefinition(
        '@anthropic-ai/sdk',
        SUPPORTED_VERSIONS,
        (moduleExports: AnthropicModule) => {
          this.patch(moduleExports);
          return moduleExports;
        },
        (moduleExports: AnthropicModule | undefined) => {
          if (moduleExports) this.unpatch(moduleExports);
        },
        files,
      ),
    ];
  }

  /**
   * Patches an SDK module namespace or its client class (`Anthropic`). Used by the module hook and by
   * {@link instrumentAnthropic} for bundled apps.
   */
  patch(target: AnthropicModule | AnthropicClass): void {
    let prototypes: MessagesResource[];
    try {
      prototypes = messagesPrototypes(target);
    } catch (err) {
      diag.warn(
        'genai-ops: could not look up the @anthropic-ai/sdk Messages classes; not instrumenting',
        err,
      );
      return;
    }
    if (prototypes.length === 0) diag.debug('genai-ops: @anthropic-ai/sdk has no Messages class to patch');
    this._patchPrototypes(prototypes);
  }

  /** The exact mirror of {@link patch}. */
  unpatch(target: AnthropicModule | AnthropicClass): void {
    this._unpatchPrototypes(messagesPrototypes(target));
  }

  /** A prototype that cannot be patched (frozen, say) is a warning: the require or the call goes on. */
  private _patchPrototypes(prototypes: MessagesResource[]): void {
    for (const proto of prototypes) {
      try {
        if (isWrapped(proto.create)) this._unwrap(proto, 'create');
        this._wrap(proto, 'create', patchCreate(this._host));
        if (typeof proto.stream === 'function') {
          if (isWrapped(proto.stream)) this._unwrap(proto, 'stream');
          this._wrap(proto, 'stream', patchStream(this._host) as never);
        }
      } catch (err) {
        diag.warn(
          'genai-ops: could not patch an @anthropic-ai/sdk Messages class; its calls are not instrumented',
          err,
        );
      }
    }
  }

  private _unpatchPrototypes(prototypes: MessagesResource[]): void {
    for (const proto of prototypes) {
      if (isWrapped(proto.create)) this._unwrap(proto, 'create');
      if (isWrapped(proto.stream)) this._unwrap(proto, 'stream');
    }
  }
}

/**
 * Instruments an `Anthropic` client class (or the SDK module) explicitly, for bundled apps where the
 * module hook cannot see the SDK load. Returns the instrumentation doing it (a new one by default).
 *
 * @example
 * ```ts
 * import Anthropic from '@anthropic-ai/sdk';
 * instrumentAnthropic(Anthropic);
 * ```
 */
export function instrumentAnthropic(
  target: AnthropicClass | AnthropicModule | object,
  instrumentation: AnthropicInstrumentation = new AnthropicInstrumentation(),
): AnthropicInstrumentation {
  instrumentation.patch(target as AnthropicClass);
  return instrumentation;
}
