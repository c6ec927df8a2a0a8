/**
 * The patch factory for `BedrockRuntimeClient.prototype.send`: dispatches on the command class, starts
 * one GenAI span per logical call, and observes the output on a side chain of the SDK's own promise.
 */
import {
  type AbortSignalLike,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  endCallWhenCollected,
  GEN_AI_PROVIDER_NAME_VALUES,
  GenAICall,
  type GenAITelemetry,
  type GuardCallInfo,
  getCallGuard,
  guardOutputStream,
  isGuardError,
  type OutputGuard,
  observeIteratorFactory,
} from '@genai-ops/core';
import { context, diag } from '@opentelemetry/api';
import { COMMAND_PLANS, type CommandPlan, type StreamPlan } from './commands.js';
import type { ClientLike, CommandLike, SendFunction } from './internal-types.js';
import { ABORT_ERROR_TYPE } from './stream-accumulator.js';

/** What the patch factory needs from the instrumentation, looked up at call time. */
export interface SendContext {
  active(): boolean;
  telemetry(): GenAITelemetry;
}

interface Server {
  address?: string;
  port?: number;
}

/** Resolved endpoint per client: the first call resolves it (the SDK's providers are async). */
const servers = new WeakMap<object, Server>();

function serverOf(url: string | URL | undefined): Server | undefined {
  if (url === undefined) return undefined;
  try {
    const u = typeof url === 'string' ? new URL(url) : url;
    if (!u.hostname) return undefined;
    return { address: u.hostname, port: u.port ? Number(u.port) : u.protocol === 'http:' ? 80 : 443 };
  } catch {
    return undefined;
  }
}

/**
 * The endpoint the SDK sends to, resolved as it does (@smithy/core endpoints): the client's `endpoint`;
 * else the one configured for the service (AWS_ENDPOINT_URL_BEDROCK_RUNTIME, AWS_ENDPOINT_URL, the shared
 * config file), which the SDK reads only on its first request; else its endpoint rules for the region
 * (FIPS, dual-stack and the partition's domain).
 */
async function resolveServer(client: ClientLike): Promise<Server> {
  const config = client.config;
  const endpoint = await config?.endpoint?.();
  if (endpoint?.hostname) {
    const port = endpoint.port ?? (endpoint.protocol === 'http:' ? 80 : 443);
    return { address: endpoint.hostname, port };
  }
  if (config?.ignoreConfiguredEndpointUrls !== true) {
    const configured = serverOf(await config?.serviceConfiguredEndpoint?.());
    if (configured) return configured;
  }
  const region = await config?.region?.();
  if (typeof region !== 'string' || region === '') return {};
  if (typeof config?.endpointProvider === 'function') {
    try {
      const fromRules = serverOf(
        config.endpointProvider({
          Region: region,
          UseFIPS: (await config.useFipsEndpoint?.()) === true,
          UseDualStack: (await config.useDualstackEndpoint?.()) === true,
        }).url,
      );
      if (fromRules) return fromRules;
    } catch {
      // Rules that reject the configuration: the SDK's request fails the same way.
    }
  }
  return { address: `bedrock-runtime.${region}.amazonaws.com`, port: 443 };
}

const PROVIDER = GEN_AI_PROVIDER_NAME_VALUES.AWS_BEDROCK;
const SERVER_KEYS: readonly string[] = [ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT];

/** Replaces the output's stream with one that is observed on its first iteration and otherwise the same. */
function observeOutputStream(
  output: Record<string, unknown>,
  plan: StreamPlan,
  call: GenAICall,
  guard: OutputGuard | undefined,
  signal: AbortSignalLike | undefined,
): void {
  const original = output[plan.property] as AsyncIterable<unknown> | undefined;
  if (!original || typeof original[Symbol.asyncIterator] !== 'function') {
    call.end();
    return;
  }
  const factory = (): AsyncIterator<unknown> =>
    guard
      ? guardOutputStream(original, guard, plan.deltas)[Symbol.asyncIterator]()
      : original[Symbol.asyncIterator]();
  const observed = observeIteratorFactory(factory, call, plan.reducer(call.capturesContent, signal), {
    signal,
    errorType: ABORT_ERROR_TYPE,
  });
  // The original stays the prototype, so anything else it carries still reads the same.
  const wrapped = Object.create(original, {
    [Symbol.asyncIterator]: { value: observed, configurable: true, writable: true },
  });
  output[plan.property] = wrapped;
  endCallWhenCollected(wrapped, call);
}

export function wrapSend(ctx: SendContext, original: SendFunction): SendFunction {
  return function send(this: unknown, ...args: unknown[]): unknown {
    const command = args[0] as CommandLike | undefined;
    const planFor = command ? COMMAND_PLANS[command.constructor?.name] : undefined;
    if (!ctx.active() || !planFor) return original.apply(this, args);
    const last = args[args.length - 1];
    if (args.length > 1 && typeof last === 'function') {
      // The callback form, send(command[, options], callback): the promise form observed here, its
      // outcome handed to the callback as the SDK does (output or error; nothing returned; an error thrown
      // by the callback swallowed).
      const callback = last as (error: unknown, output?: unknown) => void;
      (send.apply(this, args.slice(0, -1)) as Promise<unknown>)
        .then(
          (output) => callback(null, output),
          (error: unknown) => callback(error),
        )
        .catch(() => undefined);
      return undefined;
    }
    const client = this as ClientLike;
    let call: GenAICall;
    let plan: CommandPlan;
    try {
      plan = planFor(command!.input);
      const server = servers.get(client);
      call = new GenAICall(ctx.telemetry(), {
        operation: plan.operation,
        provider: PROVIDER,
        requestModel: plan.requestModel,
        serverAddress: server?.address,
        serverPort: server?.port,
        attributes: plan.attributes,
        // Set once the endpoint is resolved (first call of a client), and then metric attributes too.
        metricKeys: server ? undefined : SERVER_KEYS,
      });
      if (!server) {
        resolveServer(client).then(
          (s) => {
            servers.set(client, s);
            call.setAttributes({ [ATTR_SERVER_ADDRESS]: s.address, [ATTR_SERVER_PORT]: s.port });
          },
          () => undefined,
        );
      }
    } catch (err) {
      diag.warn('genai-ops bedrock: could not start the span', err);
      return original.apply(this, args);
    }
    let sendArgs = args;
    let outputGuard: OutputGuard | undefined;
    const guard = getCallGuard();
    if (guard) {
      const info: GuardCallInfo = {
        operation: plan.operation,
        provider: PROVIDER,
        requestModel: plan.requestModel,
        span: call.span,
      };
      try {
        const slots = plan.slots();
        const verdict = guard.checkInput(info, slots.segments);
        if (verdict?.texts) {
          // A new command of the same class; the caller's command and input are untouched.
          const Ctor = command!.constructor;
          sendArgs = [new Ctor(slots.apply(verdict.texts)), ...args.slice(1)];
        }
      } catch (err) {
        if (isGuardError(err)) {
          call.end(err);
          return Promise.reject(err);
        }
        diag.warn('genai-ops bedrock: input guard failed; request sent unchanged', err);
      }
      try {
        outputGuard = guard.startOutput(info);
      } catch (err) {
        diag.warn('genai-ops bedrock: output guard failed to start', err);
      }
    }
    if (call.capturesContent) {
      const sent = (sendArgs[0] as CommandLike).input;
      call.recordInput(() => plan.content(sent));
    }
    let promise: Promise<unknown>;
    try {
      promise = context.with(call.context, () => original.apply(this, sendArgs)) as Promise<unknown>;
    } catch (err) {
      call.end(err);
      throw err;
    }
    if (!outputGuard || plan.stream) {
      // The caller gets the SDK's own promise; telemetry rides on a side chain whose handlers never
      // throw (no output guard can block here), so it never rejects unhandled.
      const options = sendArgs[1];
      const signal =
        typeof options === 'object' && options !== null
          ? (options as { abortSignal?: AbortSignalLike }).abortSignal
          : undefined;
      promise.then(
        (output) => observeOutput(output, plan, call, outputGuard, signal),
        (err: unknown) => call.end(err),
      );
      return promise;
    }
    // A non-streaming output guard may block: then the caller gets the derived promise, which rejects.
    return promise.then(
      (output) => {
        try {
          plan.finish?.(call, output, outputGuard);
        } catch (err) {
          if (isGuardError(err)) {
            call.end(err);
            throw err;
          }
          diag.debug('genai-ops bedrock: could not read the output', err);
        }
        call.end();
        return output;
      },
      (err: unknown) => {
        call.end(err);
        throw err;
      },
    );
  };
}

/** The side-chain observer of an output when no guard can block it: never throws. */
function observeOutput(
  output: unknown,
  plan: CommandPlan,
  call: GenAICall,
  outputGuard: OutputGuard | undefined,
  signal?: AbortSignalLike,
): void {
  try {
    if (plan.stream) {
      observeOutputStream(output as Record<string, unknown>, plan.stream, call, outputGuard, signal);
      return;
    }
    plan.finish?.(call, output, undefined);
  } catch (err) {
    diag.debug('genai-ops bedrock: could not read the output', err);
  }
  call.end();
}
