/**
 * OpenTelemetry GenAI semantic-convention constants, for the version pinned in ../shared/semconv
 * (semantic-conventions-genai main @ fe5608e2, schema 1.42.0-dev). Kept locally because the
 * `@opentelemetry/semantic-conventions` package marks every gen_ai.* key deprecated after the move to
 * the GenAI repository. test/semconv.test.ts checks every constant against the pinned registry YAML.
 */

// gen-ai/registry.yaml
/** The Generative AI provider as identified by the client or server instrumentation. (enum) */
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name' as const;
/** The name of the GenAI model a request is being made to. (string) */
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model' as const;
/** The maximum number of tokens the model generates for a request. (int) */
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens' as const;
/** The target number of candidate completions to return. (int) */
export const ATTR_GEN_AI_REQUEST_CHOICE_COUNT = 'gen_ai.request.choice.count' as const;
/** The temperature setting for the GenAI request. (double) */
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature' as const;
/** The top_p sampling setting for the GenAI request. (double) */
export const ATTR_GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p' as const;
/** The top-K sampling setting for the GenAI request: restricts token generation at each step to the K most likely next tokens. (int) */
export const ATTR_GEN_AI_REQUEST_TOP_K = 'gen_ai.request.top_k' as const;
/** List of sequences that the model will use to stop generating further tokens. (string[]) */
export const ATTR_GEN_AI_REQUEST_STOP_SEQUENCES = 'gen_ai.request.stop_sequences' as const;
/** The frequency penalty setting for the GenAI request. (double) */
export const ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY = 'gen_ai.request.frequency_penalty' as const;
/** The presence penalty setting for the GenAI request. (double) */
export const ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY = 'gen_ai.request.presence_penalty' as const;
/** The encoding formats requested in an embeddings operation, if specified. (string[]) */
export const ATTR_GEN_AI_REQUEST_ENCODING_FORMATS = 'gen_ai.request.encoding_formats' as const;
/** Requests with same seed value more likely to return same result. (int) */
export const ATTR_GEN_AI_REQUEST_SEED = 'gen_ai.request.seed' as const;
/** Indicates whether the GenAI request was made in streaming mode. (boolean) */
export const ATTR_GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream' as const;
/** The reasoning or thinking effort level requested for a GenAI model. (string) */
export const ATTR_GEN_AI_REQUEST_REASONING_LEVEL = 'gen_ai.request.reasoning.level' as const;
/** The unique identifier of a previous response or interaction used to provide context for the current operation. (string) */
export const ATTR_GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID = 'gen_ai.request.previous_response.id' as const;
/** The cursor identifying the last streamed event already received, used to resume a streamed response from that position. (string) */
export const ATTR_GEN_AI_REQUEST_STREAM_CURSOR = 'gen_ai.request.stream_cursor' as const;
/** The unique identifier for the completion. (string) */
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id' as const;
/** The name of the model that generated the response. (string) */
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model' as const;
/** Array of reasons the model stopped generating tokens, corresponding to each generation received. (string[]) */
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons' as const;
/** The lifecycle status of a generated response, as reported by the provider when the response is fetched or polled. (enum) */
export const ATTR_GEN_AI_RESPONSE_STATUS = 'gen_ai.response.status' as const;
/** Time to first chunk in a streaming response, measured from request issuance, in seconds. The value is measured from when the client issues the generation request to when the first chunk is received in the response stream. (double) */
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk' as const;
/** The number of tokens used in the GenAI input (prompt). (int) */
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens' as const;
/** The number of input tokens served from a provider-managed cache. (int) */
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens' as const;
/** The number of input tokens written to a provider-managed cache. (int) */
export const ATTR_GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS =
  'gen_ai.usage.cache_creation.input_tokens' as const;
/** The number of tokens used in the GenAI response (completion). (int) */
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens' as const;
/** The number of output tokens used for reasoning (e.g. chain-of-thought, extended thinking). (int) */
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens' as const;
/** The type of token being counted. (enum) */
export const ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type' as const;
/** The unique identifier for a conversation (session, thread), used to store and correlate messages within this conversation. (string) */
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id' as const;
/** Indicates whether the effective conversation context used for this operation is a compacted view of a prior conversation. (boolean) */
export const ATTR_GEN_AI_CONVERSATION_COMPACTED = 'gen_ai.conversation.compacted' as const;
/** The unique and stable identifier of the GenAI hosted agent resource. (string) */
export const ATTR_GEN_AI_AGENT_ID = 'gen_ai.agent.id' as const;
/** Human-readable name of the GenAI agent provided by the application. (string) */
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name' as const;
/** Free-form description of the GenAI agent provided by the application. (string) */
export const ATTR_GEN_AI_AGENT_DESCRIPTION = 'gen_ai.agent.description' as const;
/** The version of the GenAI agent. (string) */
export const ATTR_GEN_AI_AGENT_VERSION = 'gen_ai.agent.version' as const;
/** Name of the tool utilized by the agent. (string) */
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name' as const;
/** The tool call identifier. (string) */
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id' as const;
/** The tool description. (string) */
export const ATTR_GEN_AI_TOOL_DESCRIPTION = 'gen_ai.tool.description' as const;
/** Type of the tool utilized by the agent (string) */
export const ATTR_GEN_AI_TOOL_TYPE = 'gen_ai.tool.type' as const;
/** Parameters passed to the tool call. (any) */
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments' as const;
/** The result returned by the tool call (if any and if execution was successful). (any) */
export const ATTR_GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result' as const;
/** The list of tool definitions available to the GenAI agent or model. (any) */
export const ATTR_GEN_AI_TOOL_DEFINITIONS = 'gen_ai.tool.definitions' as const;
/** The data source identifier. (string) */
export const ATTR_GEN_AI_DATA_SOURCE_ID = 'gen_ai.data_source.id' as const;
/** The name of the operation being performed. (enum) */
export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name' as const;
/** Represents the content type requested by the client. (enum) */
export const ATTR_GEN_AI_OUTPUT_TYPE = 'gen_ai.output.type' as const;
/** The number of dimensions the resulting output embeddings should have. (int) */
export const ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT = 'gen_ai.embeddings.dimension.count' as const;
/** The documents retrieved. (any) */
export const ATTR_GEN_AI_RETRIEVAL_DOCUMENTS = 'gen_ai.retrieval.documents' as const;
/** The query text used for retrieval. (string) */
export const ATTR_GEN_AI_RETRIEVAL_QUERY_TEXT = 'gen_ai.retrieval.query.text' as const;
/** The maximum number of documents the retriever was asked to return for the query (also known as `k`, `limit`, or `max_num_results`). (int) */
export const ATTR_GEN_AI_RETRIEVAL_TOP_K = 'gen_ai.retrieval.top_k' as const;
/** The unique identifier of the memory store. (string) */
export const ATTR_GEN_AI_MEMORY_STORE_ID = 'gen_ai.memory.store.id' as const;
/** The unique identifier of the memory record. (string) */
export const ATTR_GEN_AI_MEMORY_RECORD_ID = 'gen_ai.memory.record.id' as const;
/** The number of memory records relevant to the operation. (int) */
export const ATTR_GEN_AI_MEMORY_RECORD_COUNT = 'gen_ai.memory.record.count' as const;
/** The search query used to retrieve memories. (string) */
export const ATTR_GEN_AI_MEMORY_QUERY_TEXT = 'gen_ai.memory.query.text' as const;
/** The memory records stored or retrieved in a memory operation. (any) */
export const ATTR_GEN_AI_MEMORY_RECORDS = 'gen_ai.memory.records' as const;
/** The system message or instructions provided to the GenAI model separately from the chat history. (any) */
export const ATTR_GEN_AI_SYSTEM_INSTRUCTIONS = 'gen_ai.system_instructions' as const;
/** The chat history provided to the model as an input. (any) */
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages' as const;
/** Messages returned by the model where each message represents a specific model response (choice, candidate). (any) */
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages' as const;
/** The name of the evaluation metric used for the GenAI response. (string) */
export const ATTR_GEN_AI_EVALUATION_NAME = 'gen_ai.evaluation.name' as const;
/** The evaluation score returned by the evaluator. (double) */
export const ATTR_GEN_AI_EVALUATION_SCORE_VALUE = 'gen_ai.evaluation.score.value' as const;
/** Human readable label for evaluation. (string) */
export const ATTR_GEN_AI_EVALUATION_SCORE_LABEL = 'gen_ai.evaluation.score.label' as const;
/** A free-form explanation for the assigned score provided by the evaluator. (string) */
export const ATTR_GEN_AI_EVALUATION_EXPLANATION = 'gen_ai.evaluation.explanation' as const;
/** The name of the prompt that uniquely identifies it. (string) */
export const ATTR_GEN_AI_PROMPT_NAME = 'gen_ai.prompt.name' as const;
/** The version of the prompt template used. (string) */
export const ATTR_GEN_AI_PROMPT_VERSION = 'gen_ai.prompt.version' as const;
/** The variables supplied to the prompt template, the `<key>` being the variable name, the value being the variable value. (template[string]) */
export const ATTR_GEN_AI_PROMPT_VARIABLE = 'gen_ai.prompt.variable' as const;
/** Builds the template attribute key `gen_ai.prompt.variable.<name>`. */
export function attrGenAiPromptVariable(name: string): string {
  return `${ATTR_GEN_AI_PROMPT_VARIABLE}.${name}`;
}
/** Human-readable name of the GenAI workflow provided by the application. (string) */
export const ATTR_GEN_AI_WORKFLOW_NAME = 'gen_ai.workflow.name' as const;

// openai/registry.yaml
/** The service tier requested. May be a specific tier, default, or auto. (enum) */
export const ATTR_OPENAI_REQUEST_SERVICE_TIER = 'openai.request.service_tier' as const;
/** The type of OpenAI API being used. (enum) */
export const ATTR_OPENAI_API_TYPE = 'openai.api.type' as const;
/** The service tier used for the response. (string) */
export const ATTR_OPENAI_RESPONSE_SERVICE_TIER = 'openai.response.service_tier' as const;
/** A fingerprint to track any eventual change in the Generative AI environment. (string) */
export const ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT = 'openai.response.system_fingerprint' as const;

// aws-bedrock/registry.yaml
/** The unique identifier of the AWS Bedrock Guardrail. A [guardrail](https://docs.aws.amazon.com/bedrock/latest/userguide/guardrails.html) helps safeguard and prevent unwanted behavior from model responses or user messages. (string) */
export const ATTR_AWS_BEDROCK_GUARDRAIL_ID = 'aws.bedrock.guardrail.id' as const;
/** The unique identifier of the AWS Bedrock Knowledge base. A [knowledge base](https://docs.aws.amazon.com/bedrock/latest/userguide/knowledge-base.html) is a bank of information that can be queried by models to generate more relevant responses and augment prompts. (string) */
export const ATTR_AWS_BEDROCK_KNOWLEDGE_BASE_ID = 'aws.bedrock.knowledge_base.id' as const;

/** Values of `gen_ai.provider.name`. */
export const GEN_AI_PROVIDER_NAME_VALUES = {
  OPENAI: 'openai',
  GCP_GEN_AI: 'gcp.gen_ai',
  GCP_VERTEX_AI: 'gcp.vertex_ai',
  GCP_GEMINI: 'gcp.gemini',
  ANTHROPIC: 'anthropic',
  COHERE: 'cohere',
  AZURE_AI_INFERENCE: 'azure.ai.inference',
  AZURE_AI_OPENAI: 'azure.ai.openai',
  IBM_WATSONX_AI: 'ibm.watsonx.ai',
  AWS_BEDROCK: 'aws.bedrock',
  PERPLEXITY: 'perplexity',
  X_AI: 'x_ai',
  DEEPSEEK: 'deepseek',
  GROQ: 'groq',
  MISTRAL_AI: 'mistral_ai',
  MOONSHOT_AI: 'moonshot_ai',
} as const;

/** Values of `gen_ai.response.status`. */
export const GEN_AI_RESPONSE_STATUS_VALUES = {
  QUEUED: 'queued',
  IN_PROGRESS: 'in_progress',
  COMPLETED: 'completed',
  INCOMPLETE: 'incomplete',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
} as const;

/** Values of `gen_ai.token.type`. */
export const GEN_AI_TOKEN_TYPE_VALUES = {
  INPUT: 'input',
  OUTPUT: 'output',
} as const;

/** Values of `gen_ai.operation.name`. */
export const GEN_AI_OPERATION_NAME_VALUES = {
  CHAT: 'chat',
  GENERATE_CONTENT: 'generate_content',
  TEXT_COMPLETION: 'text_completion',
  EMBEDDINGS: 'embeddings',
  RETRIEVAL: 'retrieval',
  FETCH_RESPONSE: 'fetch_response',
  CREATE_AGENT: 'create_agent',
  INVOKE_AGENT: 'invoke_agent',
  EXECUTE_TOOL: 'execute_tool',
  INVOKE_WORKFLOW: 'invoke_workflow',
  PLAN: 'plan',
  SEARCH_MEMORY: 'search_memory',
  CREATE_MEMORY: 'create_memory',
  UPDATE_MEMORY: 'update_memory',
  UPSERT_MEMORY: 'upsert_memory',
  DELETE_MEMORY: 'delete_memory',
  CREATE_MEMORY_STORE: 'create_memory_store',
  DELETE_MEMORY_STORE: 'delete_memory_store',
} as const;

/** Values of `gen_ai.output.type`. */
export const GEN_AI_OUTPUT_TYPE_VALUES = {
  TEXT: 'text',
  JSON: 'json',
  IMAGE: 'image',
  SPEECH: 'speech',
} as const;

/** Values of `openai.request.service_tier`. */
export const OPENAI_REQUEST_SERVICE_TIER_VALUES = {
  AUTO: 'auto',
  DEFAULT: 'default',
} as const;

/** Values of `openai.api.type`. */
export const OPENAI_API_TYPE_VALUES = {
  CHAT_COMPLETIONS: 'chat_completions',
  RESPONSES: 'responses',
} as const;

// Core registry attributes the GenAI spans reference (semantic-conventions v1.43.0).
/** Server domain name, IP address or Unix socket name. (string) */
export const ATTR_SERVER_ADDRESS = 'server.address' as const;
/** Server port number. (int) */
export const ATTR_SERVER_PORT = 'server.port' as const;
/** Describes a class of error the operation ended with. (string) */
export const ATTR_ERROR_TYPE = 'error.type' as const;
/** The type of the exception. (string) */
export const ATTR_EXCEPTION_TYPE = 'exception.type' as const;
/** The exception message. (string) */
export const ATTR_EXCEPTION_MESSAGE = 'exception.message' as const;
/** The value `error.type` takes when no better class is known. */
export const ERROR_TYPE_VALUE_OTHER = '_OTHER' as const;
/** Azure resource provider namespace (Azure AI Inference refinement). */
export const ATTR_AZURE_RESOURCE_PROVIDER_NAMESPACE = 'azure.resource_provider.namespace' as const;

// Metrics (gen-ai/metrics.yaml). All are histograms.
export const METRIC_GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage' as const;
export const METRIC_GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration' as const;
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK =
  'gen_ai.client.operation.time_to_first_chunk' as const;
export const METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK =
  'gen_ai.client.operation.time_per_output_chunk' as const;

/** Bucket boundaries the conventions advise for `gen_ai.client.token.usage` (unit `{token}`). */
export const TOKEN_USAGE_BUCKETS: readonly number[] = [
  1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
];
/** Bucket boundaries the conventions advise for the duration histograms (unit `s`). */
export const DURATION_BUCKETS: readonly number[] = [
  0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
];

// Events (gen-ai/events.yaml), emitted as OTLP log records with an event name.
export const EVENT_GEN_AI_CLIENT_INFERENCE_OPERATION_DETAILS =
  'gen_ai.client.inference.operation.details' as const;
export const EVENT_GEN_AI_EVALUATION_RESULT = 'gen_ai.evaluation.result' as const;
export const EVENT_GEN_AI_CLIENT_OPERATION_EXCEPTION = 'gen_ai.client.operation.exception' as const;
