import { GenAIInstrumentationBase } from '@genai-ops/core';
import { diag } from '@opentelemetry/api';
import { InstrumentationNodeModuleDefinition } from '@opentelemetry/instrumentation';
import { wrapEmbedContent } from './embed-content.js';
import { wrapGenerateContent, wrapGenerateContentStream } from './generate-content.js';
import type { AsyncFunction, GeminiModelsLike } from './internal-types.js';
import type { GoogleGenAIInstrumentationConfig } from './types.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version.js';
import type { WrapperContext } from './wrapper-context.js';

/**
 * The majors that run on Node 20: 1.x and 2.x (3.x needs Node 22). 1.0.0's CommonJS entry does not load
 * on Node 20; the oldest tested release is 1.1.0.
 */
export const SUPPORTED_VERSIONS = ['>=1.0.0 <3'];

type Factory = (ctx: WrapperContext, original: AsyncFunction, owner?: GeminiModelsLike) => AsyncFunction;

/** The `Models` methods we wrap, each one logical call. */
const METHODS: ReadonlyArray<readonly [string, Factory]> = [
  ['generateContent', wrapGenerateContent],
  ['generateContentStream', wrapGenerateContentStream],
  ['embedContent', wrapEmbedContent],
];

/** Marks the accessors we install, so patching twice or unpatching something else is impossible. */
const ACCESSOR = Symbol.for('genai-ops.google-genai.accessor');

/** Marks the methods we wrapped (on the prototype or on an instance), so none is wrapped twice. */
const WRAPPED = Symbol.for('genai-ops.google-genai.wrapped');

function ourWrapper(
  factory: Factory,
  ctx: WrapperContext,
  original: AsyncFunction,
  owner?: GeminiModelsLike,
) {
  const wrapped = factory(ctx, original, owner);
  Object.defineProperty(wrapped, WRAPPED, { value: true });
  return wrapped;
}

function isOurWrapper(fn: unknown): boolean {
  return typeof fn === 'function' && (fn as { [WRAPPED]?: boolean })[WRAPPED] === true;
}

/** The `Models` instance of a `GoogleGenAI` client, or the argument itself when it is one. */
function modelsOf(client: unknown): Record<string, unknown> | undefined {
  if (typeof client !== 'object' || client === null) return undefined;
  const candidates = [(client as { models?: unknown }).models, client];
  for (const c of candidates) {
    if (
      typeof c === 'object' &&
      c !== null &&
      typeof (c as Record<string, unknown>).generateContent === 'function'
    )
      return c as Record<string, unknown>;
  }
  return undefined;
}

interface ModuleExports {
  Models?: { prototype: Record<string, unknown> };
}

/**
 * OpenTelemetry GenAI instrumentation for `@google/genai` (the Gemini API and Vertex AI).
 *
 * In 1.x and 2.x, `generateContent`, `generateContentStream` and (from 1.2) `embedContent` are instance
 * properties assigned in the `Models` constructor, not prototype methods. So for those we install an
 * accessor on `Models.prototype` whose setter wraps the function the constructor assigns; methods that
 * are on the prototype are wrapped there. Clients created before the instrumentation is enabled are not
 * instrumented by the patch: pass them to {@link GoogleGenAIInstrumentation.instrumentClient}.
 *
 * @example
 * ```ts
 * registerInstrumentations({ instrumentations: [new GoogleGenAIInstrumentation()] });
 * ```
 */
export class GoogleGenAIInstrumentation extends GenAIInstrumentationBase<GoogleGenAIInstrumentationConfig> {
  private readonly _ctx: WrapperContext = {
    active: () => this.isEnabled(),
    telemetry: () => this.genAITelemetry(),
  };

  constructor(config: GoogleGenAIInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  protected init(): InstrumentationNodeModuleDefinition[] {
    return [
      new InstrumentationNodeModuleDefinition(
        '@google/genai',
        SUPPORTED_VERSIONS,
        (exports: ModuleExports) => this._patch(exports),
        (exports: ModuleExports) => this._unpatch(exports),
      ),
    ];
  }

  /** Patches an already-loaded module (see {@link instrumentGoogleGenAI}). */
  patchModule(exports: ModuleExports): void {
    this.patchManually(
      () => this._patch(exports),
      () => this._unpatch(exports),
    );
  }

  private _patch(exports: ModuleExports): ModuleExports {
    const proto = exports?.Models?.prototype;
    if (!proto) {
      diag.warn('genai-ops google-genai: Models class not found, not instrumenting');
      return exports;
    }
    for (const [name, factory] of METHODS) {
      // A prototype that cannot be patched (frozen, say) is a warning: the require or the call goes on.
      try {
        const own = Object.getOwnPropertyDescriptor(proto, name);
        if (own && typeof own.value === 'function') {
          this._wrap(proto, name, (original: unknown) =>
            ourWrapper(factory, this._ctx, original as AsyncFunction),
          );
        } else if (!own) {
          this._installAccessor(proto, name, factory);
        }
      } catch (err) {
        diag.warn(
          `genai-ops google-genai: could not patch Models.${name}; its calls are not instrumented`,
          err,
        );
      }
    }
    return exports;
  }

  /**
   * Instruments a client created before this instrumentation was enabled: its `generateContent`,
   * `generateContentStream` and `embedContent` are instance properties the `Models` constructor assigned,
   * which patching the module cannot reach. Takes a `GoogleGenAI` client (or its `models`); its chats are
   * covered too (they call the client's `models`). Methods already wrapped by us are left as they are, so it
   * is safe on any client; while the instrumentation is disabled the wrappers call straight through.
   * Returns the argument.
   *
   * @example
   * ```ts
   * const ai = new GoogleGenAI({ apiKey }); // created before the instrumentation
   * instrumentation.instrumentClient(ai);
   * ```
   */
  instrumentClient<T>(client: T): T {
    let models: Record<string, unknown> | undefined;
    try {
      models = modelsOf(client);
    } catch {
      // A getter of the argument threw: not a client of the SDK.
    }
    if (models === undefined) {
      diag.warn(
        'genai-ops google-genai: instrumentClient got no GoogleGenAI client nor Models; not instrumenting',
      );
      return client;
    }
    for (const [name, factory] of METHODS) {
      try {
        const current = models[name];
        if (typeof current !== 'function' || isOurWrapper(current)) continue;
        Object.defineProperty(models, name, {
          value: ourWrapper(factory, this._ctx, current as AsyncFunction, models as GeminiModelsLike),
          writable: true,
          configurable: true,
          enumerable: true,
        });
      } catch (err) {
        diag.warn(`genai-ops google-genai: could not instrument the client's ${name}`, err);
      }
    }
    return client;
  }

  private _unpatch(exports: ModuleExports): void {
    const proto = exports?.Models?.prototype;
    if (!proto) return;
    for (const [name] of METHODS) {
      const own = Object.getOwnPropertyDescriptor(proto, name);
      if (own?.set && (own.set as { [ACCESSOR]?: boolean })[ACCESSOR]) delete proto[name];
      else if (own && typeof own.value === 'function') this._unwrap(proto, name);
    }
  }

  /**
   * Intercepts the constructor's `this.<name> = async (...) => ...`: the setter stores the wrapped
   * function as an ordinary own property of the instance, so later reads cost nothing.
   */
  private _installAccessor(proto: object, name: string, factory: Factory): void {
    const ctx = this._ctx;
    const set = function (this: object, value: unknown): void {
      let stored = value;
      if (typeof value === 'function') {
        try {
          stored = ourWrapper(factory, ctx, value as AsyncFunction, this as GeminiModelsLike);
        } catch (err) {
          diag.warn(`genai-ops google-genai: could not wrap ${name}`, err);
        }
      }
      Object.defineProperty(this, name, {
        value: stored,
        writable: true,
        configurable: true,
        enumerable: true,
      });
    };
    Object.defineProperty(set, ACCESSOR, { value: true });
    Object.defineProperty(proto, name, { configurable: true, enumerable: false, get: () => undefined, set });
  }
}

/**
 * Instruments an already-loaded `@google/genai` module, for apps where the loader hooks cannot see it
 * (bundled code, or ESM without `--import`). Clients must be created after this call. Returns the
 * instrumentation; `disable()` undoes the patch.
 *
 * @example
 * ```ts
 * import * as genai from '@google/genai';
 * instrumentGoogleGenAI(genai, { captureMessageContent: true });
 * const ai = new genai.GoogleGenAI({ apiKey });
 * ```
 */
export function instrumentGoogleGenAI(
  moduleExports: unknown,
  config: GoogleGenAIInstrumentationConfig = {},
): GoogleGenAIInstrumentation {
  const instrumentation = new GoogleGenAIInstrumentation(config);
  instrumentation.patchModule(moduleExports as ModuleExports);
  return instrumentation;
}
