import type { BlobPart, UriPart } from './messages.js';

/**
 * `server.address` and `server.port` from a base URL. The port is the explicit one, or the scheme's
 * default (the conventions want it whenever the address is set).
 */
export function serverFromUrl(url: string | URL | undefined): { address?: string; port?: number } {
  if (!url) return {};
  try {
    const u = typeof url === 'string' ? new URL(url) : url;
    const port = u.port
      ? Number(u.port)
      : u.protocol === 'https:'
        ? 443
        : u.protocol === 'http:'
          ? 80
          : undefined;
    return { address: u.hostname.replace(/^\[|\]$/g, ''), port };
  } catch {
    return {};
  }
}

/** A base64 `data:` URL; the scheme and the `base64` token are case-insensitive (RFC 2397, RFC 3986). */
const DATA_URL = /^data:([^;,]+)?(?:;[^,]*)?;base64,/i;

/** Turns a `data:` URL into a blob part (the conventions: uri parts must not hold data URLs). */
export function dataUrlToBlobPart(url: string, modality: string): BlobPart | UriPart {
  const m = DATA_URL.exec(url.slice(0, 200));
  if (!m) return { type: 'uri', modality, uri: url };
  return { type: 'blob', modality, mime_type: m[1] ?? null, content: url.slice(m[0].length) };
}
