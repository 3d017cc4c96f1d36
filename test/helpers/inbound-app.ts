import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import type { InboundTuning, InboundWorker } from '../../src/inbound/worker.js';
import type { Dialect } from './dialects.js';
import { imapSession, until as poll } from './inbound-mail.js';
import type { MailPeers } from './mail-peers.js';
import { startTestApp, type TestApp, type TestAppOptions } from './test-app.js';

export interface InboundAppOptions {
  /** The peers withMailPeers or mailPeers started (read when the app starts, not before). */
  peers: MailPeers;
  /** The account whose mailbox is read, and its IMAP password. */
  address: string;
  password: string;
  /** The account's `inbound` section; reading INBOX unless said otherwise. Its folders other than INBOX are created in Dovecot first. */
  inbound?: { folders: string[]; afterProcessing?: 'none' | 'flag' | 'move'; moveTo?: string };
  /** The inbound worker's tuning (poll, refresh, backoff, lease, body limit). */
  tuning: InboundTuning;
  /** What a timed-out `until` adds to its message: the inbound status, with the last inbound log lines, or nothing. */
  diagnose?: 'status' | 'status and log';
  /** `limit` of the `received()` listing. */
  limit?: number;
  /** Further options of the test app (a clock, say); MAILROOM_ALLOW_PRIVATE_HOSTS is always 127.0.0.1. */
  app?: TestAppOptions;
}

/** The app and what the tests ask it; the fields are set once the suite's beforeAll has run. */
export interface InboundApp<Summary> {
  t: TestApp;
  inbound: InboundWorker;
  serverId: string;
  accountId: string;
  /** The account as POST /accounts answered. */
  account: Record<string, unknown>;
  api: (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown) => Promise<LightMyRequestResponse>;
  /** Polls `fn` every 100 ms until it gives something truthy; fails naming `what` (and the diagnosis) after `timeoutMs`. */
  until: <T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs?: number) => Promise<T>;
  /** POSTs a message from the account and waits until it is `sent`. */
  send: (to: string[], subject?: string) => Promise<{ id: string; messageIdHeader: string }>;
  /** The received messages (GET /messages?direction=in, up to `limit`). */
  received: () => Promise<Summary[]>;
}

/**
 * For a dialect's suite whose messages go out to the SMTP sink and come back from Dovecot (see
 * mailPeers): before its tests a Mailroom with a server (SMTP to the sink, IMAP to Dovecot)
 * and an account that reads its mailbox, delivery and inbound started; after them it is closed.
 */
export function inboundApp<Summary>(dialect: Dialect, o: InboundAppOptions): InboundApp<Summary> {
  const api: InboundApp<Summary>['api'] = (method, url, payload) => ctx.t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
  const diagnose = async (): Promise<string> => {
    const status = (await api('GET', '/inbound/status')).json();
    if (o.diagnose === 'status') return JSON.stringify(status);
    return JSON.stringify({ status, log: ctx.t.logLines.filter((l) => l.includes('inbound') || l.includes('IMAP')).slice(-5) });
  };
  const until: InboundApp<Summary>['until'] = (what, fn, timeoutMs) => poll(what, fn, timeoutMs, o.diagnose ? diagnose : undefined);
  const ctx = {
    api,
    until,
    send: async (to: string[], subject = 'Your invitation') => {
      const res = await api('POST', '/messages', { to, subject, text: 'Hello' });
      expect(res.statusCode).toBe(202);
      const id = res.json().id as string;
      return until('the message to be sent', async () => {
        const d = (await api('GET', `/messages/${id}`)).json();
        return d.status === 'sent' && (d as { id: string; messageIdHeader: string });
      });
    },
    received: async (): Promise<Summary[]> => (await api('GET', `/messages?direction=in&limit=${o.limit ?? 500}`)).json().items,
  } as InboundApp<Summary>;

  beforeAll(async () => {
    const { cert, dovecot, sink } = o.peers;
    const extra = (o.inbound?.folders ?? []).filter((f) => f !== 'INBOX');
    if (extra.length) await imapSession(dovecot, o.address, o.password, async (c) => void (await Promise.all(extra.map((f) => c.mailboxCreate(f)))));
    ctx.t = await startTestApp(dialect, { ...o.app, env: { ...o.app?.env, MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
    const server = await api('POST', '/servers', {
      name: 'internal relay',
      smtp: { host: '127.0.0.1', port: sink.port, security: 'none', tlsTrust: { mode: 'pinned', certificate: cert.cert } },
      imap: { host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' },
    });
    expect(server.statusCode).toBe(201);
    ctx.serverId = server.json().id;
    const account = await api('POST', '/accounts', { serverId: ctx.serverId, address: o.address, password: o.password, inbound: o.inbound ?? { folders: ['INBOX'] } });
    expect(account.statusCode).toBe(201);
    ctx.account = account.json();
    ctx.accountId = account.json().id;
    await ctx.t.app.startDelivery();
    ctx.inbound = await ctx.t.app.startInbound(o.tuning);
  }, 60_000);
  afterAll(async () => ctx.t?.close());
  return ctx;
}
