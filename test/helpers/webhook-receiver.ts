import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** One request as the receiver saw it; `verified` is the standardwebhooks library's verdict. */
export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data: any;
  /** Indexes of the secrets (see `secrets`) whose Webhook(secret).verify() accepted it. */
  verifiedWith: number[];
  /** The status the receiver answered. */
  status: number;
  /** When it arrived (Date.now()). */
  receivedAt: number;
}

export interface ReceiverReply {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export interface WebhookReceiver {
  port: number;
  url: string;
  /** Every request, oldest first. */
  received: ReceivedWebhook[];
  /** Verified requests answered 2xx: what counts as delivered. */
  delivered(): ReceivedWebhook[];
  /** The secrets each request is verified with (the endpoint's, as its create/rotate answer gave it). */
  secrets: string[];
  /** How to answer a request (default 204). */
  reply: (r: ReceivedWebhook) => ReceiverReply;
  /** Stops listening: connections are refused until start(). */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
}

/**
 * A webhook receiver on 127.0.0.1 that checks every request with the `standardwebhooks`
 * library (the receiver side of the Standard Webhooks specification, the way an application
 * would), and answers as the test says.
 */
/** Which of `secrets` verify a request (their indexes), by the standardwebhooks library itself. */
export function verifiedWith(secrets: readonly string[], body: string, headers: Record<string, string>): number[] {
  return secrets.flatMap((secret, i) => {
    try {
      new Webhook(secret).verify(body, headers);
      return [i];
    } catch {
      return [];
    }
  });
}

export async function startWebhookReceiver(port0 = 0): Promise<WebhookReceiver> {
  let server: http.Server | undefined;
  const sockets = new Set<import('node:net').Socket>();
  const r: WebhookReceiver = {
    port: 0,
    url: '',
    received: [],
    secrets: [],
    reply: () => ({ status: 204 }),
    delivered: () => r.received.filter((w) => w.verifiedWith.length > 0 && w.status >= 200 && w.status < 300),
    async stop() {
      const s = server;
      server = undefined;
      if (!s) return;
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
    async start() {
      server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const headers = req.headers as Record<string, string>;
          const verified = verifiedWith(r.secrets, body, headers);
          let parsed: { type?: string; data?: unknown } = {};
          try {
            parsed = JSON.parse(body);
          } catch {
            // recorded as is
          }
          const w: ReceivedWebhook = { id: headers['webhook-id'], timestamp: headers['webhook-timestamp'], signature: headers['webhook-signature'], body, type: parsed.type ?? '', data: parsed.data, verifiedWith: verified, status: 0, receivedAt: Date.now() };
          const answer = r.reply(w);
          w.status = answer.status;
          r.received.push(w);
          res.writeHead(answer.status, answer.headers);
          res.end(answer.body ?? '');
        });
      });
      server.on('connection', (s) => {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
      });
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(r.port || port0, '127.0.0.1', () => resolve());
      });
      r.port = (server.address() as AddressInfo).port;
      r.url = `http://127.0.0.1:${r.port}/hooks/mailroom`;
    },
  };
  await r.start();
  return r;
}
