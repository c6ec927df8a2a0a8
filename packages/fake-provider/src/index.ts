export { ECHO_WORDS, embeddingVector, estimateTokens } from './content';
export { decodeMessages as decodeEventStream } from './event-stream';
export { startFakeProvider } from './server';
export type { FakeProvider, FakeProviderOptions, Fault, RecordedRequest } from './types';
