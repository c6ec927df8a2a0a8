/**
 * The parts of the @google/genai shapes the instrumentation reads. Written out here (not imported) so
 * the SDK is never loaded at run time and one set of types covers the 1.x and 2.x majors.
 * Source: https://github.com/googleapis/js-genai/blob/main/src/types.ts
 */

export interface GeminiPart {
  text?: string;
  thought?: boolean;
  inlineData?: { mimeType?: string; data?: string };
  fileData?: { mimeType?: string; fileUri?: string };
  functionCall?: { id?: string; name?: string; args?: Record<string, unknown> };
  functionResponse?: { id?: string; name?: string; response?: unknown };
  executableCode?: { code?: string; language?: string };
  codeExecutionResult?: { outcome?: string; output?: string };
}

export interface GeminiContent {
  role?: string;
  parts?: GeminiPart[];
}

/** `PartUnion`, `ContentUnion` and `ContentListUnion` of the SDK, as one loose type. */
export type GeminiContentInput =
  | string
  | GeminiPart
  | GeminiContent
  | Array<string | GeminiPart | GeminiContent>;

export interface GeminiFunctionDeclaration {
  name?: string;
  description?: string;
  parameters?: unknown;
  parametersJsonSchema?: unknown;
}

export interface GeminiTool {
  functionDeclarations?: GeminiFunctionDeclaration[];
  [key: string]: unknown;
}

export interface GeminiGenerateContentConfig {
  systemInstruction?: GeminiContentInput;
  temperature?: number;
  topP?: number;
  topK?: number;
  candidateCount?: number;
  maxOutputTokens?: number;
  stopSequences?: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  seed?: number;
  responseMimeType?: string;
  responseSchema?: unknown;
  responseJsonSchema?: unknown;
  responseModalities?: string[];
  tools?: unknown[];
  thinkingConfig?: { thinkingBudget?: number; thinkingLevel?: string; includeThoughts?: boolean };
  [key: string]: unknown;
}

export interface GeminiGenerateContentParams {
  model?: string;
  contents?: GeminiContentInput;
  config?: GeminiGenerateContentConfig;
}

export interface GeminiCandidate {
  content?: GeminiContent;
  finishReason?: string;
  index?: number;
}

export interface GeminiUsageMetadata {
  promptTokenCount?: number;
  candidatesTokenCount?: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
  toolUsePromptTokenCount?: number;
}

export interface GeminiGenerateContentResponse {
  candidates?: GeminiCandidate[];
  usageMetadata?: GeminiUsageMetadata;
  modelVersion?: string;
  responseId?: string;
  promptFeedback?: { blockReason?: string };
}

export interface GeminiEmbedContentParams {
  model?: string;
  contents?: GeminiContentInput;
  config?: { outputDimensionality?: number; taskType?: string; [key: string]: unknown };
}

export interface GeminiEmbedContentResponse {
  embeddings?: Array<{ values?: number[]; statistics?: { tokenCount?: number } }>;
}

/** The `Models` instance a wrapped method runs on: its (internal) API client tells backend and URL. */
export interface GeminiModelsLike {
  apiClient?: { isVertexAI?: () => boolean; getBaseUrl?: () => string };
}

export type AsyncFunction = (this: unknown, ...args: unknown[]) => Promise<unknown>;
