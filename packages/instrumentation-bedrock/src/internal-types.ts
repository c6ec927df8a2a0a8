/**
 * The parts of the @aws-sdk/client-bedrock-runtime shapes the instrumentation reads, written out so the
 * SDK is never loaded at run time. Source: the Bedrock Runtime API reference
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_Operations_Amazon_Bedrock_Runtime.html).
 */

export type Json = Record<string, unknown>;

/** A Converse content block (one key set per block). */
export interface ConverseContentBlock {
  text?: string;
  image?: { format?: string; source?: { bytes?: Uint8Array | string; s3Location?: { uri?: string } } };
  document?: {
    format?: string;
    name?: string;
    source?: { bytes?: Uint8Array | string; s3Location?: { uri?: string } };
  };
  video?: { format?: string; source?: { bytes?: Uint8Array | string; s3Location?: { uri?: string } } };
  toolUse?: { toolUseId?: string; name?: string; input?: unknown };
  toolResult?: { toolUseId?: string; content?: Array<{ text?: string; json?: unknown }>; status?: string };
  reasoningContent?: { reasoningText?: { text?: string } };
  guardContent?: { text?: { text?: string } };
  cachePoint?: unknown;
}

export interface ConverseMessage {
  role?: string;
  content?: ConverseContentBlock[];
}

export interface ConverseInput {
  modelId?: string;
  messages?: ConverseMessage[];
  system?: Array<{ text?: string; guardContent?: unknown; cachePoint?: unknown }>;
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: { tools?: Array<{ toolSpec?: { name?: string; description?: string } }> };
  guardrailConfig?: { guardrailIdentifier?: string; guardrailVersion?: string };
  additionalModelRequestFields?: unknown;
  [key: string]: unknown;
}

export interface ConverseTokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

export interface ConverseOutput {
  output?: { message?: ConverseMessage };
  stopReason?: string;
  usage?: ConverseTokenUsage;
  stream?: AsyncIterable<ConverseStreamEvent>;
}

export interface ConverseStreamEvent {
  messageStart?: { role?: string };
  contentBlockStart?: {
    contentBlockIndex?: number;
    start?: { toolUse?: { toolUseId?: string; name?: string } };
  };
  contentBlockDelta?: {
    contentBlockIndex?: number;
    delta?: { text?: string; toolUse?: { input?: string }; reasoningContent?: { text?: string } };
  };
  contentBlockStop?: { contentBlockIndex?: number };
  messageStop?: { stopReason?: string };
  metadata?: { usage?: ConverseTokenUsage };
}

export interface InvokeModelInput {
  modelId?: string;
  body?: Uint8Array | string;
  guardrailIdentifier?: string;
  [key: string]: unknown;
}

export interface InvokeModelOutput {
  body?: Uint8Array & { transformToString?: (encoding?: string) => string };
}

export interface InvokeModelStreamOutput {
  body?: AsyncIterable<{ chunk?: { bytes?: Uint8Array } }>;
}

/** A command as `client.send` receives it. */
export interface CommandLike {
  input?: unknown;
  constructor: { name: string } & (new (input: unknown) => CommandLike);
}

/**
 * The client `send` runs on: its resolved config gives the endpoint, or what the SDK resolves one from
 * (the service's configured endpoint, the region and the endpoint rules).
 */
export interface ClientLike {
  config?: {
    endpoint?: () => Promise<{ hostname?: string; port?: number; protocol?: string } | undefined>;
    region?: () => Promise<string> | string;
    ignoreConfiguredEndpointUrls?: boolean;
    serviceConfiguredEndpoint?: () => Promise<string | undefined>;
    useFipsEndpoint?: () => Promise<boolean> | boolean;
    useDualstackEndpoint?: () => Promise<boolean> | boolean;
    endpointProvider?: (params: Record<string, unknown>) => { url?: URL };
  };
}

export type SendFunction = (this: unknown, ...args: unknown[]) => unknown;
