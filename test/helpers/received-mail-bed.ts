import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, expect } from 'vitest';
import { receiveMessage, type ReceiveOutcome } from '../../src/core/inbound/receive.service.js';
import { fallbackMessageId, parseMail } from '../../src/inbound/parse-mail.js';
import type { Dialect } from './dialects.js';
import { until } from './inbound-mail.js';
import { startSmtpSink, type SmtpSink } from './smtp-sink.js';
import { startTestApp, type TestApp, type TestAppOptions } from './test-app.js';

/** The account whose mail the bed sends and whose mailbox it reads. */
export const BED_ADDRESS = 'app@example.com';

export interface ReceivedMailBed {
  readonly t: TestApp;
  readonly accountId: string;
  /** The UID the last message received was stored under (the mailbox cursor's lastUid). */
  readonly lastUid: number;
  api(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object): Promise<LightMyRequestResponse>;
  /** Sends a message from the bed's account (the SMTP sink takes it) and waits until it is `sent`. */
  send(to: string[], subject?: string): Promise<{ id: string; messageIdHeader: string }>;
  /** Stores one message as the IMAP reader would: the same parser, core function and cursor; the lease held throughout. */
  receive(raw: Buffer): Promise<ReceiveOutcome>;
}

/**
 * A Mailroom that sends from app@example.com through an SMTP sink and "reads" that account's
 * mailbox itself: received mail is stored the way the IMAP reader stores it, without Dovecot
 * (reading from Dovecot is inbound-imap.test.ts). Started before the file's tests, stopped
 * after them. `prepare` runs before the server and account are made (an enabled webhook
 * endpoint, say).
 */
export function receivedMailBed(dialect: Dialect, opts: { folder?: string; app?: TestAppOptions; prepare?: (t: TestApp) => Promise<unknown> } = {}): ReceivedMailBed {
  const folder = opts.folder ?? 'INBOX';
  let t: TestApp | undefined;
  let sink: SmtpSink | undefined;
  let accountId = '';
  let uid = 0;
  const app = () => {
    if (!t) throw new Error('the received-mail bed is not started yet');
    return t;
  };
  const api: ReceivedMailBed['api'] = (method, url, payload) => app().request({ method, url: `/api/v1${url}`, ...(payload === undefined ? {} : { payload }) });

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestApp(dialect, opts.app);
    await opts.prepare?.(t);
    const serverId = (await api('POST', '/servers', { name: 'sink', smtp: { host: '127.0.0.1', port: sink.port, security: 'none', requireTls: false } })).json().id;
    accountId = (await api('POST', '/accounts', { serverId, address: BED_ADDRESS })).json().id;
    await t.app.startDelivery();
    const ctx = t.app.ports.ctx;
    const now = ctx.clock.now();
    expect(await ctx.store.repos.mailboxes.acquire(accountId, folder, 'test-reader', now, now + 600_000)).toBe(true);
  });
  afterAll(async () => {
    await t?.close();
    await sink?.stop();
  });

  return {
    get t() {
      return app();
    },
    get accountId() {
      return accountId;
    },
    get lastUid() {
      return uid;
    },
    api,
    async send(to, subject = 'Your invitation') {
      const res = await api('POST', '/messages', { to, subject, text: 'Hello' });
      expect(res.statusCode, res.body).toBe(202);
      const id = res.json().id as string;
      return until('the message to be sent', async () => {
        const d = (await api('GET', `/messages/${id}`)).json();
        return d.status === 'sent' && (d as { id: string; messageIdHeader: string });
      });
    },
    async receive(raw) {
      const out = await receiveMessage(app().app.ports.ctx, { accountId, folder, owner: 'test-reader', uidValidity: '1', uid: ++uid }, { mail: await parseMail(raw, raw.length, false), fallbackId: fallbackMessageId(raw) });
      expect(out.leaseLost).toBe(false);
      return out;
    },
  };
}
