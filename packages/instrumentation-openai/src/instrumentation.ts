import { GenAIInstrumentationBase, getEnvBoolean } from '@genai-ops/core';
import { diag } from '@opentelemetry/api';
import { InstrumentationNodeModuleDefinition, isWrapped } from '@opentelemetry/instrumentation';
import type { ApiMapping } from './api.js';
import { CHAT_COMPLETIONS } from './chat.js';
import { createWrapper, type WrapperHost } from './create-wrapper.js';
import { EMBEDDINGS } from './embeddings.js';
import type { CreateMethod, OpenAIClassLike } from './internal-types.js';
import { RESPONSES } from './responses.js';
import type { OpenAIInstrumentationConfig } from './types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';

/** The SDK versions we patch: v4 to v7 share the resource classes and `APIPromise` / `Stream` shapes. */
export const SUPPORTED_VERSIONS = ['>=4.0.0 <8'];

/** Env var turning off the stream-usage request (see `injectStreamUsage`). */
export const ENV_STREAM_USAGE = 'GENAI_OPS_OPENAI_STREAM_USAGE';

type Prototype = { create?: CreateMethod };

/** The resource prototypes reachable from the `OpenAI` class, with the mapping of each. */
function targetsOf(OpenAIClass: OpenAIClassLike): Array<[Prototype, ApiMapping]> {
  const out: Array<[Prototype, ApiMapping]> = [];
  const chat = OpenAIClass.Chat?.Completions?.prototype as Prototype | undefined;
  if (chat && typeof chat.create === 'function') out.push([chat, CHAT_COMPLETIONS]);
  const responses = OpenAIClass.Responses?.prototype as Prototype | undefined;
  if (responses && typeof responses.create === 'function') out.push([responses, RESPONSES]);
  const embeddings = OpenAIClass.Embeddings?.prototype as Prototype | undefined;
  if (embeddings && typeof embeddings.create === 'function') out.push([embeddings, EMBEDDINGS]);
  return out;
}

/** The `OpenAI` class from the module's exports (CommonJS `module.exports`, or an ESM namespace). */
function openAIClassOf(moduleExports: unknown): OpenAIClassLike | undefined {
  const m = moduleExports as { OpenAI?: OpenAIClassLike; default?: OpenAIClassLike } | undefined;
  return m?.OpenAI ?? m?.default;
}

/**
 * OpenTelemetry GenAI instrumentation of the `openai` SDK (v4 to v7): Chat Completions (with `parse`,
 * `stream` and the runners), Responses, Embeddings, for `OpenAI`, `AzureOpenAI` and OpenAI-compatible
 * base URLs.
 *
 * @example
 * registerInstrumentations({ instrumentations: [new OpenAIInstrumentation()] });
 */
export class OpenAIInstrumentation extends GenAIInstrumentationBase<OpenAIInstrumentationConfig> {
  private readonly _host: WrapperHost;
  /** `injectStreamUsage` resolved (config, then env) on first use; reset by `setConfig`. */
  private _injectStreamUsage: boolean | undefined;

  constructor(config: OpenAIInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
    this._host = {
      // The content policy, metrics and telemetry bundle come from the core base (cached, not per call).
      telemetry: () => (this.isEnabled() ? this.genAITelemetry() : undefined),
      injectStreamUsage: () => {
        this._injectStreamUsage ??=
          this.getConfig().injectStreamUsage ?? getEnvBoolean(ENV_STREAM_USAGE) ?? true;
        return this._injectStreamUsage;
      },
    };
  }

  override setConfig(config: OpenAIInstrumentationConfig = {}): void {
    super.setConfig(config);
    this._injectStreamUsage = undefined;
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(
        'openai',
        SUPPORTED_VERSIONS,
        // A failed patch is a warning: `require('openai')` must still return the module.
        (moduleExports) => {
          try {
            const OpenAIClass = openAIClassOf(moduleExports);
            if (OpenAIClass) this.patchClass(OpenAIClass);
          } catch (err) {
            diag.warn('genai-ops openai: could not patch the openai module', err);
          }
          return moduleExports;
        },
        (moduleExports) => {
          try {
            const OpenAIClass = openAIClassOf(moduleExports);
            if (OpenAIClass) this.unpatchClass(OpenAIClass);
          } catch (err) {
            diag.warn('genai-ops openai: could not unpatch the openai module', err);
          }
        },
      ),
    ];
  }

  /**
   * Patches the `create` methods reachable from an `OpenAI` class. Patching twice is a no-op. A prototype
   * that cannot be patched (frozen, say) is a warning, and the other APIs are still patched.
   */
  patchClass(OpenAIClass: OpenAIClassLike): void {
    for (const [proto, mapping] of targetsOf(OpenAIClass)) {
      if (isWrapped(proto.create)) continue;
      try {
        this._wrap(proto, 'create', createWrapper(mapping, this._host) as never);
      } catch (err) {
        diag.warn(`genai-ops openai: could not patch ${mapping.operation} create`, err);
      }
    }
  }

  /** Undoes {@link patchClass}. */
  unpatchClass(OpenAIClass: OpenAIClassLike): void {
    for (const [proto, mapping] of targetsOf(OpenAIClass)) {
      try {
        if (isWrapped(proto.create)) this._unwrap(proto, 'create');
      } catch (err) {
        diag.warn(`genai-ops openai: could not unpatch ${mapping.operation} create`, err);
      }
    }
  }
}

let defaultInstrumentation: OpenAIInstrumentation | undefined;

/**
 * Instruments an `OpenAI` class explicitly, for bundled apps where module hooks cannot see `openai`.
 * Uses the same patch functions as the hook path (and never patches twice). Returns the class.
 *
 * @example
 * import OpenAI from 'openai';
 * instrumentOpenAI(OpenAI);
 */
export function instrumentOpenAI<T>(OpenAIClass: T, instrumentation?: OpenAIInstrumentation): T {
  try {
    defaultInstrumentation ??= instrumentation ?? new OpenAIInstrumentation();
    (instrumentation ?? defaultInstrumentation).patchClass(OpenAIClass as OpenAIClassLike);
  } catch (err) {
    diag.warn('genai-ops openai: instrumentOpenAI failed', err);
  }
  return OpenAIClass;
}
