import { rmSync } from 'node:fs';
import tls from 'node:tls';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, selfSignedCert, tempDir, type Cert } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { until } from '../helpers/inbound-mail.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * An IMAP server that quotes the login it refuses (LOGIN's quoted password, AUTHENTICATE
 * PLAIN's base64): the reader's stored error, the inbound status and the log lines keep its
 * words without the password (docs/security.md, "What is redacted where").
 */
const PASSWORD = 'Echo-S3cret-Pass-99';
const USER = 'reader@example.com';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const FORBIDDEN = [PASSWORD, b64(`\0${USER}\0${PASSWORD}`).replace(/=+$/, '')];

/** Refuses every login, quoting the command it got; `plain`: offers AUTH=PLAIN with SASL-IR (else LOGIN is used). */
async function echoingImap(cert: Cert, plain: boolean): Promise<{ port: number; logins: number; stop(): Promise<void> }> {
  const caps = `IMAP4rev1 ID${plain ? ' AUTH=PLAIN SASL-IR' : ''}`;
  const peer = { port: await freePort(), logins: 0, stop: async () => undefined as void };
  const server = tls.createServer({ key: cert.key, cert: cert.cert }, (socket) => {
    socket.on('error', () => undefined);
    socket.write(`* OK [CAPABILITY ${caps}] ready\r\n`);
    let buffered = '';
    // AUTHENTICATE without an initial response: the next line is the client's base64.
    let authenticating: string | undefined;
    socket.on('data', (chunk) => {
      buffered += chunk.toString('utf8');
      for (let end = buffered.indexOf('\r\n'); end >= 0; end = buffered.indexOf('\r\n')) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (authenticating) {
          socket.write(`${authenticating} NO [AUTHENTICATIONFAILED] refused: ${line}\r\n`);
          authenticating = undefined;
          continue;
        }
        const [tag, command = '', mechanism, initial] = line.split(' ');
        const verb = command.toUpperCase();
        if (verb === 'AUTHENTICATE' && mechanism && !initial) {
          peer.logins++;
          authenticating = tag;
          socket.write('+ \r\n');
        } else if (verb === 'CAPABILITY') socket.write(`* CAPABILITY ${caps}\r\n${tag} OK done\r\n`);
        else if (verb === 'ID') socket.write(`* ID NIL\r\n${tag} OK done\r\n`);
        else if (verb === 'LOGIN' || verb === 'AUTHENTICATE') {
          peer.logins++;
          socket.write(`${tag} NO [AUTHENTICATIONFAILED] refused: ${line.slice(tag!.length + 1)}\r\n`);
        } else if (verb === 'LOGOUT') socket.end(`* BYE\r\n${tag} OK bye\r\n`);
        else socket.write(`${tag} BAD unexpected\r\n`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(peer.port, '127.0.0.1', resolve));
  peer.stop = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return peer;
}

await describeEachDialect('an IMAP server quoting the refused login', (dialect) => {
  let t: TestApp;
  let dir: string;
  let cert: Cert;
  const peers: { port: number; logins: number; stop(): Promise<void> }[] = [];

  beforeAll(async () => {
    dir = tempDir('imap-echo');
    cert = selfSignedCert(dir, 'imap.test.invalid');
    t = await startTestApp(dialect, { env: { MAILROOM_ALLOW_PRIVATE_HOSTS: '127.0.0.1' } });
  });
  afterAll(async () => {
    await t?.close();
    for (const p of peers) await p.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  for (const plain of [false, true]) {
    it(`keeps the server's words and hides the password (${plain ? 'AUTHENTICATE PLAIN' : 'LOGIN'})`, async () => {
      const peer = await echoingImap(cert, plain);
      peers.push(peer);
      const api = (method: 'GET' | 'POST', url: string, payload?: object) => t.request({ method, url: `/api/v1${url}`, ...(payload ? { payload } : {}) });
      const server = await api('POST', '/servers', {
        name: `echoing ${plain ? 'plain' : 'login'}`,
        smtp: { host: '127.0.0.1', port: 25, security: 'none', tlsTrust: { mode: 'pinned', certificate: cert.cert } },
        imap: { host: '127.0.0.1', port: peer.port, security: 'tls' },
      });
      expect(server.statusCode, server.body).toBe(201);
      const account = await api('POST', '/accounts', { serverId: server.json().id, address: plain ? USER : `login-${USER}`, login: USER, password: PASSWORD, inbound: { folders: ['INBOX'] } });
      expect(account.statusCode, account.body).toBe(201);
      if (!plain) await t.app.startInbound({ pollMs: 600_000, refreshMs: 200, backoffBaseMs: 200, backoffMaxMs: 1_000, leaseMs: 60_000 });
      const mine = (s: { accountId: string }) => s.accountId === account.json().id;
      const status = await until('the login refused', async () => {
        const body = (await api('GET', '/inbound/status')).body;
        const entry = (JSON.parse(body).mailboxes as { accountId: string; lastError: string | null }[]).find(mine);
        return entry?.lastError?.includes('refused the login') && body;
      });
      expect(peer.logins).toBeGreaterThan(0);
      // The server's own words are kept, the password is not.
      expect(status).toContain('refused: ');
      expect(status).toContain('[redacted]');
      const logs = t.logLines.join('\n');
      for (const secret of FORBIDDEN) {
        expect(status).not.toContain(secret);
        expect(logs).not.toContain(secret);
      }
    });
  }
});
