/** A real HTTP webhook receiver on 127.0.0.1 for the webhook tests: records what arrives, answers a settable status. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got. */
export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A running receiver. */
export interface Receiver {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  received: Received[];
  /** The status the next requests are answered with (default 200); 0: never answer (the request hangs until closed). */
  status: number;
  close(): Promise<void>;
}

/** Start a receiver on an ephemeral loopback port. */
export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const state = { status: 200 };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      if (state.status === 0) return;
      res.writeHead(state.status, { 'content-type': 'text/plain' });
      res.end(state.status >= 300 ? 'receiver says no\u0000 whsec_shouldnotbekept and more' : 'ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received,
    get status() {
      return state.status;
    },
    set status(s: number) {
      state.status = s;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Verify a Buffalo-Signature the way docs/webhooks.md tells receivers to (independent of Buffalo's code). */
export function verifyLikeAReceiver(secret: string, header: string | string[] | undefined, body: string): boolean {
  if (typeof header !== 'string') return false;
  const fields = Object.fromEntries(header.split(',').map((kv) => kv.split('=')));
  const expected = createHmac('sha256', secret).update(`${fields.t}.${body}`).digest('hex');
  return typeof fields.v1 === 'string' && fields.v1.length === expected.length && timingSafeEqual(Buffer.from(fields.v1), Buffer.from(expected));
}
