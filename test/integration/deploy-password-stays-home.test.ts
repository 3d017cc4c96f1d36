import { afterAll, beforeAll, expect, it } from 'vitest';
import { closedPort, selfSignedCert, startSmtpServer, tempDir, type SmtpPeer } from '../helpers/diagnostics-peers.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'env-Pa55word-for-the-deploy-server-only';

/**
 * docs/security.md: MAILROOM_SMTP_PASSWORD goes only to the server it was deployed with. A
 * hunter re-pointed the deploy-time server (PATCH smtp.port: the account's password was
 * cleared), restarted with the same environment, and the start put the env password back on the
 * account: the next connection test sent it to the port the admin had chosen.
 */
await describeEachDialect('the deploy-time password stays with the deploy-time endpoint', (dialect) => {
  let t: TestApp;
  let peer: SmtpPeer;
  let envPort: number;
  /** Every password a client tried at the admin-chosen peer. */
  const tried: string[] = [];
  const get = async (url: string) => (await t.request({ method: 'GET', url: `/api/v1/${url}` })).json();
  const envServer = async () => (await get('servers')).items.find((s: { source: string }) => s.source === 'env');
  const envAccount = async () => (await get('accounts')).items.find((a: { source: string }) => a.source === 'env');

  beforeAll(async () => {
    const cert = selfSignedCert(tempDir('mailroom-deploy-pw-'), 'smtp.chosen.test');
    peer = await startSmtpServer({
      key: cert.key,
      cert: cert.cert,
      authOptional: false,
      onAuth(auth, _session, cb) {
        tried.push(auth.password ?? '');
        const err = new Error('Error: authentication failed') as Error & { responseCode: number };
        err.responseCode = 535;
        cb(err);
      },
    });
    t = await startTestApp(dialect, {
      env: {
        MAILROOM_SMTP_HOST: '127.0.0.1',
        MAILROOM_SMTP_PORT: String((envPort = await closedPort())),
        MAILROOM_SMTP_USERNAME: 'deploy-login',
        MAILROOM_SMTP_PASSWORD: PASSWORD,
        MAILROOM_MAIL_FROM_ADDRESS: 'noreply@deploy.example',
        MAILROOM_MAIL_FROM_NAME: 'Deploy Bot',
      },
    });
    const s = await envServer();
    const res = await t.request({ method: 'PATCH', url: `/api/v1/servers/${s.id}`, payload: { smtp: { port: peer.port, tlsTrust: { mode: 'pinned', certificate: cert.cert } }, version: s.version } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().overridden).toContain('smtp.port');
  });
  afterAll(async () => {
    await t?.close();
    await peer?.stop();
  });

  it('a restart with the same environment does not put the password back: the admin-chosen port never gets it', async () => {
    expect(await envAccount()).toMatchObject({ passwordSet: false });
    await t.restart();
    const account = await envAccount();
    const res = await t.request({ method: 'POST', url: '/api/v1/diagnostics/smtp', payload: { accountId: account.id } });
    expect(res.statusCode, res.body).toBe(200);
    expect(tried).not.toContain(PASSWORD);
    expect(res.body).not.toContain(PASSWORD);
    expect(account).toMatchObject({ passwordSet: false });
    const stored = await t.app.ports.ctx.store.repos.accounts.get(account.id);
    expect(stored?.passwordSecretId ?? null).toBeNull();
  });

  it('nor does a new MAILROOM_SMTP_PASSWORD while the port stays overridden; back on the env port it applies again', async () => {
    await t.restart({ MAILROOM_SMTP_PASSWORD: `${PASSWORD}-rotated` });
    expect(await envAccount()).toMatchObject({ passwordSet: false });
    // The admin puts the env's port back (a PATCH to the env's value): the endpoint is the deployed one again.
    const s = await envServer();
    const res = await t.request({ method: 'PATCH', url: `/api/v1/servers/${s.id}`, payload: { smtp: { port: envPort }, version: s.version } });
    expect(res.statusCode, res.body).toBe(200);
    await t.restart();
    expect(await envAccount()).toMatchObject({ passwordSet: true });
    expect(tried).not.toContain(`${PASSWORD}-rotated`);
  });
});
