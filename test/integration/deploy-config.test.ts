import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import type { MailroomError } from '../../src/core/kernel/errors.js';
import { createLogger } from '../../src/logger.js';
import { createPostgresDatabase, describeEachDialect, type Dialect } from '../helpers/dialects.js';
import { startTestApp, type TestApp } from '../helpers/test-app.js';

const PASSWORD = 'env-Pa55word-never-shown';
const ENV = {
  MAILROOM_SMTP_HOST: 'smtp.deploy.example',
  MAILROOM_SMTP_PORT: '2525',
  MAILROOM_SMTP_USERNAME: 'deploy-login',
  MAILROOM_SMTP_PASSWORD: PASSWORD,
  MAILROOM_SMTP_TIMEOUT: '12',
  MAILROOM_MAIL_FROM_ADDRESS: 'noreply@deploy.example',
  MAILROOM_MAIL_FROM_NAME: 'Deploy Bot',
};

/** Starts Mailroom on a fresh store with `env` and returns the error it fails with. */
async function startFails(dialect: Dialect, env: Record<string, string>): Promise<MailroomError> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-deploy-'));
  const pgDb = dialect === 'postgres' ? await createPostgresDatabase() : undefined;
  try {
    const config = loadConfig({ MAILROOM_DATA_DIR: dataDir, ...(pgDb ? { DATABASE_URL: pgDb.url } : {}), ...env }, { runWorkers: false });
    const app = await createApp(config, { logger: createLogger('silent') }).catch((err: MailroomError) => err);
    if (!(app instanceof Error)) {
      await app.close();
      throw new Error('start was expected to fail');
    }
    return app;
  } finally {
    await pgDb?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await describeEachDialect('deploy-time configuration', (dialect) => {
  let t: TestApp;
  const get = async (url: string) => (await t.request({ method: 'GET', url: `/api/v1/${url}` })).json();
  const envServer = async () => (await get('servers')).items.find((s: { source: string }) => s.source === 'env');
  const envAccount = async () => (await get('accounts')).items.find((a: { source: string }) => a.source === 'env');

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: ENV });
  });
  afterAll(async () => t?.close());

  it('turns the variables into an env server and account, the system default', async () => {
    const servers = (await get('servers')).items;
    expect(servers).toHaveLength(1);
    expect(servers[0]).toMatchObject({ source: 'env', overridden: [], smtp: { host: 'smtp.deploy.example', port: 2525, security: 'starttls', connectTimeoutSec: 12, sendTimeoutSec: 12 } });
    const account = await envAccount();
    expect(account).toMatchObject({ source: 'env', serverId: servers[0].id, address: 'noreply@deploy.example', fromName: 'Deploy Bot', login: 'deploy-login', passwordSet: true, active: true });
    const settings = await get('settings');
    expect(settings.defaultAccountId).toEqual(expect.objectContaining({ value: account.id, source: 'env', locked: false }));
    expect(settings.mailDriver).toMatchObject({ value: 'smtp', locked: true });
    // Stored encrypted like any other password, and never shown.
    const stored = await t.app.ports.ctx.store.repos.accounts.get(account.id);
    expect(await t.app.ports.ctx.store.repos.secrets.reveal(stored!.passwordSecretId!)).toBe(PASSWORD);
    const secretRows = await t.app.infra.db.selectFrom('secrets').select('ciphertext').execute();
    expect(JSON.stringify(secretRows)).not.toContain(PASSWORD);
    expect(JSON.stringify(await get('audit'))).not.toContain(PASSWORD);
    expect(t.logLines.join('')).not.toContain(PASSWORD);
  });

  it('re-applies at each start without duplicating or changing anything', async () => {
    const [s1, a1] = [await envServer(), await envAccount()];
    await t.restart();
    expect((await get('servers')).items).toHaveLength(1);
    expect((await get('accounts')).items).toHaveLength(1);
    expect((await envServer()).version).toBe(s1.version);
    expect((await envAccount()).version).toBe(a1.version);
  });

  it("keeps the admin's overrides, shows them, and updates the rest from the environment", async () => {
    const s = await envServer();
    const res = await t.request({ method: 'PATCH', url: `/api/v1/servers/${s.id}`, payload: { smtp: { port: 587 }, version: s.version } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().overridden).toEqual(['smtp.port']);
    const a = await envAccount();
    const res2 = await t.request({ method: 'PATCH', url: `/api/v1/accounts/${a.id}`, payload: { fromName: 'Our Shop', version: a.version } });
    expect(res2.json().overridden).toEqual(['fromName']);
    const audit = (await get('audit?targetType=server')).items;
    expect(audit.some((e: { action: string; actor: string }) => e.action === 'server.update' && e.actor.startsWith('apikey:'))).toBe(true);

    await t.restart({ MAILROOM_SMTP_HOST: 'smtp2.deploy.example', MAILROOM_MAIL_FROM_NAME: 'Renamed Bot', MAILROOM_SMTP_PASSWORD: 'a-new-env-password' });
    const s2 = await envServer();
    expect(s2.smtp).toMatchObject({ host: 'smtp2.deploy.example', port: 587 });
    expect(s2.source).toBe('env');
    const a2 = await envAccount();
    expect(a2.fromName).toBe('Our Shop');
    // The port the admin chose is not the one the password was deployed for: the PATCH cleared
    // it, and the start does not put the environment's back (docs/security.md).
    expect(a2.passwordSet).toBe(false);
    expect((await t.app.ports.ctx.store.repos.accounts.get(a2.id))?.passwordSecretId).toBeNull();
    const envAudit = (await get('audit?actor=env')).items;
    expect(envAudit.map((e: { action: string }) => e.action)).toContain('server.update');
  });

  it("keeps an admin's choice of default account across restarts", async () => {
    const other = await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: (await envServer()).id, address: 'other@deploy.example' } });
    const res = await t.request({ method: 'PATCH', url: '/api/v1/settings', payload: { defaultAccountId: other.json().id } });
    expect(res.json().defaultAccountId).toMatchObject({ source: 'database', value: other.json().id });
    await t.restart();
    expect((await get('settings')).defaultAccountId).toMatchObject({ source: 'database', value: other.json().id });
  });

  it('refuses to change the driver through the API', async () => {
    const res = await t.request({ method: 'PATCH', url: '/api/v1/settings', payload: { mailDriver: 'log' } });
    expect(res.statusCode).toBe(423);
    expect(res.json().error.code).toBe('MAILROOM_E_LOCKED');
  });

  it('reports setup complete once a server, account and default exist, and flags a readable key file', async () => {
    expect(await get('setup/status')).toEqual({ complete: true, missing: [] });
    const keyFile = path.join(t.dataDir, 'secret.key');
    expect(readdirSync(t.dataDir)).toContain('secret.key');
    chmodSync(keyFile, 0o644);
    const status = await get('setup/status');
    chmodSync(keyFile, 0o600);
    expect(status.complete).toBe(false);
    expect(status.missing).toEqual([expect.objectContaining({ code: 'key_file_readable', fix: `Run: chmod 600 ${keyFile}` })]);
  });

  it('fails to start naming every missing required variable in one message', async () => {
    const err = await startFails(dialect, { MAILROOM_SMTP_HOST: 'smtp.example.com', MAILROOM_SMTP_USERNAME: 'u' });
    expect(err.code).toBe('MAILROOM_E_CONFIG');
    expect(err.message).toContain('missing MAILROOM_SMTP_PORT, MAILROOM_MAIL_FROM_ADDRESS, MAILROOM_MAIL_FROM_NAME');
    const bad = await startFails(dialect, { ...ENV, MAILROOM_SMTP_PORT: 'abc', MAILROOM_SMTP_SECURITY: 'ssl' });
    expect(bad.message).toContain('MAILROOM_SMTP_PORT must be a port number');
    expect(bad.message).toContain('MAILROOM_SMTP_SECURITY must be one of starttls, tls, none');
    expect(bad.message).not.toContain(PASSWORD);
  });
});

await describeEachDialect('log driver', (dialect) => {
  let t: TestApp;
  const get = async (url: string) => (await t.request({ method: 'GET', url: `/api/v1/${url}` })).json();

  beforeAll(async () => {
    t = await startTestApp(dialect, { env: { MAILROOM_MAIL_DRIVER: 'log' } });
  });
  afterAll(async () => t?.close());

  it('has a sender without any SMTP variable, and says mail is only logged', async () => {
    const [server] = (await get('servers')).items;
    expect(server).toMatchObject({ source: 'env', name: 'Deploy-time (log driver)' });
    const [account] = (await get('accounts')).items;
    expect(account).toMatchObject({ source: 'env', address: 'mailroom@mailroom.invalid', passwordSet: false });
    expect((await get('settings')).mailDriver).toMatchObject({ value: 'log', source: 'env', locked: true });
    const status = await get('setup/status');
    expect(status.complete).toBe(false);
    expect(status.missing.map((m: { code: string }) => m.code)).toEqual(['log_driver']);
  });

  it('refuses server edits with a clear reason', async () => {
    const [server] = (await get('servers')).items;
    const writes = [
      t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 'new', smtp: { host: 'smtp.example.com' } } }),
      t.request({ method: 'PATCH', url: `/api/v1/servers/${server.id}`, payload: { smtp: { port: 2525 }, version: server.version } }),
      t.request({ method: 'DELETE', url: `/api/v1/servers/${server.id}` }),
    ];
    for (const res of await Promise.all(writes)) {
      expect(res.statusCode).toBe(423);
      expect(res.json().error.code).toBe('MAILROOM_E_LOCKED');
      expect(res.json().error.message).toContain('MAILROOM_MAIL_DRIVER=log');
    }
    expect((await get('servers')).items).toEqual([server]);
  });
});

await describeEachDialect('setup status and presets', (dialect) => {
  let t: TestApp;
  const get = async (url: string) => (await t.request({ method: 'GET', url: `/api/v1/${url}` })).json();
  beforeAll(async () => {
    t = await startTestApp(dialect);
  });
  afterAll(async () => t?.close());

  it('lists what is missing on a fresh install, in words an admin understands', async () => {
    const status = await get('setup/status');
    expect(status.complete).toBe(false);
    expect(status.missing.map((m: { code: string }) => m.code)).toEqual(['no_server', 'no_active_account', 'no_default_sender']);
    for (const m of status.missing) expect(m.fix).toBeTruthy();
    // Named as the menu and the page name them, where the preset is.
    expect(status.missing[0].fix).toContain('Add a server under Mail servers → Add server (Use a preset fills in the details)');
  });

  it('flags a purpose whose accounts are all switched off', async () => {
    const srv = (await t.request({ method: 'POST', url: '/api/v1/servers', payload: { name: 's', smtp: { host: 'smtp.example.com' } } })).json();
    const a = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: srv.id, address: 'a@example.com' } })).json();
    const b = (await t.request({ method: 'POST', url: '/api/v1/accounts', payload: { serverId: srv.id, address: 'b@example.com', active: false } })).json();
    await t.request({ method: 'PATCH', url: '/api/v1/settings', payload: { defaultAccountId: a.id } });
    const p = await get('purposes/alert');
    await t.request({ method: 'PATCH', url: '/api/v1/purposes/alert', payload: { accountIds: [b.id], version: p.version } });
    const status = await get('setup/status');
    expect(status.missing).toEqual([expect.objectContaining({ code: 'purpose_without_sender', purposes: ['alert'] })]);
    expect(status.missing[0].message).toContain('falls back to the default account a@example.com');
  });

  it('offers provider presets with their catch', async () => {
    const { items } = await get('presets');
    expect(items.map((p: { id: string }) => p.id)).toEqual(['gmail', 'microsoft365', 'sendgrid', 'mailgun', 'postmark', 'ses', 'postfix', 'localhost']);
    const sendgrid = items.find((p: { id: string }) => p.id === 'sendgrid');
    expect(sendgrid).toMatchObject({ smtp: { host: 'smtp.sendgrid.net', port: 587, security: 'starttls' }, usernamePattern: 'apikey' });
    expect(items.find((p: { id: string }) => p.id === 'gmail').catch).toContain('app password');
    expect(items.find((p: { id: string }) => p.id === 'microsoft365').catch).toContain('SMTP AUTH');
  });
});
