import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/kernel/clock.js';
import { selfSignedCert, startSmtpServer, tempDir, type SmtpPeer } from '../helpers/diagnostics-peers.js';
import { startFileSwapper, type FileSwapper } from '../helpers/file-swapper.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * A hunter ran the connection test of an account with passwordRef file:<dir>/pw while another
 * process swapped pw between a regular file and a symbolic link to <dataDir>/secret.key: in 2 of
 * 9 runs the SMTP peer got the master key as the AUTH PLAIN password. The reference was judged
 * by name and then opened again by name; now the file judged is the file read.
 */
const RUNS = 60;

let t: TestApp;
let peer: SmtpPeer;
let swapper: FileSwapper | undefined;
let certificate: string;
/** Every password a client tried at the peer. */
const tried: string[] = [];
const clock = new ManualClock(Date.now());

beforeAll(async () => {
  const cert = selfSignedCert(tempDir('mailroom-secret-swap-'), 'smtp.swap.test');
  certificate = cert.cert;
  peer = await startSmtpServer({
    key: cert.key,
    cert: cert.cert,
    authOptional: false,
    onAuth(auth, _session, cb) {
      tried.push(auth.password ?? '');
      if (auth.password === 'the-smtp-password') return cb(null, { user: auth.username });
      const err = new Error('Error: authentication failed') as Error & { responseCode: number };
      err.responseCode = 535;
      return cb(err);
    },
  });
  t = await startTestApp('sqlite', { clock });
});
afterAll(async () => {
  await swapper?.stop();
  await t?.close();
  await peer?.stop();
});

it('the connection test never sends the key file as the password while the secret file is swapped for a link to it', async () => {
  const ok = async (url: string, payload: object) => {
    const res = await t.request({ method: 'POST', url: `/api/v1/${url}`, payload });
    expect(res.statusCode, res.body).toBeLessThan(300);
    return res.json();
  };
  const server = await ok('servers', { name: 'peer', smtp: { host: '127.0.0.1', port: peer.port, security: 'starttls', tlsTrust: { mode: 'pinned', certificate } } });
  const file = path.join(tempDir('mailroom-secret-swap-file-'), 'pw');
  writeFileSync(file, 'the-smtp-password');
  const account = await ok('accounts', { serverId: server.id, address: 'app@example.com', passwordRef: `file:${file}` });
  swapper = await startFileSwapper(file, 'the-smtp-password', path.join(t.dataDir, 'secret.key'));
  const details: string[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Ten tests a minute per admin: the clock moves on so every run is a real one.
    clock.advance(7_000);
    const res = await ok('diagnostics/smtp', { accountId: account.id });
    details.push((res.steps as { name: string; detail: string }[]).find((s) => s.name === 'auth')?.detail ?? '');
  }
  await swapper.stop();
  // Only the password ever arrived (not the key file's content, which a failure would print).
  expect(tried.filter((p) => p !== 'the-smtp-password').length, `of ${tried.length} logins`).toBe(0);
  // The race was run: the peer got the password, and some runs found the link and refused it.
  expect(tried).toContain('the-smtp-password');
  expect(details.some((d) => d.includes("is one of Mailroom's own files"))).toBe(true);
});
