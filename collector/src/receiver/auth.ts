import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';

/**
 * Bearer-token check. With no token configured it lets everything through.
 * @example app.use('/api', bearerAuth(process.env.GENAI_OPS_API_TOKEN))
 */
export function bearerAuth(token: string | undefined): RequestHandler {
  if (!token) return (_req, _res, next) => next();
  const expected = Buffer.from(token);
  return (req, res, next) => {
    const h = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(h);
    const got = Buffer.from(m?.[1]?.trim() ?? '');
    if (got.length === expected.length && timingSafeEqual(got, expected)) return next();
    res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(401).json({ code: 16, message: 'missing or invalid bearer token' });
  };
}
