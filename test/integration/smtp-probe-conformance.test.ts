import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { SmtpSettings } from '../../src/core/senders/servers.js';
import { loopbackSmtp, runOnLoopback, stepNamed } from '../helpers/diagnostic-runs.js';
import { freePort } from '../helpers/ports.js';
import { startScriptedPeer, type Script, type ScriptedPeer } from '../helpers/scripted-smtp-peer.js';

/**
 * The connection test against byte-exact peers that bend RFC 5321 the way real servers do:
 * it must judge each reply as delivery does (the same ReplyGuard, HELO when EHLO is not
 * understood, 251 as a yes), so "Test connection" never contradicts what sending does.
 */

const PASSWORD = 'Probe-Secret-Password-7';

const smtp = (port: number, over: Partial<SmtpSettings> = {}) => loopbackSmtp(port, { security: 'none', requireTls: false, sendTimeoutSec: 3, ...over });
const step = stepNamed;

const send = { from: 'app@example.com', to: 'ops@example.net' };
const run = runOnLoopback;

let peer: ScriptedPeer | undefined;
afterEach(async () => {
  await peer?.stop();
  peer = undefined;
});
const start = async (script: Script) => (peer = await startScriptedPeer({ script }));

describe('the SMTP connection test judges replies as delivery does', () => {
  it('takes 251 to RCPT TO as acceptance (RFC 5321 §3.4: the server will forward)', async () => {
    const p = await start((c) => (c.startsWith('RCPT') ? '251 2.1.5 user not local; will forward\r\n' : undefined));
    const r = await run({ smtp: smtp(p.port), send });
    expect(step(r, 'send'), JSON.stringify(r.steps)).toMatchObject({ status: 'pass' });
    expect(step(r, 'send').reply).toContain('S: 251 2.1.5 user not local; will forward');
    expect(r.ok).toBe(true);
    expect(p.messages).toHaveLength(1);
  });

  it('falls back to HELO when EHLO is not understood (502), and sends without extensions', async () => {
    const p = await start((c) => (c.startsWith('EHLO') ? '502 5.5.2 Error: command not recognized\r\n' : undefined));
    const r = await run({ smtp: smtp(p.port), send });
    expect(r.ok, JSON.stringify(r.steps)).toBe(true);
    const ehlo = step(r, 'ehlo');
    expect(ehlo.status).toBe('pass');
    expect(ehlo.detail).toContain('EHLO refused with 502');
    expect(ehlo.detail).toContain('HELO');
    expect(ehlo.reply).toContain('C: HELO ');
    expect(ehlo.reply).toContain('S: 250 peer.test');
    expect(p.commands.some((c) => c.startsWith('HELO '))).toBe(true);
    // HELO announces no SIZE: MAIL FROM goes without the parameter.
    expect(p.commands.find((c) => c.startsWith('MAIL'))).toBe('MAIL FROM:<app@example.com>');
    expect(p.messages).toHaveLength(1);
  });

  it('EHLO refused (500) with security "starttls" and credentials: fails because HELO cannot offer STARTTLS, never sends HELO, STARTTLS or AUTH (as delivery)', async () => {
    const p = await start((c) => (c.startsWith('EHLO') ? '500 5.5.1 EHLO not understood\r\n' : undefined));
    const r = await run({ smtp: smtp(p.port, { security: 'starttls', requireTls: true }), auth: { user: 'app', password: PASSWORD } });
    const ehlo = step(r, 'ehlo');
    expect(ehlo.status).toBe('fail');
    expect(ehlo.detail).toContain('EHLO refused with 500 5.5.1');
    expect(ehlo.detail).toContain('HELO');
    expect(ehlo.detail).toContain('offers no STARTTLS');
    expect(ehlo.hint).toContain('no STARTTLS and no AUTH');
    expect(ehlo.hint).toContain('never sends a password in plain text');
    expect(step(r, 'auth').status).toBe('skip');
    expect(p.commands.some((c) => /^(AUTH|STARTTLS|HELO)/.test(c))).toBe(false);
  });

  it('after HELO with security "none" and credentials: AUTH is not attempted, and the hint says STARTTLS is not offered', async () => {
    const p = await start((c) => (c.startsWith('EHLO') ? '502 5.5.2 not implemented\r\n' : undefined));
    const r = await run({ smtp: smtp(p.port), auth: { user: 'app', password: PASSWORD } });
    expect(step(r, 'ehlo').status).toBe('pass');
    expect(step(r, 'auth').status).toBe('fail');
    expect(step(r, 'auth').hint).toContain('answered HELO only');
    expect(p.commands.some((c) => c.startsWith('AUTH'))).toBe(false);
  });

  it('after HELO with security "starttls", no credentials and requireTls off: goes on unencrypted, as delivery does', async () => {
    const p = await start((c) => (c.startsWith('EHLO') ? '502 5.5.2 not implemented\r\n' : undefined));
    const r = await run({ smtp: smtp(p.port, { security: 'starttls', requireTls: false }), send });
    expect(step(r, 'starttls').status).toBe('skip');
    expect(step(r, 'send').status, JSON.stringify(r.steps)).toBe('pass');
    expect(r.ok).toBe(true);
  });

  it('does not fall back to HELO after a 421 to EHLO (the server is closing)', async () => {
    const p = await start((c, s) => {
      if (!c.startsWith('EHLO')) return undefined;
      s.write('421 4.3.2 shutting down\r\n');
      s.drop();
      return null;
    });
    const r = await run({ smtp: smtp(p.port), send });
    expect(step(r, 'ehlo')).toMatchObject({ status: 'fail', detail: 'EHLO refused with 421' });
    expect(p.commands.some((c) => c.startsWith('HELO'))).toBe(false);
  });

  it('calls a multi-line reply that changes its code a protocol violation (250-… then 550 to the final dot)', async () => {
    const p = await start((c) => (c === '.' ? '250-2.0.0 ok\r\n550 5.0.0 mixed\r\n' : undefined));
    const r = await run({ smtp: smtp(p.port), send });
    expect(r.ok).toBe(false);
    const s = step(r, 'send');
    expect(s.status).toBe('fail');
    expect(s.detail).toContain('protocol violation');
    expect(s.detail).toContain('changed its code from 250 to 550');
    expect(s.detail).toContain('550 5.0.0 mixed');
    expect(s.reply).toContain('550 5.0.0 mixed');
    expect(s.hint).toMatch(/protocol/i);
  });

  it('calls an unsolicited extra reply after MAIL FROM a protocol violation, not "DATA refused with 250"', async () => {
    const p = await start((c) => (c.startsWith('MAIL') ? '250 2.1.0 ok\r\n250 2.1.0 extra\r\n' : undefined));
    const r = await run({ smtp: smtp(p.port), send });
    expect(r.ok).toBe(false);
    const s = step(r, 'send');
    expect(s.status).toBe('fail');
    expect(s.detail).toContain('protocol violation');
    expect(s.detail).toContain('250 2.1.0 extra');
    expect(s.detail).not.toContain('refused with 250');
    expect(p.messages).toHaveLength(0);
  });

  it('a connection closed after the message (no reply to the final dot) is not blamed on the TLS mode once EHLO, MAIL and RCPT succeeded', async () => {
    const p = await start((c, s) => {
      if (c !== '.') return undefined;
      s.drop();
      return null;
    });
    const r = await run({ smtp: smtp(p.port), send });
    const s = step(r, 'send');
    expect(s.status, JSON.stringify(r.steps)).toBe('fail');
    expect(s.hint, JSON.stringify(s)).toBeDefined();
    expect(s.hint).not.toMatch(/TLS mode/);
    expect(s.hint).toContain('after DATA');
    expect(s.reply).toContain('S: 354 End data with');
    expect(s.reply).toContain('C: [message, ');
  });

  it('a connection reset after DATA (the tester\'s drop354 peer: RST, not FIN) is not blamed on the TLS mode either', async () => {
    // Byte-exact and with a real RST, which the scripted peer cannot send: resetAndDestroy().
    const port = await freePort();
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.write('220 peer ESMTP\r\n');
      let buffer = '';
      socket.on('data', (chunk) => {
        buffer += chunk.toString('latin1');
        for (let i = buffer.indexOf('\r\n'); i >= 0; i = buffer.indexOf('\r\n')) {
          const line = buffer.slice(0, i).toUpperCase();
          buffer = buffer.slice(i + 2);
          if (line.startsWith('EHLO')) socket.write('250-peer hello\r\n250-8BITMIME\r\n250 SIZE 1000000\r\n');
          else if (line.startsWith('MAIL')) socket.write('250 2.1.0 ok\r\n');
          else if (line.startsWith('RCPT')) socket.write('250 2.1.5 ok\r\n');
          else if (line === 'DATA') {
            socket.write('354 go\r\n');
            setTimeout(() => socket.resetAndDestroy(), 50);
            return;
          }
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const r = await run({ smtp: smtp(port), send });
      const s = step(r, 'send');
      expect(s.status, JSON.stringify(r.steps)).toBe('fail');
      expect(s.hint).not.toMatch(/TLS mode/);
      expect(s.hint).toContain('dropped the connection during the transaction, after DATA');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('security "none" with credentials on a server that offers STARTTLS: says to use security "starttls"', async () => {
    const p = await start((c) => (c.startsWith('EHLO') ? '250-peer.test\r\n250-STARTTLS\r\n250 AUTH PLAIN LOGIN\r\n' : undefined));
    const r = await run({ smtp: smtp(p.port), auth: { user: 'app', password: PASSWORD } });
    const auth = step(r, 'auth');
    expect(auth.status).toBe('fail');
    expect(auth.hint).toContain('Set security to "starttls"');
    expect(auth.hint).not.toContain('does not offer STARTTLS');
    expect(p.commands.some((c) => c.startsWith('AUTH'))).toBe(false);
  });

  it('security "none" with credentials on a server without STARTTLS: keeps saying that it is not offered', async () => {
    const p = await start((c) => (c.startsWith('EHLO') ? '250-peer.test\r\n250 AUTH PLAIN LOGIN\r\n' : undefined));
    const r = await run({ smtp: smtp(p.port), auth: { user: 'app', password: PASSWORD } });
    const auth = step(r, 'auth');
    expect(auth.status).toBe('fail');
    expect(auth.hint).toContain('does not offer STARTTLS');
    // Encryption is off by the setting: nothing stripped it, and the way to log in is STARTTLS or TLS.
    expect(auth.hint).not.toContain('middlebox');
    expect(auth.hint).toContain('set security to "starttls" or "tls"');
    expect(p.commands.some((c) => c.startsWith('AUTH'))).toBe(false);
  });
});
