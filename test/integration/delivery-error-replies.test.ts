import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { hintForReply, parseReply } from '../../src/core/probes/smtp-hints.js';
import type { Dispatcher } from '../../src/delivery/dispatcher.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { selfSignedCert, tempDir } from '../helpers/diagnostics-peers.js';
import { startScriptedPeer, type Script, type ScriptedPeer } from '../helpers/scripted-smtp-peer.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * What the email log keeps of a server's refusal, through the dispatcher and the store (both
 * dialects), against byte-exact peers:
 * - a STARTTLS the server refuses (454) is the server's refusal in its words, not a failed
 *   certificate check (no certificate was ever presented);
 * - after a protocol violation no recipient carries the code of the reply that broke the
 *   protocol (a 250 next to "rejected" or "deferred"): code null, and the text says what was
 *   violated, with the server's words;
 * - a multi-line refusal is kept as one line, its code once in front, like every other reply.
 */
interface Recipient {
  address: string;
  status: string;
  code: number | null;
  enhancedCode: string | null;
  response: string | null;
}
interface Attempt {
  outcome: string;
  code: number | null;
  enhancedCode: string | null;
  response: string | null;
  possibleDuplicate: boolean;
  hint: string | null;
}
interface Detail {
  status: string;
  lastError: string | null;
  recipients: Recipient[];
  attempts: Attempt[];
}

await describeEachDialect('email log: what a server said, as stored', (dialect) => {
  const clock = new ManualClock(Date.UTC(2026, 11, 7, 12, 0, 0));
  let t: TestApp;
  let dispatcher: Dispatcher;
  const peers: ScriptedPeer[] = [];

  beforeAll(async () => {
    t = await startTestApp(dialect, { clock });
    dispatcher = await t.app.startDelivery({ loop: false });
  });
  afterAll(async () => {
    await t?.close();
    for (const p of peers) await p.stop();
  });

  const post = async (url: string, payload: object) => {
    const res = await t.request({ method: 'POST', url: `/api/v1/${url}`, payload });
    expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  let n = 0;
  /** A peer answering as `script` says, a server and an account on it; sends one message to `to` and runs one attempt. */
  const attempt = async (script: Script, to: string[], smtp: Record<string, unknown> = {}) => {
    const peer = await startScriptedPeer({ script });
    peers.push(peer);
    const server = await post('servers', { name: `reply peer ${++n}`, smtp: { host: '127.0.0.1', port: peer.port, security: 'none', requireTls: false, connectTimeoutSec: 3, sendTimeoutSec: 3, ...smtp } });
    const account = await post('accounts', { serverId: server.id, address: `app${n}@example.com` });
    const { id } = await post('messages', { accountId: account.id, to, subject: `replies ${n}`, text: 'x' });
    await dispatcher.drain();
    const detail = (await t.request({ method: 'GET', url: `/api/v1/messages/${id}` })).json() as Detail;
    return { peer, detail };
  };
  const byAddress = (d: Detail, address: string) => d.recipients.find((r) => r.address === address)!;

  it('a STARTTLS the server refuses is its 454, in its words, not a failed check of a pinned certificate', async () => {
    const cert = selfSignedCert(tempDir('mailroom-starttls-refused-'), 'refuses.mail.test');
    const { peer, detail } = await attempt(
      (cmd) => (/^EHLO/i.test(cmd) ? '250-peer.test\r\n250-STARTTLS\r\n250 8BITMIME\r\n' : /^STARTTLS/i.test(cmd) ? '454 4.7.0 TLS not available due to local problem\r\n' : undefined),
      ['rcpt@example.net'],
      { security: 'starttls', requireTls: true, tlsTrust: { mode: 'pinned', certificate: cert.cert } },
    );
    const said = 'STARTTLS: 454 4.7.0 TLS not available due to local problem';
    expect(detail.status).toBe('deferred');
    expect(detail.attempts).toHaveLength(1);
    expect(detail.attempts[0]).toMatchObject({ outcome: 'deferred', code: 454, enhancedCode: '4.7.0', response: said });
    expect(detail.lastError).toBe(said);
    expect(detail.recipients).toEqual([expect.objectContaining({ address: 'rcpt@example.net', status: 'deferred', code: 454, enhancedCode: '4.7.0', response: said })]);
    // The advice is the one "Test connection" gives for a STARTTLS refused with this reply.
    expect(detail.attempts[0].hint).toBe(hintForReply('starttls', parseReply('454 4.7.0 TLS not available due to local problem'), { host: '127.0.0.1', port: peer.port, security: 'starttls' }) ?? null);
    // No certificate was presented: nothing sends the admin to the pin.
    expect(JSON.stringify(detail)).not.toMatch(/certificate check|pinned|SHA-256|tlsTrust/i);
    expect(peer.commands.some((c) => /^(MAIL|AUTH)/i.test(c))).toBe(false);
  });

  it('a reply to the final dot that changes its code: no recipient keeps its 250, the text names the violation and the words; still a possible duplicate', async () => {
    const { peer, detail } = await attempt((cmd) => (cmd === '.' ? '250-2.0.0 ok\r\n550 5.0.0 mixed\r\n' : undefined), ['a@example.net', 'b@example.net']);
    expect(peer.messages).toHaveLength(1);
    expect(detail.status).toBe('failed');
    expect(detail.attempts[0]).toMatchObject({ outcome: 'failed', possibleDuplicate: true });
    for (const address of ['a@example.net', 'b@example.net']) {
      const r = byAddress(detail, address);
      expect(r).toMatchObject({ status: 'rejected', code: null, enhancedCode: null });
      expect(r.response).toMatch(/^protocol violation: a multi-line reply changed its code from 250 to 550 \("250 2\.0\.0 ok 550 5\.0\.0 mixed"\)/);
      expect(r.response).not.toContain('\n');
    }
  });

  it('an extra 250 after MAIL FROM: the recipients are deferred without a success code, and the text quotes the extra reply', async () => {
    const { peer, detail } = await attempt((cmd) => (/^MAIL/i.test(cmd) ? '250 2.1.0 Ok\r\n250 2.1.5 extra\r\n' : undefined), ['a@example.net', 'b@example.net']);
    expect(peer.messages).toHaveLength(0);
    expect(detail.status).toBe('deferred');
    expect(detail.attempts[0]).toMatchObject({ outcome: 'deferred', possibleDuplicate: false });
    for (const address of ['a@example.net', 'b@example.net']) {
      const r = byAddress(detail, address);
      expect(r).toMatchObject({ status: 'deferred', code: null, enhancedCode: null });
      expect(r.response).toMatch(/^protocol violation: the server sent "250 2\.1\.5 extra" while no command was waiting for a reply/);
    }
  });

  it('a multi-line RCPT refusal is stored as one line with its code once, as a multi-line MAIL FROM refusal is', async () => {
    const rcpt = await attempt(
      (cmd) => (/^RCPT TO:<a@/i.test(cmd) ? '550-5.1.1 line one of reason\r\n550-5.1.1 line two\r\n550 5.1.1 final line\r\n' : undefined),
      ['a@example.net', 'b@example.net'],
    );
    expect(rcpt.detail.status).toBe('sent');
    expect(byAddress(rcpt.detail, 'a@example.net')).toMatchObject({ status: 'rejected', code: 550, enhancedCode: '5.1.1', response: '550 5.1.1 line one of reason line two final line' });
    expect(byAddress(rcpt.detail, 'b@example.net')).toMatchObject({ status: 'accepted', code: 250 });
    expect(rcpt.detail.lastError).toBe('a@example.net: 550 5.1.1 line one of reason line two final line');

    const mail = await attempt((cmd) => (/^MAIL/i.test(cmd) ? '550-5.7.1 sender refused\r\n550 5.7.1 see the policy page\r\n' : undefined), ['c@example.net']);
    expect(mail.detail.status).toBe('failed');
    expect(mail.detail.recipients).toEqual([
      expect.objectContaining({ status: 'rejected', code: 550, enhancedCode: '5.7.1', response: 'MAIL FROM: 550 5.7.1 sender refused see the policy page' }),
    ]);
    expect(mail.detail.attempts[0].response).toBe('MAIL FROM: 550 5.7.1 sender refused see the policy page');

    // All recipients refused (nodemailer's EENVELOPE path): each keeps one line too.
    const all = await attempt((cmd) => (/^RCPT/i.test(cmd) ? '550-5.1.1 no such user\r\n550 5.1.1 here\r\n' : undefined), ['d@example.net', 'e@example.net']);
    expect(all.detail.status).toBe('failed');
    for (const r of all.detail.recipients) expect(r).toMatchObject({ status: 'rejected', code: 550, enhancedCode: '5.1.1', response: '550 5.1.1 no such user here' });
  });
});
