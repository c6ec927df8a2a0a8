import { describe, expect, it } from 'vitest';
import { embeddingsRequestAttributes } from '../src/embeddings';

describe('embeddingsRequestAttributes', () => {
  it.each([
    [{ model: 'm', input: 'x' }, {}],
    [
      { encoding_format: 'base64', dimensions: 256 },
      { 'gen_ai.request.encoding_formats': ['base64'], 'gen_ai.embeddings.dimension.count': 256 },
    ],
  ])('%j', (params, expected) => {
    expect(embeddingsRequestAttributes(params)).toStrictEqual(expected);
  });
});
