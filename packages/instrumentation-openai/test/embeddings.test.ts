import { describe, expect, it } from 'vitest';
import { embeddingsRequestAttributes } from '../src/embeddings';

describe('embeddingsRequestAttributes', () => {
  it.each([
    [
      { model: 'm', input: 'x' },
      { 'gen_ai.request.encoding_formats': undefined, 'gen_ai.embeddings.dimension.count': undefined },
    ],
    [
      { encoding_format: 'base64', dimensions: 256 },
      { 'gen_ai.request.encoding_formats': ['base64'], 'gen_ai.embeddings.dimension.count': 256 },
    ],
  ])('%j', (params, expected) => {
    expect(embeddingsRequestAttributes(params)).toEqual(expected);
  });
});
