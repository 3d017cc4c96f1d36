import pino from 'pino';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredAccount } from '../../src/core/senders/ports.js';
import type { ClaimedMessage } from '../../src/core/outbox/ports.js';
import { classifyAttempt, type AttemptReport } from '../../src/core/outbox/retry-policy.js';
import { hintNoStarttls } from '../../src/core/probes/smtp-hints.js';
import { DEFAULT_RETRY, type MailServer, type SmtpSettings } from '../../src/core/senders/servers.js';
import type { OutgoingMessage } from '../../src/delivery/outgoing.js';
import { SmtpThread } from '../../src/delivery/smtp/thread.js';
import { SmtpTransports, type SendTarget } from '../../src/delivery/smtp/transport.js';
import { selfSignedCert, tempDir } from '../helpers/diagnostics-peers.js';
import { freePort } from '../helpers/ports.js';
import { startScriptedPeer, type PeerSession, type Script, type ScriptedPeer } from '../helpers/scripted-smtp-peer.js';

/**
 * The SMTP client against peers that break the protocol (issue 20): extra reply lines, replies
 * that do not fit the command, 421 then close on a pooled connection, trickled replies, a close
 * after the final dot, STARTTLS required but not offered. Every case runs through both ways the
 * dispatcher sends: SmtpTransports in this thread and SmtpThread (the same pools in a worker).
 */
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let seq = 0;

function target(port: number, smtp: Partial<SmtpSettings> = {}): SendTarget {
  const n = ++seq;
  const server: MailServer = {
    id: `srv_fault${n}`,
    name: `fault peer ${n}`,
    source: 'database',
    overridden: [],
    createdAt: T0,
    updatedAt: T0,
    version: 1,
    smtp: { host: '127.0.0.1', port, security: 'none', requireTls: false, tlsTrust: { mode: 'system' }, connectTimeoutSec: 2, sendTimeoutSec: 2, maxConnections: 1, ...smtp },
    imap: null,
    retry: DEFAULT_RETRY,
    rateLimit: null,
  };
  const account: StoredAccount = {
    id: `acc_fault${n}`,
    serverId: server.id,
    address: `app${n}@example.com`,
    login: null,
    fromName: 'Fault App',
    replyTo: null,
    aliases: [],
    passwordRef: null,
    passwordSet: false,
    passwordSecretId: null,
    auth: { type: 'password' },
    clientSecretId: null,
    refreshTokenId: null,
    active: true,
    ownerId: null,
    rateLimit: null,
    inbound: null,
    source: 'database',
    overridden: [],
    createdAt: T0,
    updatedAt: T0,
    version: 1,
  };
  return { account, server };
}

function outgoing(t: SendTarget, subject: string, to = 'rcpt@example.net'): OutgoingMessage {
  const id = `msg_fault${++seq}`;
  const message: ClaimedMessage = {
    id,
    direction: 'out',
    status: 'sending',
    purpose: 'alert',
    priority: 0,
    accountId: t.account.id,
    serverId: t.server.id,
    routing: { accountId: t.account.id, serverId: t.server.id, reason: 'test', failoverAccountIds: [] },
    from: { name: 'Fault App', address: t.account.address },
    envelopeFrom: t.account.address,
    to: [{ address: to }],
    cc: [],
    bcc: [],
    replyTo: null,
    subject,
    text: 'hello\n.\nthe line above is a lone dot\n',
    html: null,
    headers: {},
    attachments: [],
    sizeBytes: 100,
    idempotencyScope: null,
    idempotencyKey: null,
    sendAt: T0,
    nextAttemptAt: T0,
    expireAt: T0 + 86_400_000,
    attemptCount: 0,
    leaseOwner: null,
    leaseUntil: null,
    source: 'api',
    createdBy: null,
    lastError: null,
    messageIdHeader: `<${id}@example.com>`,
    sentAt: null,
    possibleDuplicate: false,
    read: false,
    kind: null,
    inReplyTo: null,
    rejectedCount: 0,
    lastHint: null,
    template: null,
    createdAt: T0,
    updatedAt: T0,
    pending: [],
    acceptedBefore: 0,
  };
  return { message, recipients: [to] };
}

/** The outbox's reading of a report for the one recipient: sent, deferred (retried) or failed. */
const outcomeOf = (report: AttemptReport) => classifyAttempt(['rcpt@example.net'], report).outcome;

interface Sender {
  send(target: SendTarget, out: OutgoingMessage): Promise<AttemptReport>;
  close(): Promise<void>;
}

const passwords = new Map<string, string>();
const password = async (account: StoredAccount) => {
  const value = passwords.get(account.id);
  return value === undefined ? undefined : { value, checkAfter: null };
};
const senders: Record<string, () => Sender> = {
  SmtpTransports: () => new SmtpTransports({ password, logger: { warn: () => undefined } }),
  SmtpThread: () => new SmtpThread({ password, dkim: async () => undefined, logger: pino({ level: 'silent' }) }),
};

describe.each(Object.keys(senders))('SMTP protocol faults through %s', (kind) => {
  let sender: Sender;
  const peers: { stop(): Promise<void> }[] = [];
  const peer = async (opts: { greeting?: (s: PeerSession) => void; script?: Script }) => {
    const p = await startScriptedPeer(opts);
    peers.push(p);
    return p;
  };
  /** One attempt, timed as the dispatcher times it. */
  const attempt = async (t: SendTarget, subject = 'fault', to?: string) => {
    const started = performance.now();
    const report = await sender.send(t, outgoing(t, subject, to));
    return { report, ms: performance.now() - started };
  };

  beforeAll(async () => {
    sender = senders[kind]();
    // Start the thread (and its TypeScript loader) before anything is timed.
    const warm = await peer({});
    const { report } = await attempt(target(warm.port), 'warm-up');
    expect(outcomeOf(report)).toBe('sent');
  });
  afterAll(async () => {
    await sender?.close();
    for (const p of peers) await p.stop();
  });

  it('a well-behaved peer passes the guard: STARTTLS, AUTH LOGIN continuations, PIPELINING, RSET after a refusal, one connection', async () => {
    const cert = selfSignedCert(tempDir('mailroom-guard-'), 'guard.mail.test');
    const port = await freePort();
    const seen = { connections: 0, messages: 0, auths: [] as string[] };
    const server = new SMTPServer({
      disableReverseLookup: true,
      logger: false,
      key: cert.key,
      cert: cert.cert,
      authMethods: ['LOGIN'],
      onConnect: (_s, cb) => (seen.connections++, cb()),
      onAuth: (auth, _s, cb) => (seen.auths.push(auth.username ?? ''), auth.password === 'right' ? cb(null, { user: auth.username }) : cb(new Error('no'))),
      onRcptTo: (addr, _s, cb) => (addr.address.startsWith('nobody@') ? cb(Object.assign(new Error('5.1.1 no such user'), { responseCode: 550 })) : cb()),
      onData: (stream, _s, cb) => {
        stream.on('end', () => (seen.messages++, cb()));
        stream.resume();
      },
    });
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    peers.push({ stop: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const t = target(port, { security: 'starttls', requireTls: true, tlsTrust: { mode: 'pinned', certificate: cert.cert } });
    passwords.set(t.account.id, 'right');
    for (let i = 0; i < 3; i++) expect(outcomeOf((await attempt(t, `good ${i}`)).report)).toBe('sent');
    const refused = (await attempt(t, 'refused', 'nobody@example.net')).report;
    expect(refused.rejected[0]).toMatchObject({ address: 'nobody@example.net', code: 550 });
    expect(outcomeOf((await attempt(t, 'after the refusal')).report)).toBe('sent');
    expect(seen).toEqual({ connections: 1, messages: 4, auths: [t.account.address] });
  });

  describe('extra or misplaced reply lines never desynchronise the session', () => {
    it('a line beyond the greeting (data before the client has spoken) ends the session before any mail is sent', async () => {
      const p = await peer({ greeting: (s) => s.write('220 peer.test ESMTP\r\n220 peer.test and one line too many\r\n') });
      const { report } = await attempt(target(p.port));
      expect(report.accepted).toEqual([]);
      expect(report.failure).toMatchObject({ kind: 'protocol' });
      expect(report.failure?.message).toMatch(/protocol violation/i);
      expect(report.failure?.message).toContain('220 peer.test and one line too many');
      expect(report.possibleDuplicate).toBeUndefined();
      expect(outcomeOf(report)).toBe('deferred');
      await sleep(300);
      expect(p.messages).toHaveLength(0);
      expect(p.commands.some((c) => /^MAIL/i.test(c))).toBe(false);
    });

    it('a greeting line that arrives after EHLO was sent is not taken for the EHLO reply', async () => {
      const p = await peer({
        greeting: (s) => {
          s.write('220 peer.test ESMTP\r\n');
          setTimeout(() => s.write('220 peer.test late extra line\r\n'), 5);
        },
        // The real EHLO reply waits until the extra line is surely on the wire.
        script: (cmd) => (/^EHLO/i.test(cmd) ? null : undefined),
      });
      const { report } = await attempt(target(p.port));
      expect(report.failure).toMatchObject({ kind: 'protocol' });
      expect(report.failure?.message).toContain('220 peer.test late extra line');
      expect(p.messages).toHaveLength(0);
    });

    it('an extra line after the RCPT reply: the body is never sent after a reply meant for something else', async () => {
      const p = await peer({ script: (cmd) => (/^RCPT/i.test(cmd) ? '250 2.1.5 Ok\r\n250 2.0.0 one more line\r\n' : undefined) });
      const { report } = await attempt(target(p.port));
      expect(report.failure).toMatchObject({ kind: 'protocol' });
      expect(report.possibleDuplicate).toBeUndefined();
      expect(outcomeOf(report)).toBe('deferred');
      await sleep(300);
      expect(p.messages).toHaveLength(0);
    });

    it('a 250 answering DATA is not a go-ahead for the body', async () => {
      const p = await peer({ script: (cmd) => (/^DATA/i.test(cmd) ? '250 2.0.0 Ok\r\n' : undefined) });
      const { report } = await attempt(target(p.port));
      expect(report.failure).toMatchObject({ kind: 'protocol' });
      expect(report.failure?.message).toContain('250 2.0.0 Ok');
      expect(report.failure?.message).toMatch(/DATA/);
      expect(outcomeOf(report)).toBe('deferred');
      await sleep(300);
      // Nothing of the body reached the peer as commands.
      expect(p.commands.filter((c) => /lone dot|Subject:/i.test(c))).toEqual([]);
    });

    it('a 354 answering the final dot: a possible duplicate, and not retried blindly', async () => {
      const p = await peer({ script: (cmd) => (cmd === '.' ? '354 End data with <CR><LF>.<CR><LF>\r\n' : undefined) });
      const { report } = await attempt(target(p.port));
      expect(report.accepted).toEqual([]);
      expect(report.failure).toMatchObject({ kind: 'protocol', code: 354 });
      expect(report.possibleDuplicate?.reason).toMatch(/may already have (accepted|been delivered)/i);
      // The peer kept it; another attempt against a peer that lies would deliver another copy.
      expect(outcomeOf(report)).toBe('failed');
      expect(p.messages).toHaveLength(1);
    });
  });

  describe('every attempt is reported by the pool, none re-queued inside it', () => {
    it('a 421 then close on a reused pooled connection is this attempt, transient, with the server words', async () => {
      const p = await peer({
        script: (cmd, s) => {
          if (/^MAIL/i.test(cmd) && s.messages >= 1) {
            s.write('421 4.3.2 Service shutting down, closing transmission channel\r\n');
            s.drop();
            return null;
          }
          return undefined;
        },
      });
      const t = target(p.port);
      expect(outcomeOf((await attempt(t, 'first')).report)).toBe('sent');
      const { report } = await attempt(t, 'second');
      expect(report.failure).toMatchObject({ code: 421 });
      expect(report.failure?.message).toContain('421 4.3.2 Service shutting down');
      expect(outcomeOf(report)).toBe('deferred');
      await sleep(600);
      // No hidden second try on a new connection.
      expect(p.messages).toHaveLength(1);
      expect(p.connections).toBe(1);
      // The pool recovers on a new connection for the next attempt.
      expect(outcomeOf((await attempt(t, 'third')).report)).toBe('sent');
      expect(p.connections).toBe(2);
    });

    it('a close before the greeting is one failed attempt, not five silent reconnects', async () => {
      const p = await peer({ greeting: (s) => (s.n === 1 ? s.drop() : s.write('220 peer.test ESMTP\r\n')) });
      const { report } = await attempt(target(p.port));
      expect(report.failure).toMatchObject({ kind: 'network' });
      expect(outcomeOf(report)).toBe('deferred');
      await sleep(600);
      expect(p.connections).toBe(1);
      expect(p.messages).toHaveLength(0);
    });
  });

  describe('timeouts bound each phase in total, not per byte', () => {
    it('a trickled EHLO reply ends the attempt at the connect timeout', async () => {
      const p = await peer({
        script: (cmd, s) => {
          if (!/^EHLO/i.test(cmd)) return undefined;
          void s.trickle('250-peer.test\r\n250-8BITMIME\r\n250 SIZE 10240000\r\n', 100);
          return null;
        },
      });
      const { report, ms } = await attempt(target(p.port, { connectTimeoutSec: 1, sendTimeoutSec: 5 }));
      expect(report.failure).toMatchObject({ kind: 'timeout' });
      expect(report.failure?.message).toMatch(/connect/i);
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(2_500);
      expect(p.messages).toHaveLength(0);
    });

    it('a trickled reply to the final dot ends the attempt at the send timeout, as a possible duplicate', async () => {
      const p = await peer({
        script: (cmd, s) => {
          if (cmd !== '.') return undefined;
          void s.trickle('250 2.0.0 Ok: queued as TRICKLED\r\n', 100);
          return null;
        },
      });
      const { report, ms } = await attempt(target(p.port, { connectTimeoutSec: 5, sendTimeoutSec: 1 }));
      expect(report.failure).toMatchObject({ kind: 'timeout' });
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(2_500);
      expect(report.possibleDuplicate?.reason).toBeTruthy();
      // A timeout after the dot is still worth another try (flagged), like a close there.
      expect(outcomeOf(report)).toBe('deferred');
      expect(p.messages).toHaveLength(1);
    });
  });

  it('a connection closed after the final dot without a reply is retried, flagged as a possible duplicate', async () => {
    const p: ScriptedPeer = await peer({
      script: (cmd, s) => {
        if (cmd !== '.') return undefined;
        s.drop();
        return null;
      },
    });
    const { report } = await attempt(target(p.port));
    expect(report.failure).toMatchObject({ kind: 'network' });
    expect(report.possibleDuplicate?.reason).toMatch(/may already have (accepted|been delivered)/i);
    expect(outcomeOf(report)).toBe('deferred');
    expect(p.messages).toHaveLength(1);
  });

  it.each([
    ['without', undefined],
    ['with', 'a-password'],
  ])('STARTTLS required but not offered (%s credentials): the report says the server does not offer TLS', async (_w, secret) => {
    const port = await freePort();
    const server = new SMTPServer({ disableReverseLookup: true, logger: false, authOptional: true, disabledCommands: ['STARTTLS'] });
    server.on('error', () => undefined);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    peers.push({ stop: () => new Promise<void>((resolve) => server.close(() => resolve())) });
    const t = target(port, { security: 'starttls', requireTls: true });
    if (secret) passwords.set(t.account.id, secret);
    const { report } = await attempt(t);
    expect(report.failure).toMatchObject({ kind: 'tls' });
    expect(report.failure?.message).toContain(hintNoStarttls(Boolean(secret)));
    // The server's own words stay in the log too.
    expect(report.failure?.message).toMatch(/STARTTLS/);
    expect(outcomeOf(report)).toBe('deferred');
  });
});
