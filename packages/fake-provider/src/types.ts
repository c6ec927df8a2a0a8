/** Options for {@link startFakeProvider}. */
export interface FakeProviderOptions {
  /** TCP port to listen on. Default `0` (a random free port). */
  port?: number;
  /** Interface to bind. Default `127.0.0.1`. */
  host?: string;
  /** Delay in milliseconds between two stream chunks (SSE events or event-stream messages). Default `0`. */
  chunkDelayMs?: number;
}

/** One request received by the fake provider, in arrival order. */
export interface RecordedRequest {
  /** HTTP method, e.g. `POST`. */
  method: string;
  /** Request path including the query string, e.g. `/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse`. */
  path: string;
  /** Request headers as Node gives them (lower-case names). */
  headers: Record<string, string | string[] | undefined>;
  /** The body parsed as JSON, or the raw string when it is not JSON (`undefined` when empty). */
  body: unknown;
}

/**
 * A fault applied to requests. Set server-wide with {@link FakeProvider.setFault}; per-request headers
 * (`x-fake-status`, `x-fake-latency-ms`, `x-fake-drop-after-chunks`) override its fields.
 */
export interface Fault {
  /** Respond with this HTTP status and the provider's error JSON shape. */
  status?: number;
  /** Delay in milliseconds before responding. */
  latencyMs?: number;
  /**
   * Destroy the socket after this many stream chunks (SSE events or event-stream messages), without a clean end.
   * On a non-streaming request the socket is destroyed before any response is written.
   */
  dropAfterChunks?: number;
  /** Apply to the next N requests only. Default: until cleared with `setFault(undefined)`. */
  count?: number;
}

/** A running fake provider server. */
export interface FakeProvider {
  /** Base URL, e.g. `http://127.0.0.1:43817` (no trailing slash). */
  url: string;
  /** The port actually bound. */
  port: number;
  /** Every request received, in order. Tests may clear it with `requests.length = 0`. */
  requests: RecordedRequest[];
  /** Set (or clear with `undefined`) the server-wide fault. */
  setFault(fault: Fault | undefined): void;
  /** Stop listening and destroy open connections. Safe to call twice. */
  close(): Promise<void>;
}
