/**
 * Patch factories for the Messages API (`messages.create`, `messages.stream`, and the same two on
 * `beta.messages`). One span per logical call: `stream()` goes through `create()`, so only `create()`
 * starts a span; `stream()` is wrapped only so the SDK's own span stays off for it (sdk-spans.ts).
 */
import {
  endCallWhenCollected,
  GEN_AI_OPERATION_NAME_VALUES,
  GenAICall,
  type GenAITelemetry,
  type GuardCallInfo,
  getCallGuard,
  isGuardError,
  type OutputGuard,
  observeIteratorFactory,
  serverFromUrl,
} from '@genai-ops/core';
import { context, diag } from '@opentelemetry/api';
import {
  applyResponseTexts,
  finishReasons,
  inputMessages,
  outputMessages,
  providerName,
  requestAttributes,
  requestOptionAttributes,
  responseTexts,
  systemInstructions,
  toolDefinitions,
  usageFromAnthropic,
} from './attributes.js';
import { textSlots } from './guard-slots.js';
import type {
  AnthropicMessage,
  MessageCreateParams,
  MessagesResource,
  SdkApiPromise,
  SdkClient,
  SdkStream,
  StreamEvent,
} from './internal-types.js';
import { runWithoutSdkSpan } from './sdk-spans.js';
import { ABORT_ERROR_TYPE, guardStream, MessageStreamReducer } from './stream-reducer.js';

/** What the patches need from the instrumentation, read at call time. */
export interface PatchHost {
  isEnabled(): boolean;
  telemetry(): GenAITelemetry;
}

type CreateFn = MessagesResource['create'];
type StreamFn = NonNullable<MessagesResource['stream']>;

/** What a call needs from its client: provider and server, derived from fields that rarely change. */
interface ClientInfo {
  baseURL: unknown;
  ownProvider: unknown;
  ctor: unknown;
  provider: string;
  serverAddress?: string;
  serverPort?: number;
}

/**
 * Per client, the provider name and server of its last call, reused while the client's base URL, class
 * and provider field stay the same (parsing the base URL and matching the class name cost a few µs a
 * call otherwise).
 */
const clientInfos = new WeakMap<object, ClientInfo>();

function clientInfo(client: SdkClient | undefined): ClientInfo {
  const baseURL = client?.baseURL;
  const ownProvider = client?._genAIProviderName;
  const ctor = client?.constructor;
  const cached = client ? clientInfos.get(client) : undefined;
  if (cached && cached.baseURL === baseURL && cached.ownProvider === ownProvider && cached.ctor === ctor)
    return cached;
  const server = serverFromUrl(typeof baseURL === 'string' ? baseURL : undefined);
  const info: ClientInfo = {
    baseURL,
    ownProvider,
    ctor,
    provider: providerName(client),
    serverAddress: server.address,
    serverPort: server.port,
  };
  if (client) clientInfos.set(client, info);
  return info;
}

function startCall(
  host: PatchHost,
  client: ClientInfo,
  params: MessageCreateParams,
  options: unknown,
): GenAICall {
  const attributes = requestAttributes(params);
  if (options !== undefined) Object.assign(attributes, requestOptionAttributes(options));
  return new GenAICall(host.telemetry(), {
    operation: GEN_AI_OPERATION_NAME_VALUES.CHAT,
    provider: client.provider,
    requestModel: typeof params.model === 'string' ? params.model : undefined,
    serverAddress: client.serverAddress,
    serverPort: client.serverPort,
    attributes,
  });
}

/** Wraps `Messages.prototype.create`. */
export function patchCreate(host: PatchHost): (original: CreateFn) => CreateFn {
  return (original) =>
    function create(this: MessagesResource, ...args: unknown[]): unknown {
      const params = args[0] as MessageCreateParams | undefined;
      if (!host.isEnabled() || typeof params !== 'object' || params === null)
        return original.apply(this, args as never);
      let call: GenAICall;
      let client: ClientInfo;
      try {
        client = clientInfo(this._client);
        call = startCall(host, client, params, args[1]);
      } catch (err) {
        diag.warn('genai-ops: anthropic instrumentation failed to start a span', err);
        return original.apply(this, args as never);
      }
      const guard = getCallGuard();
      let info: GuardCallInfo | undefined;
      let sent = params;
      if (guard) {
        info = {
          operation: GEN_AI_OPERATION_NAME_VALUES.CHAT,
          provider: client.provider,
          requestModel: params.model,
          span: call.span,
        };
        try {
          const slots = textSlots(params);
          const verdict = guard.checkInput(info, slots.segments);
          if (verdict?.texts) sent = slots.apply(verdict.texts);
        } catch (err) {
          if (isGuardError(err)) {
            call.end(err);
            throw err;
          }
          diag.warn('genai-ops: anthropic input guard failed; request sent unchanged', err);
        }
      }
      if (call.capturesContent) {
        call.recordInput(() => ({
          systemInstructions: systemInstructions(sent.system),
          inputMessages: inputMessages(sent.messages),
          toolDefinitions: toolDefinitions(sent.tools),
        }));
      }
      const callArgs = sent === params ? args : [sent, ...args.slice(1)];
      let promise: unknown;
      try {
        // An SDK error thrown here is the caller's, rethrown unchanged.
        promise = runWithoutSdkSpan(this._client, call.context, () =>
          original.apply(this, callArgs as never),
        );
      } catch (err) {
        call.end(err);
        throw err;
      }
      try {
        observeResult(
          promise as SdkApiPromise,
          call,
          params.stream === true,
          guard && info ? guard.startOutput(info) : undefined,
        );
      } catch (err) {
        diag.warn('genai-ops: anthropic instrumentation failed to observe a response', err);
        call.end();
      }
      return promise;
    };
}

/** Wraps `Messages.prototype.stream` (the MessageStream helper) so the SDK's own span stays off. */
export function patchStream(host: PatchHost): (original: StreamFn) => StreamFn {
  return (original) =>
    function stream(this: MessagesResource, ...args: unknown[]): unknown {
      if (!host.isEnabled()) return original.apply(this, args as never);
      return runWithoutSdkSpan(this._client, context.active(), () => original.apply(this, args as never));
    };
}

/**
 * Telemetry on the SDK's own promise object. `then`, `withResponse()` and the helpers' `_thenUnwrap`
 * (the beta stream helper uses it) all parse through the instance's `parseResponse`, so wrapping it sees
 * the parsed body exactly when the caller does, without reading it a second time, and lets a
 * non-streaming output guard redact or block before the caller's continuation. HTTP errors come from
 * `responsePromise`; `asResponse()` alone (body left to the caller) ends the call on the response.
 * SDK source: `core/api-promise.ts` of @anthropic-ai/sdk.
 */
function observeResult(
  promise: SdkApiPromise,
  call: GenAICall,
  streaming: boolean,
  outputGuard: OutputGuard | undefined,
): void {
  const onData = (data: unknown): unknown => {
    if (streaming && isSdkStream(data)) {
      observeSdkStream(data, call, outputGuard);
      return data;
    }
    const message = data as AnthropicMessage;
    if (outputGuard) {
      let replaced: string[] | undefined;
      try {
        replaced = outputGuard.finish(responseTexts(message));
      } catch (err) {
        if (isGuardError(err)) {
          finishMessage(call, message);
          call.end(err);
          throw err;
        }
        diag.warn('genai-ops: anthropic output guard failed', err);
      }
      if (replaced) applyResponseTexts(message, replaced);
    }
    finishMessage(call, message);
    call.end();
    return data;
  };
  const onError = (err: unknown): never => {
    call.end(err);
    throw err;
  };
  const originalParseResponse = promise.parseResponse;
  if (typeof originalParseResponse !== 'function') {
    // Not an APIPromise (an SDK we do not know): a plain side chain, nothing rejected unhandled.
    Promise.resolve(promise)
      .then(onData, onError)
      .catch(() => undefined);
    return;
  }
  let parsed = false;
  promise.parseResponse = function parseResponse(this: unknown, ...args: unknown[]) {
    parsed = true;
    return Promise.resolve(originalParseResponse.apply(this, args)).then(onData, onError);
  };
  // HTTP and connection errors reject the response before any parse.
  promise.responsePromise?.then(undefined, (err: unknown) => call.end(err));
  const originalAsResponse = promise.asResponse;
  if (typeof originalAsResponse === 'function') {
    promise.asResponse = function asResponse(this: SdkApiPromise) {
      const response = originalAsResponse.call(this);
      response.then(
        () => {
          if (!parsed) call.end();
        },
        (err: unknown) => call.end(err),
      );
      return response;
    };
  }
}

function finishMessage(call: GenAICall, message: AnthropicMessage): void {
  try {
    call.setResponse({
      id: message.id,
      model: message.model,
      finishReasons: finishReasons(message.stop_reason),
    });
    const usage = usageFromAnthropic(message.usage);
    if (usage) call.setUsage(usage);
    call.recordOutput(() => outputMessages(message));
  } catch (err) {
    diag.debug('genai-ops: failed to record an anthropic response', err);
  }
}

function isSdkStream(data: unknown): data is SdkStream {
  return typeof data === 'object' && data !== null && typeof (data as SdkStream).iterator === 'function';
}

/**
 * Observes the first iteration of the SDK's `Stream` through its own `iterator` factory, which
 * `for await`, `tee()` and `toReadableStream()` all use. A stream aborted before anyone reads it
 * (`stream.controller.abort()`, the caller's signal) ends its call then, as an abort; a stream nobody
 * reads nor aborts ends its call when collected.
 */
function observeSdkStream(stream: SdkStream, call: GenAICall, outputGuard: OutputGuard | undefined): void {
  const factory = stream.iterator;
  const signal = stream.controller?.signal;
  const source: () => AsyncIterator<StreamEvent> = outputGuard
    ? function guarded(this: unknown) {
        return guardStream(factory.call(this), outputGuard);
      }
    : factory;
  stream.iterator = observeIteratorFactory(
    source,
    call,
    new MessageStreamReducer(outputGuard, call.capturesContent, signal),
    { signal, errorType: ABORT_ERROR_TYPE },
  );
  endCallWhenCollected(stream, call);
}
