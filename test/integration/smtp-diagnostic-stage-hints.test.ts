import { rmSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loopbackSmtp, runOnLoopback, stepNamed } from '../helpers/diagnostic-runs.js';
import { freePort, selfSignedCert, tempDir, type Cert } from '../helpers/diagnostics-peers.js';
import { startScriptedPeer, type ScriptedPeer } from '../helpers/scripted-smtp-peer.js';

/**
 * The connection test's hints follow how far the conversation got and what was given: a 5.7.0
 * refusal of EHLO is not "set a user name" when one is set and no login was reached yet, and a
 * server that hangs up in the middle of the STARTTLS handshake (before any certificate came)
 * did not refuse a certificate.
 */
let dir: string;
let cert: Cert;
beforeAll(() => {
  dir = tempDir('mailroom-stage-hints-');
  cert = selfSignedCert(dir, 'stage.mail.test');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An implicit-TLS SMTP peer that greets, then refuses EHLO and HELO with `refusal` (a policy block of this client). */
async function tlsPeerRefusingEhlo(refusal: string): Promise<{ port: number; commands: string[]; stop(): Promise<void> }> {
  const port = await freePort();
  const commands: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = tls.createServer({ key: cert.key, cert: cert.cert }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.write('220 stage.mail.test ESMTP\r\n');
    let buffer = '';
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('latin1');
      let i: number;
      while ((i = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        commands.push(line);
        const verb = line.split(' ')[0].toUpperCase();
        if (verb === 'QUIT') socket.end('221 2.0.0 Bye\r\n');
        else socket.write(verb === 'EHLO' || verb === 'HELO' ? refusal : '503 5.5.1 Bad sequence\r\n');
      }
    });
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    commands,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('a 5.7.0 refusal before any login', () => {
  let peer: Awaited<ReturnType<typeof tlsPeerRefusingEhlo>>;
  beforeAll(async () => {
    peer = await tlsPeerRefusingEhlo('554 5.7.0 Access denied: your network is not allowed here\r\n');
  });
  afterAll(async () => peer?.stop());

  it('over TLS with credentials given: not "set a user name", but a refusal of this client by policy before any login', async () => {
    const r = await runOnLoopback({ smtp: loopbackSmtp(peer.port, { security: 'tls', tlsTrust: { mode: 'any' } }), auth: { user: 'app@example.com', password: 'Some-Password-1' } });
    const ehlo = stepNamed(r, 'ehlo');
    expect(ehlo.status).toBe('fail');
    expect(ehlo.detail).toMatch(/554 5\.7\.0/);
    expect(ehlo.hint).toBeDefined();
    expect(ehlo.hint).not.toMatch(/Set a user name/i);
    expect(ehlo.hint).not.toMatch(/requires authentication/i);
    // It refused this client before a login could be tried: the credentials are not the cause.
    expect(ehlo.hint).toMatch(/before any login/);
    expect(ehlo.hint).toMatch(/this machine's address/);
    expect(peer.commands.some((c) => c.startsWith('AUTH'))).toBe(false);
  });

  it('without credentials, a 5.7.0 at EHLO is the same refusal of this client (a login would not be reached either)', async () => {
    const r = await runOnLoopback({ smtp: loopbackSmtp(peer.port, { security: 'tls', tlsTrust: { mode: 'any' } }) });
    const hint = stepNamed(r, 'ehlo').hint ?? '';
    expect(hint).toMatch(/before any login/);
    expect(hint).not.toMatch(/Set a user name/i);
  });
});

describe('a server that hangs up during the STARTTLS handshake', () => {
  let peer: ScriptedPeer;
  beforeAll(async () => {
    peer = await startScriptedPeer({
      script(command, s) {
        if (/^EHLO/i.test(command)) return '250-peer.test\r\n250-STARTTLS\r\n250 SIZE 10240000\r\n';
        if (/^STARTTLS/i.test(command)) {
          // Says yes, then drops the connection while the client's ClientHello arrives: no certificate is ever sent.
          setTimeout(() => s.drop(), 100);
          return '220 2.0.0 Ready to start TLS\r\n';
        }
        return undefined;
      },
    });
  });
  afterAll(async () => peer?.stop());

  it('says the server closed the connection during the TLS handshake, not that a certificate was refused', async () => {
    const r = await runOnLoopback({ smtp: loopbackSmtp(peer.port) });
    expect(stepNamed(r, 'starttls').status).toBe('pass');
    const step = stepNamed(r, 'tls');
    expect(step.status).toBe('fail');
    expect(step.detail).toMatch(/^TLS handshake failed/);
    expect(step.hint).toBeDefined();
    expect(step.hint).not.toMatch(/certificate was refused/i);
    expect(step.hint).toMatch(/closed the connection during the TLS handshake/);
    expect(step.hint).toMatch(/before it sent a certificate/);
    // What that usually means: the server's own TLS setup, or something in between.
    expect(step.hint).toMatch(/TLS setup/);
  });
});
