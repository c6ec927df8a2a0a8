import { describe, expect, it } from 'vitest';
import { validateMessages } from '../../../test/helpers/semconv.js';
import { dataUrlToBlobPart, serverFromUrl } from '../src/index.js';

describe('dataUrlToBlobPart', () => {
  it('turns base64 data URLs into blob parts whatever the case of the scheme and the base64 token', () => {
    for (const url of [
      'data:image/png;base64,iVBORw0KGgo=',
      'DATA:image/png;BASE64,iVBORw0KGgo=',
      'Data:image/png;name=a.png;Base64,iVBORw0KGgo=',
    ]) {
      expect(dataUrlToBlobPart(url, 'image')).toEqual({
        type: 'blob',
        modality: 'image',
        mime_type: 'image/png',
        content: 'iVBORw0KGgo=',
      });
    }
    expect(dataUrlToBlobPart('data:;base64,AAAA', 'image')).toEqual({
      type: 'blob',
      modality: 'image',
      mime_type: null,
      content: 'AAAA',
    });
  });

  it('keeps other URLs as uri parts, valid message parts either way', () => {
    expect(dataUrlToBlobPart('https://example.com/a.png', 'image')).toEqual({
      type: 'uri',
      modality: 'image',
      uri: 'https://example.com/a.png',
    });
    // Not base64: a uri part here, which content capture elides as a data URL before recording.
    expect(dataUrlToBlobPart('data:text/plain,hello', 'document').type).toBe('uri');
    const parts = ['DATA:image/png;BASE64,AAAA', 'https://example.com/a.png'].map((u) =>
      dataUrlToBlobPart(u, 'image'),
    );
    expect(validateMessages('input', [{ role: 'user', parts }])).toEqual([]);
  });
});

describe('serverFromUrl', () => {
  it('gives the address and the explicit or default port', () => {
    expect(serverFromUrl('https://api.openai.com/v1')).toEqual({ address: 'api.openai.com', port: 443 });
    expect(serverFromUrl('http://[::1]:8080/v1')).toEqual({ address: '::1', port: 8080 });
    expect(serverFromUrl('not a url')).toEqual({});
  });
});
