import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startCli } from '../helpers/cli.js';
import { createPostgresDatabase, postgresAvailable } from '../helpers/dialects.js';

describe('mailroom CLI as a new user runs it', { timeout: 240_000 }, () => {
  let dataDir: string;
  let env: Record<string, string>;
  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-cli-'));
    env = { MAILROOM_DATA_DIR: dataDir, MAILROOM_ADMIN_EMAIL: '', MAILROOM_ADMIN_PASSWORD: '', DATABASE_URL: '', MAILROOM_SECRET_KEY: '' };
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('start prints the URL and a generated admin password once, and that login works', async () => {
    const first = await startCli(env);
    try {
      const m = /first admin: (\S+)\n\s+password:\s+(\S+)/.exec(first.stdout());
      expect(m, first.stdout()).not.toBeNull();
      const [, email, password] = m!;
      const login = await fetch(`${first.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
      expect(login.status).toBe(200);
      const cookie = login.headers.get('set-cookie')!.split(';')[0];
      const servers = await fetch(`${first.url}/api/v1/servers`, { headers: { cookie } });
      expect(servers.status).toBe(200);
      expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    } finally {
      await first.stop();
    }
    const second = await startCli(env);
    await second.stop();
    expect(second.stdout()).not.toContain('password:');
    // The first admin's password set on a later start (a lost password): said to be unused, with what does reset one.
    const third = await startCli({ ...env, MAILROOM_ADMIN_PASSWORD: 'LostItReset-12345' });
    await third.stop();
    expect(third.stdout()).toContain('  MAILROOM_ADMIN_PASSWORD: not used (users exist; it sets the first admin on the very first start only)\n  to set a user\'s password: mailroom user reset-password --email <email> --password-env <variable holding it>\n');
  });

  it('a first start that cannot listen names the setting in one line and still shows the first admin, whose password then logs in', async () => {
    const fresh = { ...env, MAILROOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mailroom-cli-busy-')) };
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      // A misspelled setting beside it is named, with the one it resembles, and its value never.
      const failed = await runCli(['start'], { ...fresh, MAILROOM_PORT: String(port), MAILROOM_LOG_LEVEL: 'warn', MAILROOM_REALY_PORT: '2587', MAILROOM_SECRETKEY: 'c2VjcmV0LXZhbHVl' });
      expect(failed.code).toBe(1);
      expect(failed.stdout + failed.stderr).toContain('MAILROOM_REALY_PORT is not a Mailroom setting and is ignored: did you mean MAILROOM_RELAY_PORT?');
      expect(failed.stdout + failed.stderr).toContain('MAILROOM_SECRETKEY is not a Mailroom setting and is ignored: did you mean MAILROOM_SECRET_KEY?');
      expect(failed.stdout + failed.stderr).not.toContain('c2VjcmV0LXZhbHVl');
      expect(failed.stderr).toContain(`mailroom: MAILROOM_PORT=${port}: the API and admin UI cannot listen on 127.0.0.1:${port} (EADDRINUSE: another program uses the port)\n  (MAILROOM_E_CONFIG)`);
      expect(failed.stderr).not.toMatch(/\n\s+at /);
      // The admin was created before the listen failed, and no later start shows its password.
      const m = /first admin: (\S+)\n\s+password:\s+(\S+)/.exec(failed.stderr);
      expect(m, failed.stderr).not.toBeNull();
      expect(failed.stderr).toContain('created before the start failed');
      const next = await startCli(fresh);
      try {
        expect(next.stdout()).not.toContain('password:');
        const login = await fetch(`${next.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: m![1], password: m![2] }) });
        expect(login.status).toBe(200);
      } finally {
        await next.stop();
      }
      // A host that cannot be one is refused before anything is opened or created.
      const badHost = await runCli(['start'], { ...env, MAILROOM_DATA_DIR: path.join(fresh.MAILROOM_DATA_DIR, 'never'), MAILROOM_HOST: 'not_a_host..x' });
      expect(badHost.code).toBe(1);
      expect(badHost.stderr).toContain('MAILROOM_HOST must be an IP address or host name to listen on, got "not_a_host..x"');
      expect(existsSync(path.join(fresh.MAILROOM_DATA_DIR, 'never'))).toBe(false);
    } finally {
      taken.close();
      rmSync(fresh.MAILROOM_DATA_DIR, { recursive: true, force: true });
    }
  });

  it('names the first-admin variable it refuses, and warns when no user can administer the store', async () => {
    const fresh = { ...env, MAILROOM_DATA_DIR: mkdtempSync(path.join(tmpdir(), 'mailroom-cli-admin-')), MAILROOM_LOG_LEVEL: 'warn', MAILROOM_PORT: '0' };
    try {
      const short = await runCli(['start'], { ...fresh, MAILROOM_ADMIN_PASSWORD: 'short' });
      expect(short.code).toBe(1);
      expect(short.stderr).toContain('mailroom: MAILROOM_ADMIN_PASSWORD (the first admin): must be at least 10 characters\n  (MAILROOM_E_CONFIG)');
      const email = await runCli(['start'], { ...fresh, MAILROOM_ADMIN_EMAIL: 'notanemail', MAILROOM_ADMIN_PASSWORD: 'long-enough-1' });
      expect(email.stderr).toContain('mailroom: MAILROOM_ADMIN_EMAIL (the first admin): "notanemail" is not accepted');
      // The first user made by the CLI is a viewer unless told otherwise: nobody could administer.
      const viewer = await runCli(['user', 'create', '--email', 'v@example.com', '--password', 'viewer-pass-1'], fresh);
      expect(viewer.code, viewer.stderr).toBe(0);
      expect(viewer.stderr).toContain('no user is an enabled admin');
      const run = await startCli(fresh);
      await run.stop();
      expect(run.stdout()).toContain('no enabled admin user: nobody can change servers, accounts or users; create one with `mailroom user create --role admin`');
      expect(run.stdout()).not.toContain('first admin');
      const admin = await runCli(['user', 'create', '--email', 'a@example.com', '--password', 'admin-pass-12', '--role', 'admin'], fresh);
      expect(admin.stderr).not.toContain('no user is an enabled admin');
      const again = await startCli(fresh);
      await again.stop();
      expect(again.stdout()).not.toContain('no enabled admin');
    } finally {
      rmSync(fresh.MAILROOM_DATA_DIR, { recursive: true, force: true });
    }
  });

  it('creates users and API keys, rotates the key, and still decrypts after a restart', async () => {
    // A password is required, given one way; refused before the store is opened.
    const none = await runCli(['user', 'create', '--email', 'ops@example.com', '--role', 'operator'], env);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('a password is required: give it with --password-env NAME, --password-stdin, or --password\n  (MAILROOM_E_VALIDATION)');
    expect(none.stderr).not.toContain('using SQLite');
    const twice = await runCli(['user', 'create', '--email', 'ops@example.com', '--password', 'operator-pass-1', '--password-env', 'OPS_PW'], { ...env, OPS_PW: 'operator-pass-1' });
    expect(twice.stderr).toContain('give the password one way, not with --password and --password-env');
    const unset = await runCli(['user', 'create', '--email', 'ops@example.com', '--password-env', 'NOT_SET_ANYWHERE'], env);
    expect(unset.stderr).toContain('--password-env: NOT_SET_ANYWHERE is not set');
    // Off the command line (where `ps` shows it to every user): the first line of stdin.
    const user = await runCli(['user', 'create', '--email', 'ops@example.com', '--password-stdin', '--role', 'operator'], env, 'operator-pass-1\r\nignored\n');
    expect(user.code, user.stderr).toBe(0);
    expect(user.stdout).toContain('created operator ops@example.com');
    // Which store a command uses is said on stderr; stdout stays the command's answer.
    expect(user.stderr).toContain(`mailroom: using SQLite at ${path.join(dataDir, 'mailroom.db')}`);
    const dup = await runCli(['user', 'create', '--email', 'ops@example.com', '--password', 'operator-pass-1'], env);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('MAILROOM_E_DUPLICATE');
    const short = await runCli(['user', 'reset-password', '--email', 'ops@example.com', '--password', 'short'], env);
    expect(short.stderr).toContain('mailroom: the new password: must be at least 10 characters');
    const key = await runCli(['apikey', 'create', '--name', 'ci', '--scopes', 'admin'], env);
    expect(key.code, key.stderr).toBe(0);
    const apiKey = key.stdout.trim();
    expect(apiKey).toMatch(/^mrk_/);
    const expiring = await runCli(['apikey', 'create', '--name', 'temp', '--scopes', 'send', '--expires-at', '2099-01-31T00:00:00Z'], env);
    expect(expiring.code, expiring.stderr).toBe(0);
    expect(expiring.stderr).toContain('expires 2099-01-31T00:00:00.000Z');
    const past = await runCli(['apikey', 'create', '--name', 'temp', '--scopes', 'send', '--expires-at', '2001-01-31T00:00:00Z'], env);
    expect(past.code).toBe(1);
    expect(past.stderr).toContain('MAILROOM_E_VALIDATION');
    // An empty value (an unset variable in a script) is not "no expiry".
    const empty = await runCli(['apikey', 'create', '--name', 'temp', '--scopes', 'send', '--expires-at', ''], env);
    expect(empty.code, empty.stdout).toBe(1);
    expect(empty.stderr).toContain('MAILROOM_E_VALIDATION');
    expect(empty.stdout).toBe('');
    // Refusals name the option that was typed, not the API's field (expiresAt, scopes[1]).
    expect(empty.stderr).toMatch(/^mailroom: --expires-at: /m);
    const typo = await runCli(['apikey', 'create', '--name', 'temp', '--scopes', 'send,sned'], env);
    expect(typo.stderr).toContain('mailroom: --scopes (entry 2): must be one of "send", "read", "admin"');
    // A group typed alone says what it needs, as every refusal does; an unknown command by name.
    const bare = await runCli(['user'], env);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('mailroom: user needs a command: create or reset-password\n  (MAILROOM_E_VALIDATION)');
    expect((await runCli(['apikey', 'crate'], env)).stderr).toContain("mailroom: unknown command 'crate' (apikey has create)");
    // Entries are numbered as typed: an empty one is refused where it is, not dropped.
    const doubled = await runCli(['apikey', 'create', '--name', 'temp', '--scopes', 'send,,sned'], env);
    expect(doubled.code).toBe(1);
    expect(doubled.stderr).toContain('mailroom: --scopes (entry 2): is empty');

    const run = await startCli(env);
    let accountId: string;
    try {
      const h = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
      const server = await (await fetch(`${run.url}/api/v1/servers`, { method: 'POST', headers: h, body: JSON.stringify({ name: 'main', smtp: { host: 'smtp.example.com' } }) })).json();
      const account = await (await fetch(`${run.url}/api/v1/accounts`, { method: 'POST', headers: h, body: JSON.stringify({ serverId: server.id, address: 'app@example.com', password: 'p4ss-w0rd-xyz' }) })).json();
      accountId = account.id;
      expect(account.passwordSet).toBe(true);
      const login = await fetch(`${run.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'ops@example.com', password: 'operator-pass-1' }) });
      expect(login.status).toBe(200);
    } finally {
      await run.stop();
    }
    const rotate = await runCli(['rotate-key'], env);
    expect(rotate.code, rotate.stderr).toBe(0);
    expect(rotate.stdout).toMatch(/re-encrypted \d+ secrets/);
    const migrate = await runCli(['migrate'], env);
    expect(migrate.stdout).toContain('up to date');
    // After the rotation a restart opens the database and can still decrypt the password.
    const again = await startCli(env);
    await again.stop();
    const check = await runCli(['user', 'reset-password', '--email', 'ops@example.com', '--password-env', 'OPS_PW'], { ...env, OPS_PW: 'operator-pass-2' });
    expect(check.code, check.stderr).toBe(0);
    expect(accountId!).toMatch(/^acc_/);
  });

  it('send reads each --to as an address list: a comma inside a quoted name does not split it, and --to repeats', async () => {
    const sent = await runCli(['send', '--to', '"Doe, John" <jd@example.com>', '--to', 'ann@example.net, "Smith, Bob (ops)" <bob@example.net>', '--cc', '"a, b" <ab@example.org>', '--subject', 'hi', '--text', 'x'], env);
    expect(sent.code, sent.stderr).toBe(0);
    const id = sent.stdout.split(' ')[0];
    expect(id).toMatch(/^msg_/);
    const db = new Database(path.join(dataDir, 'mailroom.db'), { readonly: true });
    try {
      const row = db.prepare('SELECT to_addrs, cc_addrs FROM messages WHERE id = ?').get(id) as { to_addrs: string; cc_addrs: string };
      expect(JSON.parse(row.to_addrs)).toMatchObject([{ name: 'Doe, John', address: 'jd@example.com' }, { address: 'ann@example.net' }, { name: 'Smith, Bob (ops)', address: 'bob@example.net' }]);
      expect(JSON.parse(row.cc_addrs)).toMatchObject([{ name: 'a, b', address: 'ab@example.org' }]);
    } finally {
      db.close();
    }
    // An unquoted comma in a name makes a value that is no address list: it is named whole.
    const unquoted = await runCli(['send', '--to', 'Doe, John <jd@example.com>', '--subject', 'hi', '--text', 'x'], env);
    expect(unquoted.code).toBe(1);
    expect(unquoted.stderr).toContain('mailroom: --to (entry 1): "Doe, John <jd@example.com>" is not accepted');
    const account = await runCli(['send', '--to', 'ops@example.net', '--subject', 'hi', '--text', 'x', '--account', 'billing'], env);
    expect(account.stderr).toContain('mailroom: --account: account billing does not exist');
    const data = await runCli(['send', '--to', 'ops@example.net', '--template', 'password_reset', '--data', '{x'], env);
    expect(data.stderr).toMatch(/^mailroom: --data: is not valid JSON: /m);
    // Said with the option it needs, not the API's field ("is only used with template").
    const dataAlone = await runCli(['send', '--to', 'ops@example.net', '--subject', 'hi', '--text', 'x', '--data', '{}', '--locale', 'de'], env);
    expect(dataAlone.code).toBe(1);
    expect(dataAlone.stderr).toContain('mailroom: --data: is only used with --template\n');
  });

  it('send with an idempotency key given again prints the first message, in the status it has now, and queues nothing', async () => {
    const args = ['send', '--to', 'ops@example.net', '--subject', 'once', '--text', 'x', '--idempotency-key', 'invoice-42'];
    const first = await runCli(args, env);
    expect(first.code, first.stderr).toBe(0);
    const [id, status] = first.stdout.trim().split(' ');
    const again = await runCli(args, env);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`${id} ${status} (accepted before with this idempotency key: nothing new was queued)\n`);
  });

  it('a one-shot command run where there is no store says so and creates nothing, unless --create-store', async () => {
    const elsewhere = path.join(dataDir, '..', `elsewhere-${Date.now()}`);
    const send = await runCli(['send', '--to', 'ops@example.net', '--subject', 'lost?', '--text', 'x'], { ...env, MAILROOM_DATA_DIR: elsewhere });
    expect(send.code).toBe(1);
    expect(send.stderr).toContain(`there is no Mailroom data in ${elsewhere}`);
    expect(send.stderr).toContain('--create-store');
    expect(send.stderr).toContain('MAILROOM_E_CONFIG');
    expect(existsSync(elsewhere)).toBe(false);
    const created = await runCli(['--create-store', 'apikey', 'create', '--name', 'fresh', '--scopes', 'read'], { ...env, MAILROOM_DATA_DIR: elsewhere });
    expect(created.code, created.stderr).toBe(0);
    expect(existsSync(path.join(elsewhere, 'mailroom.db'))).toBe(true);
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it('fails at start with a clear message when the key file is gone', async () => {
    rmSync(path.join(dataDir, 'secret.key'));
    const res = await runCli(['start'], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('MAILROOM_E_SECRET_KEY_MISSING');
  });
});

describe.runIf(await postgresAvailable())('mailroom CLI on PostgreSQL', { timeout: 240_000 }, () => {
  it('says which database it cannot open and what to do, not that a migration failed', async () => {
    const db = await createPostgresDatabase();
    const dataDir = mkdtempSync(path.join(tmpdir(), 'mailroom-cli-pg-'));
    try {
      const url = new URL(db.url);
      url.pathname = '/mailroom_never_created';
      const env = { MAILROOM_DATA_DIR: dataDir, MAILROOM_SECRET_KEY: '', DATABASE_URL: url.toString() };
      const missing = await runCli(['migrate'], env);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(`mailroom: cannot open PostgreSQL at ${url.host}/mailroom_never_created: database "mailroom_never_created" does not exist (create the database`);
      expect(missing.stderr).toContain('MAILROOM_E_STORE_UNAVAILABLE');
      expect(missing.stderr).not.toContain('migration');
      // A port nothing listens on (a server bound and closed again).
      const closed = net.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      const down = await runCli(['migrate'], { ...env, DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/x` });
      expect(down.code).toBe(1);
      expect(down.stderr).toContain(`mailroom: cannot open PostgreSQL at 127.0.0.1:${port}/x: connect ECONNREFUSED 127.0.0.1:${port} (is the server running`);
    } finally {
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses to turn an empty database into a store unless asked, and names the store by host and database, never with the password of DATABASE_URL', async () => {
    const db = await createPostgresDatabase();
    const parent = mkdtempSync(path.join(tmpdir(), 'mailroom-cli-pg-'));
    // A data directory that does not exist yet: on PostgreSQL the master key is its first file.
    const dataDir = path.join(parent, 'data');
    try {
      const url = new URL(db.url);
      url.username = 'postgres';
      url.password = 'pw-never-printed-3141';
      const env = { MAILROOM_DATA_DIR: dataDir, DATABASE_URL: url.toString(), MAILROOM_ADMIN_EMAIL: '', MAILROOM_ADMIN_PASSWORD: '', MAILROOM_SECRET_KEY: '' };
      const where = `mailroom: using PostgreSQL at ${url.host}${url.pathname}\n`;
      // An empty database is not a store yet: a one-shot command says so and creates nothing.
      const early = await runCli(['apikey', 'create', '--name', 'early', '--scopes', 'read'], env);
      expect(early.code, early.stderr).toBe(1);
      expect(early.stderr).toContain(`there is no Mailroom data in PostgreSQL at ${url.host}${url.pathname}`);
      expect(early.stderr).toContain('--create-store');
      expect(early.stderr).toContain('MAILROOM_E_CONFIG');
      expect(early.stdout).toBe('');
      const tables = async () => {
        const c = new pg.Client({ connectionString: db.url });
        await c.connect();
        try {
          return (await c.query<{ n: number }>("select count(*)::int as n from information_schema.tables where table_schema = 'public'")).rows[0].n;
        } finally {
          await c.end();
        }
      };
      expect(await tables()).toBe(0);
      const migrate = await runCli(['migrate'], env);
      expect(migrate.code, migrate.stderr).toBe(0);
      expect(await tables()).toBeGreaterThan(10);
      expect(statSync(path.join(dataDir, 'secret.key')).mode & 0o777).toBe(0o600);
      expect(statSync(dataDir).mode & 0o777).toBe(0o700);
      const user = await runCli(['user', 'create', '--email', 'pg@example.com', '--password', 'operator-pass-1', '--role', 'operator'], env);
      expect(user.code, user.stderr).toBe(0);
      expect(user.stdout).toContain('created operator pg@example.com');
      for (const run of [migrate, user]) expect(run.stderr).toContain(where);
      for (const run of [early, migrate, user]) {
        expect(run.stdout + run.stderr).not.toContain('pw-never-printed-3141');
        expect(run.stdout + run.stderr).not.toContain('postgres@');
      }
    } finally {
      await db.drop();
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
