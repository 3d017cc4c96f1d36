import { describe, expect, it } from 'vitest';
import { classifyAttempt, stopsRetrying, type AttemptReport } from '../../src/core/outbox/retry-policy.js';
import { ReplyGuard } from '../../src/delivery/smtp/reply-guard.js';

const b = (s: string) => Buffer.from(s, 'latin1');

/** A guard past the greeting and EHLO, as a session is when it starts a message. */
function ready(): ReplyGuard {
  const g = new ReplyGuard();
  expect(g.received(b('220 mx ESMTP\r\n')).violation).toBeUndefined();
  g.sent('EHLO client');
  expect(g.received(b('250-mx\r\n250-PIPELINING\r\n250 STARTTLS\r\n')).violation).toBeUndefined();
  return g;
}

describe('ReplyGuard', () => {
  it('lets a pipelined envelope through, replies split anywhere across chunks', () => {
    const g = ready();
    for (const c of ['MAIL FROM:<a@x.test>', 'RCPT TO:<b@y.test>', 'RCPT TO:<c@y.test>', 'DATA']) g.sent(c);
    const replies = '250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n550 5.1.1 no such user\r\n354 go ahead\r\n';
    for (let i = 0; i < replies.length; i += 7) expect(g.received(b(replies.slice(i, i + 7))).violation).toBeUndefined();
    g.sentDot();
    expect(g.awaitingDot).toBe(true);
    expect(g.received(b('250 2.0.0 queued\r\n')).violation).toBeUndefined();
    expect(g.awaitingDot).toBe(false);
  });

  it('calls a reply nobody asked for a violation, and keeps the sound replies before it', () => {
    const g = new ReplyGuard();
    const v = g.received(b('220 mx ESMTP\r\n220 one too many\r\n'));
    expect(v.okBytes).toBe('220 mx ESMTP\r\n'.length);
    expect(v.violation?.reason).toMatch(/no command was waiting/);
    expect(v.violation?.reply).toBe('220 one too many');
  });

  it.each([
    ['DATA', '250 2.0.0 Ok', /does not answer DATA/],
    ['MAIL FROM:<a@x.test>', '354 go ahead', /does not answer MAIL FROM/],
    ['EHLO again', '220 mx ESMTP', /does not answer EHLO/],
    ['RSET', '221 bye', /does not answer RSET/],
  ])('refuses a reply that does not fit: %s answered by %s', (command, reply, reason) => {
    const g = ready();
    g.sent(command);
    expect(g.received(b(`${reply}\r\n`)).violation?.reason).toMatch(reason);
  });

  it('takes a 354 to the final dot for a violation, with the message still awaiting its reply', () => {
    const g = ready();
    g.sent('MAIL FROM:<a@x.test>');
    g.sent('RCPT TO:<b@y.test>');
    g.sent('DATA');
    expect(g.received(b('250 ok\r\n250 ok\r\n354 go\r\n')).violation).toBeUndefined();
    g.sentDot();
    expect(g.received(b('354 go\r\n')).violation?.reason).toMatch(/does not answer the end of the message/);
    expect(g.awaitingDot).toBe(true);
  });

  it('accepts any 4xx/5xx refusal, and a 421 announced on an idle session', () => {
    const g = ready();
    g.sent('MAIL FROM:<a@x.test>');
    expect(g.received(b('452 4.3.1 insufficient storage\r\n')).violation).toBeUndefined();
    expect(g.received(b('421 4.4.2 idle too long\r\n')).violation).toBeUndefined();
  });

  it('follows SASL continuations (334) until the AUTH result', () => {
    const g = ready();
    g.sent('AUTH LOGIN');
    expect(g.received(b('334 VXNlcm5hbWU6\r\n')).violation).toBeUndefined();
    g.sent('REFUQQ=='); // a base64 user name that reads like DATA
    expect(g.received(b('334 UGFzc3dvcmQ6\r\n')).violation).toBeUndefined();
    g.sent('c2VjcmV0');
    expect(g.received(b('235 2.7.0 ok\r\n')).violation).toBeUndefined();
    g.sent('DATA');
    expect(g.received(b('235 2.7.0 ok\r\n')).violation?.reason).toMatch(/does not answer DATA/);
  });

  it('refuses lines that are no SMTP reply and multi-line replies that change their code', () => {
    const g = ready();
    g.sent('NOOP');
    expect(g.received(b('hello there\r\n')).violation?.reason).toMatch(/not an SMTP reply/);
    const h = ready();
    h.sent('NOOP');
    expect(h.received(b('250-fine\r\n550 not fine\r\n')).violation?.reason).toMatch(/changed its code/);
  });

  it('refuses plain-text bytes after the 220 to STARTTLS, and records whether STARTTLS was offered', () => {
    const g = ready();
    expect(g.offersStarttls).toBe(true);
    g.sent('STARTTLS');
    expect(g.received(b('220 ready\r\n250 injected')).violation?.reason).toMatch(/after its STARTTLS reply/);
    const h = new ReplyGuard();
    h.received(b('220 mx\r\n'));
    h.sent('EHLO client');
    h.received(b('250-mx\r\n250 SIZE 1000\r\n'));
    expect(h.offersStarttls).toBe(false);
  });
});

describe('possible duplicates in the retry policy', () => {
  const failure = (kind: 'protocol' | 'network' | 'timeout', code: number | null): AttemptReport['failure'] => ({ kind, code, enhancedCode: null, message: 'x' });
  it('stops retrying after a protocol violation that followed the whole message, and only then', () => {
    const held: AttemptReport = { accepted: [], rejected: [], failure: failure('protocol', 354), possibleDuplicate: { reason: 'r' } };
    expect(stopsRetrying(held)).toBe(true);
    expect(classifyAttempt(['a@x.test'], held).outcome).toBe('failed');
    for (const kind of ['network', 'timeout'] as const) {
      const flagged: AttemptReport = { accepted: [], rejected: [], failure: failure(kind, null), possibleDuplicate: { reason: 'r' } };
      expect(stopsRetrying(flagged)).toBe(false);
      expect(classifyAttempt(['a@x.test'], flagged).outcome).toBe('deferred');
    }
  });

  it('retries a protocol violation before the message was sent, whatever code the peer sent out of turn', () => {
    expect(classifyAttempt(['a@x.test'], { accepted: [], rejected: [], failure: failure('protocol', 550) }).outcome).toBe('deferred');
  });
});
