import { symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { selfSignedCert, startSmtpServer, tempDir, type SmtpPeer } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * docs/secrets.md: Mailroom's own secrets cannot be referenced. A reader found that rule on
 * `passwordRef` only: an OAuth2 account's `clientSecretRef: "env:MAILROOM_SECRET_KEY"` was
 * accepted (and would have sent the master key to the token URL), and `file:` took the key
 * file in the data dir or /proc/self/environ (the whole environment) as an SMTP password.
 */
await describeEachDialect("Mailroom's own secrets cannot be referenced", (dialect) => {
  let t: TestApp;
  let serverId: string;
  let peer: SmtpPeer | undefined;
  const post = (payload: object) => t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId, ...payload } });
  const oauth2 = (clientSecretRef: string) => ({ address: 'app@example.com', auth: { type: 'oauth2', provider: 'microsoft', tenantId: 'contoso.onmicrosoft.com', clientId: '11111111-2222-3333-4444-555555555555', clientSecretRef } });

  beforeAll(async () => {
    t = await startTestApp(dialect);
    serverId = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'm365', smtp: { host: 'smtp.office365.example', port: 587 } } })).json().id;
  });
  afterAll(async () => {
    await t?.close();
    await peer?.stop();
  });

  // MAILROOM_SMTP_PASSWORD too: the deploy-time account's password, which an admin cannot read or
  // re-point (a new host clears it), went to any server an account with env:MAILROOM_SMTP_PASSWORD named.
  it.each(['MAILROOM_SECRET_KEY', 'DATABASE_URL', 'MAILROOM_LISTEN_URL', 'MAILROOM_ADMIN_PASSWORD', 'MAILROOM_SMTP_PASSWORD'])('clientSecretRef env:%s is refused as passwordRef is', async (name) => {
    const res = await post(oauth2(`env:${name}`));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'auth.clientSecretRef' } });
    expect(res.json().error.message).toContain(`${name} is Mailroom's own secret`);
  });

  it('passwordRef env:MAILROOM_SMTP_PASSWORD (the deploy-time account\'s password) is refused', async () => {
    const res = await post({ address: 'a@example.com', passwordRef: 'env:MAILROOM_SMTP_PASSWORD' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'passwordRef' } });
  });

  it('file: under /proc or /sys is refused, on passwordRef and clientSecretRef', async () => {
    // However the path is spelled: "." and ".." steps and doubled slashes lead there too.
    for (const file of ['/proc/self/environ', '/proc/1/environ', '/sys/kernel/random/uuid', '/./proc/self/environ', '/tmp/../proc/self/environ', '//proc//self/environ']) {
      const pw = await post({ address: 'a@example.com', passwordRef: `file:${file}` });
      expect(pw.statusCode, file).toBe(400);
      expect(pw.json().error).toMatchObject({ code: 'MAILROOM_E_VALIDATION', details: { field: 'passwordRef' } });
      expect((await post(oauth2(`file:${file}`))).json().error).toMatchObject({ details: { field: 'auth.clientSecretRef' } });
    }
  });

  it('a file: reference into the data dir (the key file, the database) is never read: the attempt says why', async () => {
    const cert = selfSignedCert(tempDir('mailroom-own-secrets-'), 'smtp.own.test');
    peer = await startSmtpServer({ key: cert.key, cert: cert.cert, users: { 'b@example.com': 'pw' } });
    const local = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'local', smtp: { host: '127.0.0.1', port: peer.port, security: 'starttls', tlsTrust: { mode: 'pinned', certificate: cert.cert } } } })).json();
    const dispatcher = await t.app.startDelivery({ loop: false });
    writeFileSync(path.join(t.dataDir, 'smtp-password'), 'pw');
    for (const file of [path.join(t.dataDir, 'secret.key'), path.join(t.dataDir, 'smtp-password'), `${t.dataDir}/../${path.basename(t.dataDir)}/secret.key`]) {
      const acc = (await post({ serverId: local.id, address: 'b@example.com', passwordRef: `file:${file}` })).json();
      const sent = (await t.request({ method: 'POST', url: '/api/v1/messages', payload: { accountId: acc.id, to: ['r@example.net'], subject: 'x', text: 'x' } })).json();
      await dispatcher.drain();
      const m = (await t.request({ method: 'GET', url: `/api/v1/messages/${sent.id}` })).json();
      expect(m.status, file).toBe('deferred');
      expect(m.lastError, file).toContain("is one of Mailroom's own files");
    }
  });

  it('a file: path that leads under /proc by a link is never read: the attempt says why', async () => {
    const dispatcher = await t.app.startDelivery({ loop: false });
    const local = (await t.request({ method: 'GET', url: '/api/v1/servers' })).json().items.find((s: { name: string }) => s.name === 'local');
    const link = path.join(tempDir('mailroom-proc-link-'), 'smtp-password');
    symlinkSync('/proc/self/environ', link);
    // /dev/fd is a link to /proc/self/fd: its ".." is /proc/self.
    for (const file of [link, '/dev/fd/../environ']) {
      const created = await post({ serverId: local.id, address: 'b@example.com', passwordRef: `file:${file}` });
      expect(created.statusCode, file).toBe(201);
      const sent = (await t.request({ method: 'POST', url: '/api/v1/messages', payload: { accountId: created.json().id, to: ['r@example.net'], subject: 'x', text: 'x' } })).json();
      await dispatcher.drain();
      const m = (await t.request({ method: 'GET', url: `/api/v1/messages/${sent.id}` })).json();
      expect(m.status, file).toBe('deferred');
      expect(m.lastError, file).toContain("the file is the system's (under /proc or /sys), not a secret");
    }
    // Nothing reached the server: the password was never read, so no login was tried with it.
    expect(peer?.messages ?? []).toEqual([]);
  });

  it('a reference an older version saved and this one refuses is never read: the attempt says to change it', async () => {
    const dispatcher = await t.app.startDelivery({ loop: false });
    const local = (await t.request({ method: 'GET', url: '/api/v1/servers' })).json().items.find((s: { name: string }) => s.name === 'local');
    const acc = (await post({ serverId: local.id, address: 'old@example.com', passwordRef: 'env:MAILROOM_TEST_OLD_REF' })).json();
    // As an older version, whose rules allowed it, stored it.
    const db = t.app.infra.db as unknown as Kysely<unknown>;
    await sql`update accounts set password_ref = 'env:MAILROOM_SECRET_KEY', version = version + 1 where id = ${acc.id}`.execute(db);
    // The accounts are read through the store's configuration cache, which keeps them a second.
    await new Promise((r) => setTimeout(r, 1_100));
    const sent = (await t.request({ method: 'POST', url: '/api/v1/messages', payload: { accountId: acc.id, to: ['r@example.net'], subject: 'x', text: 'x' } })).json();
    await dispatcher.drain();
    const m = (await t.request({ method: 'GET', url: `/api/v1/messages/${sent.id}` })).json();
    expect(m.status).toBe('deferred');
    expect(m.lastError).toContain("MAILROOM_SECRET_KEY is Mailroom's own secret");
    expect(m.attempts[0].hint).toMatch(/saved by an earlier version.*change the account's passwordRef/);
  });
});
