/**
 * `@opentelemetry/sdk-node`, loaded without the modules it requires at its top but uses only when the
 * environment asks for them: the gRPC exporters (and `@grpc/grpc-js` under them), zipkin, prometheus, the
 * b3 and jaeger propagators, the declarative-configuration package. Inside sdk-node's own files those
 * `require`s return a stand-in that loads the real module at its first property access (sdk-node reads a
 * constructor off the module when it builds an exporter or propagator), so an app that sends OTLP over
 * HTTP never loads them: the register entry started ≈ 0.2 s (≈ 25 %) faster (docs/bench/node.md). Every
 * other module, and the same modules required from anywhere else, load as usual. Should anything go wrong
 * here, sdk-node is loaded the ordinary way.
 */
import Module = require('node:module');

import * as path from 'node:path';
import { diag } from '@opentelemetry/api';

type SdkNode = typeof import('@opentelemetry/sdk-node');

/** Required by sdk-node at load, needed only for some OTEL_* settings. */
export const DEFERRED_MODULES: ReadonlySet<string> = new Set([
  '@opentelemetry/exporter-trace-otlp-grpc',
  '@opentelemetry/exporter-metrics-otlp-grpc',
  '@opentelemetry/exporter-logs-otlp-grpc',
  '@opentelemetry/otlp-grpc-exporter-base',
  '@opentelemetry/exporter-zipkin',
  '@opentelemetry/exporter-prometheus',
  '@opentelemetry/propagator-b3',
  '@opentelemetry/propagator-jaeger',
  '@opentelemetry/configuration',
]);

type Load = (request: string, parent: { filename?: string } | undefined, isMain: boolean) => unknown;

/** A module object that loads the real one on first use and then forwards everything to it. */
function deferred(load: () => object): object {
  let real: object | undefined;
  const target = (): object => {
    real ??= load();
    return real;
  };
  return new Proxy(Object.create(null) as object, {
    get: (_t, key) => Reflect.get(target(), key),
    has: (_t, key) => Reflect.has(target(), key),
    ownKeys: () => Reflect.ownKeys(target()),
    getOwnPropertyDescriptor: (_t, key) => {
      const d = Reflect.getOwnPropertyDescriptor(target(), key);
      // A proxy may not report a property as non-configurable unless its target has it.
      return d === undefined ? undefined : { ...d, configurable: true };
    },
  });
}

function load(): SdkNode {
  const moduleInternals = Module as unknown as { _load: Load };
  const original = moduleInternals._load;
  let sdkDir: string | undefined;
  try {
    sdkDir = path.dirname(require.resolve('@opentelemetry/sdk-node')) + path.sep;
  } catch {
    // Not resolvable here: the plain require below reports it.
  }
  if (sdkDir === undefined || typeof original !== 'function') return require('@opentelemetry/sdk-node');
  const dir = sdkDir;
  moduleInternals._load = function _load(this: unknown, request, parent, isMain) {
    if (DEFERRED_MODULES.has(request) && parent?.filename?.startsWith(dir)) {
      return deferred(() => original.call(this, request, parent, isMain) as object);
    }
    return original.call(this, request, parent, isMain);
  };
  try {
    return require('@opentelemetry/sdk-node');
  } catch (error) {
    diag.debug('genai-ops: deferred loading of sdk-node failed; loading it as usual', error);
    moduleInternals._load = original;
    return require('@opentelemetry/sdk-node');
  } finally {
    moduleInternals._load = original;
  }
}

/** `@opentelemetry/sdk-node`, loaded once (see the module comment). */
export const sdkNode: SdkNode = load();

/**
 * `require` as sdk-node's own files do, and as the module `via` (resolved from sdk-node) does: the exit
 * export builds its exporter and processor from the very copies sdk-node loaded (its dependency tree pins
 * versions older than the workspace's, so our own `require` would load a second copy of the exporters,
 * the SDK and the transformer: ≈ 330 modules and ≈ 90 ms of start-up).
 */
export function requireFromSdkNode<T>(id: string, via?: string): T {
  const fromSdk = Module.createRequire(require.resolve('@opentelemetry/sdk-node'));
  return (via === undefined ? fromSdk(id) : Module.createRequire(fromSdk.resolve(via))(id)) as T;
}
