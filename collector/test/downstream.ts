import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { COLLECTOR_DIR } from './helpers.js';

const root = protobuf.loadSync(path.join(COLLECTOR_DIR, 'proto', 'otlp.proto'));
const ExportTraceServiceRequest = root.lookupType('opentelemetry.proto.ExportTraceServiceRequest');

export interface Received {
  at: number;
  headers: http.IncomingHttpHeaders;
  spanIds: string[];
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
  delayMs?: number;
}

type Attrs = Record<string, unknown>;

/**
 * A downstream OTLP/HTTP receiver (like Jaeger's) for forwarder tests: it decodes each body by its content
 * type (400 to one it cannot decode, like a real receiver), records every request and the attributes of
 * every span by id, answers as the test scripts it (`reply`), and can stop and start again on its port.
 */
export class Downstream {
  readonly received: Received[] = [];
  /** Span attributes (scalar values) by span id, of every span received. */
  readonly spans = new Map<string, Attrs>();
  reply: (r: Received) => Reply = () => ({ status: 200 });
  private _server?: http.Server;
  port = 0;

  get requests(): number {
    return this.received.length;
  }

  async start(): Promise<void> {
    this._server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let spans: Array<[string, Attrs]>;
        try {
          spans = decodeSpans(Buffer.concat(chunks), req.headers['content-type']);
        } catch {
          res.writeHead(400).end();
          return;
        }
        for (const [id, attrs] of spans) this.spans.set(id, attrs);
        const r: Received = { at: Date.now(), headers: req.headers, spanIds: spans.map(([id]) => id) };
        this.received.push(r);
        const out = this.reply(r);
        const send = (): void => {
          if (!res.destroyed) res.writeHead(out.status, out.headers ?? {}).end(out.body ?? '');
        };
        if (out.delayMs) setTimeout(send, out.delayMs);
        else send();
      });
    });
    await new Promise<void>((resolve) => this._server?.listen(this.port, '127.0.0.1', resolve));
    this.port = (this._server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const s = this._server;
    if (!s) return;
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/v1/traces`;
  }

  get spanIds(): string[] {
    return this.received.flatMap((r) => r.spanIds);
  }
}

function decodeSpans(body: Buffer, contentType: string | undefined): Array<[string, Attrs]> {
  const json = contentType === 'application/json';
  const msg: any = json
    ? JSON.parse(body.toString())
    : ExportTraceServiceRequest.toObject(ExportTraceServiceRequest.decode(body), {
        longs: String,
        bytes: String,
      });
  const out: Array<[string, Attrs]> = [];
  for (const rs of msg.resourceSpans ?? [])
    for (const ss of rs.scopeSpans ?? [])
      for (const s of ss.spans ?? []) {
        const attrs: Attrs = {};
        for (const kv of s.attributes ?? [])
          attrs[kv.key] =
            kv.value?.stringValue ?? kv.value?.doubleValue ?? kv.value?.intValue ?? kv.value?.boolValue;
        out.push([json ? s.spanId : Buffer.from(s.spanId, 'base64').toString('hex'), attrs]);
      }
  return out;
}
