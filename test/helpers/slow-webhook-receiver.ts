import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { verifiedWith } from './webhook-receiver.js';

/** How the receiver treats one request. */
export type SlowBehaviour =
  /** Answers `status` after `afterMs` (0: at once). */
  | { kind: 'answer'; status: number; afterMs?: number }
  /** Reads the request and never answers (until Mailroom gives up or the receiver stops). */
  | { kind: 'hang' }
  /** Sends the status line and headers at once, then one byte of body every `everyMs`, `bytes` in all. */
  | { kind: 'trickle'; status: number; everyMs: number; bytes: number };

/** One request as this receiver saw it. */
export interface SlowRequest {
  /** webhook-id */
  id: string;
  type: string;
  /** Indexes of `secrets` whose standardwebhooks verify() accepted the request. */
  verifiedWith: number[];
  /** When the request had arrived (Date.now()). */
  receivedAt: number;
  /** Set when Mailroom closed the connection before the receiver had finished answering. */
  abandonedAt: number | null;
  /** Set when the receiver had sent its whole answer. */
  answeredAt: number | null;
  behaviour: SlowBehaviour;
}

export interface SlowWebhookReceiver {
  url: string;
  received: SlowRequest[];
  secrets: string[];
  /** How to treat the next request (default: answer 204 at once). */
  behave: (r: Pick<SlowRequest, 'id' | 'type'>) => SlowBehaviour;
  /** Closes every connection and stops listening. */
  stop(): Promise<void>;
}

/**
 * A webhook receiver on 127.0.0.1 that can be slow in the ways real ones are: answer late, never
 * answer, or answer 2xx at once and then dribble out the body. Every request is checked with the
 * `standardwebhooks` library, and it notes when Mailroom gave up on a request (closed the
 * connection before the answer was complete).
 */
export async function startSlowWebhookReceiver(): Promise<SlowWebhookReceiver> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
    return t;
  };
  const r: SlowWebhookReceiver = {
    url: '',
    received: [],
    secrets: [],
    behave: () => ({ kind: 'answer', status: 204 }),
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = req.headers as Record<string, string>;
      const verified = verifiedWith(r.secrets, body, headers);
      let type = '';
      try {
        type = (JSON.parse(body) as { type?: string }).type ?? '';
      } catch {
        // recorded as is
      }
      const id = headers['webhook-id'];
      const behaviour = r.behave({ id, type });
      const seen: SlowRequest = { id, type, verifiedWith: verified, receivedAt: Date.now(), abandonedAt: null, answeredAt: null, behaviour };
      r.received.push(seen);
      res.on('close', () => {
        if (seen.answeredAt === null) seen.abandonedAt = Date.now();
      });
      const done = () => {
        seen.answeredAt = Date.now();
      };
      if (behaviour.kind === 'hang') return;
      if (behaviour.kind === 'answer') {
        const answer = () => {
          if (res.destroyed) return;
          res.writeHead(behaviour.status);
          res.end('ok', done);
        };
        if (behaviour.afterMs) later(behaviour.afterMs, answer);
        else answer();
        return;
      }
      res.writeHead(behaviour.status, { 'content-type': 'text/plain', 'content-length': String(behaviour.bytes) });
      res.flushHeaders();
      let sent = 0;
      const drip = () => {
        if (res.destroyed) return;
        sent++;
        if (sent >= behaviour.bytes) return void res.end('.', done);
        res.write('.');
        later(behaviour.everyMs, drip);
      };
      later(behaviour.everyMs, drip);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  r.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/mailroom`;
  return r;
}
