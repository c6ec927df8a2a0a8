import express, { type NextFunction, type Request, type Response, Router } from 'express';
import type { SpanProcessor } from '../component.js';
import { type DuckDBStore, QueryRejectedError, QueryTimeoutError } from '../exporters/duckdb-store.js';

/** The reads the API needs: the store itself, or the loader worker's client that owns it. */
export type QueryStore = Pick<DuckDBStore, 'sql' | 'listTraces' | 'getTrace' | 'reprice'>;

import type { CollectorMetrics } from '../exporters/metrics.js';
import { bearerAuth } from '../receiver/auth.js';

export interface QueryApiConfig {
  store: QueryStore;
  metrics: CollectorMetrics;
  /** Bearer token for /api/* and /metrics. Default none. */
  authToken?: string;
  /** Builds a CostProcessor for reprice; absent when the cost processor is not available. */
  costProcessor?: () => SpanProcessor;
}

const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1e3, m: 60e3, h: 3600e3, d: 86400e3, w: 7 * 86400e3 };

/** `since` as an ISO timestamp or a duration back from now (`90s`, `15m`, `24h`, `7d`). Returns UTC ISO or throws. */
export function parseSince(since: string, now = Date.now()): string {
  const m = DURATION_RE.exec(since.trim());
  if (m) return new Date(now - Number(m[1]) * (UNIT_MS[m[2] as string] as number)).toISOString();
  const t = Date.parse(since);
  if (Number.isNaN(t))
    throw new Error(`invalid since: ${JSON.stringify(since)} (ISO time or duration like 24h)`);
  return new Date(t).toISOString();
}

/** DuckDB TIMESTAMP literal (UTC, no zone) from an ISO string. */
function tsLiteral(iso: string): string {
  return iso.replace('T', ' ').replace('Z', '');
}

function bad(res: Response, message: string, status = 400): void {
  res.status(status).json({ error: message });
}

/**
 * The local query API, on the receiver's port: GET /api/traces, GET /api/traces/:id,
 * POST /api/sql (read-only), POST /api/reprice, GET /api/health, and GET /metrics (Prometheus).
 * @example app.use(queryApi({ store, metrics }))
 */
export function queryApi(config: QueryApiConfig): Router {
  const router = Router();
  const auth = bearerAuth(config.authToken);
  router.use('/api', auth);
  router.use('/api', express.json({ limit: '1mb' }));

  router.get('/metrics', auth, async (_req, res) => {
    res.type(config.metrics.registry.contentType).send(await config.metrics.registry.metrics());
  });

  router.get('/api/health', (_req, res) => {
    res.json({ status: 'ok', pid: process.pid });
  });

  router.get('/api/traces', async (req: Request, res: Response) => {
    const q = req.query as Record<string, unknown>;
    // A repeated parameter (`?service=a&service=b`) is parsed as an array.
    for (const k of ['service', 'since', 'limit'] as const) {
      if (q[k] !== undefined && typeof q[k] !== 'string') return bad(res, `${k} must be given once`);
    }
    let since: string | undefined;
    try {
      since = q.since ? tsLiteral(parseSince(q.since as string)) : undefined;
    } catch (err) {
      return bad(res, (err as Error).message);
    }
    const limit = q.limit !== undefined ? Number(q.limit) : 50;
    if (!Number.isInteger(limit) || limit < 1) return bad(res, 'limit must be a positive integer');
    try {
      res.json({
        traces: await config.store.listTraces({ service: q.service as string | undefined, since, limit }),
      });
    } catch (err) {
      bad(res, (err as Error).message, 500);
    }
  });

  router.get('/api/traces/:id', async (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!/^[0-9a-fA-F]{32}$/.test(id)) return bad(res, 'trace id must be 32 hex characters');
    try {
      const spans = await config.store.getTrace(id);
      if (!spans.length) return bad(res, 'trace not found', 404);
      res.json({ traceId: id.toLowerCase(), spans });
    } catch (err) {
      bad(res, (err as Error).message, 500);
    }
  });

  router.post('/api/sql', async (req: Request, res: Response) => {
    const query = (req.body as { query?: unknown } | undefined)?.query;
    if (typeof query !== 'string' || !query.trim()) return bad(res, 'body must be {"query": "<SQL>"}');
    try {
      res.json(await config.store.sql(query));
    } catch (err) {
      // A timeout is the server's limit (503, as Prometheus answers a query that timed out), not a bad query.
      const status = err instanceof QueryRejectedError ? 403 : err instanceof QueryTimeoutError ? 503 : 400;
      bad(res, (err as Error).message, status);
    }
  });

  router.post('/api/reprice', async (req: Request, res: Response) => {
    const since = (req.body as { since?: unknown } | undefined)?.since;
    if (typeof since !== 'string') return bad(res, 'body must be {"since": "<ISO time or duration>"}');
    if (!config.costProcessor) return bad(res, 'the cost processor is not available', 503);
    let from: string;
    try {
      from = tsLiteral(parseSince(since));
    } catch (err) {
      return bad(res, (err as Error).message);
    }
    try {
      res.json({ since: from, ...(await config.store.reprice(from, config.costProcessor())) });
    } catch (err) {
      bad(res, (err as Error).message, 500);
    }
  });

  // Errors passed on by the middleware above (a malformed or oversized JSON body, an unsupported
  // charset, a badly percent-encoded path): answered as JSON like every other API error, instead of
  // Express's default HTML page, which also shows the stack trace outside production.
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: unknown }).status;
    const http = typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
    bad(res, (err as Error)?.message ?? String(err), http);
  });
  return router;
}
