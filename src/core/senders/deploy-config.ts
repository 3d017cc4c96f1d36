import { clearAccountPassword, publicAccount } from './accounts.service.js';
import type { Actor } from '../kernel/audit.js';
import { audit, type CoreContext } from '../context.js';
import { parseDeployVars, type DeployVars, type MailDriver } from './deploy-vars.js';
import { isDuplicateKey } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import type { Repositories } from '../ports.js';
import type { StoredAccount } from './ports.js';
import { normalizeServerConfig, serverChangeClearsPasswords, type MailServer, type ServerConfig } from './servers.js';
import { ENV_WRITER } from '../routing/settings.js';

/**
 * Deploy-time configuration: the MAILROOM_* variables become one server and one account
 * marked `source: "env"`, the system default sender. Re-applied at every start: the same rows
 * are updated (never duplicated), and every field the admin changed through the API (listed
 * in `overridden`) keeps the admin's value.
 */
export const ENV_ACTOR: Actor = { label: ENV_WRITER, ip: null };

export interface DeployConfigInput {
  mailDriver: MailDriver;
  deploySmtp: Readonly<Record<string, string>>;
}

export interface DeployOutcome {
  serverId: string | null;
  accountId: string | null;
  /** What this start changed, e.g. ["server.create", "account.smtp.host"]; empty when nothing did. */
  changes: string[];
}

/** Why server settings are read-only, or undefined when they are not. */
export function serverWritesLockedReason(driver: MailDriver): string | undefined {
  return driver === 'log'
    ? 'server settings are read-only while MAILROOM_MAIL_DRIVER=log: Mailroom sends nothing and logs every message instead; set MAILROOM_MAIL_DRIVER=smtp and restart to edit servers'
    : undefined;
}

// smtp.direct is one path: the API replaces it whole, so an admin's edit of any of its fields keeps all of them.
const SERVER_PATHS = ['name', 'smtp.host', 'smtp.port', 'smtp.security', 'smtp.requireTls', 'smtp.connectTimeoutSec', 'smtp.sendTimeoutSec', 'smtp.direct'] as const;

function desiredServer(driver: MailDriver, v: DeployVars): ServerConfig {
  if (v.mode === 'direct' && driver === 'smtp') {
    return normalizeServerConfig({
      name: 'Deploy-time (direct delivery)',
      smtp: {
        mode: 'direct',
        port: v.port,
        ...(v.timeoutSec ? { connectTimeoutSec: v.timeoutSec, sendTimeoutSec: v.timeoutSec } : {}),
        ...(v.ehloName || v.publicAddresses ? { direct: { ehloName: v.ehloName ?? null, publicAddresses: v.publicAddresses ?? [] } } : {}),
      },
    });
  }
  return normalizeServerConfig({
    name: driver === 'log' ? 'Deploy-time (log driver)' : 'Deploy-time (MAILROOM_SMTP_HOST)',
    smtp: {
      host: v.host,
      port: v.port,
      ...(v.security ? { security: v.security } : {}),
      ...(v.timeoutSec ? { connectTimeoutSec: v.timeoutSec, sendTimeoutSec: v.timeoutSec } : {}),
    },
  });
}

function getPath(o: ServerConfig, p: string): unknown {
  return p.startsWith('smtp.') ? o.smtp[p.slice(5) as keyof ServerConfig['smtp']] : o[p as keyof ServerConfig];
}

/** prev with every env-managed field the admin has not overridden taken from the environment. */
function mergeServer(prev: MailServer, want: ServerConfig): { next: ServerConfig; changed: string[] } {
  // A change of mode (relay ↔ direct) replaces the whole SMTP section: the two share no host.
  if ((prev.smtp.mode ?? 'relay') !== want.smtp.mode && !prev.overridden.includes('smtp.mode')) {
    return { next: { ...prev, name: prev.overridden.includes('name') ? prev.name : want.name, smtp: want.smtp }, changed: ['smtp.mode'] };
  }
  const next: ServerConfig = { ...prev, smtp: { ...prev.smtp } };
  const changed: string[] = [];
  for (const p of SERVER_PATHS) {
    if (prev.overridden.includes(p) || JSON.stringify(getPath(prev, p)) === JSON.stringify(getPath(want, p))) continue;
    if (p === 'name') next.name = want.name;
    else (next.smtp as unknown as Record<string, unknown>)[p.slice(5)] = getPath(want, p);
    changed.push(p);
  }
  return { next, changed };
}

async function applyServer(repos: Repositories, ctx: CoreContext, want: ServerConfig, changes: string[]): Promise<MailServer> {
  const now = ctx.clock.now();
  const prev = (await repos.servers.list()).find((s) => s.source === 'env');
  if (!prev) {
    const server: MailServer = { id: newId('srv'), ...want, source: 'env', overridden: [], createdAt: now, updatedAt: now, version: 1 };
    await repos.servers.insert(server);
    await audit(repos, ctx, ENV_ACTOR, 'server.create', { type: 'server', id: server.id }, undefined, server);
    changes.push('server.create');
    return server;
  }
  const { next: config, changed } = mergeServer(prev, want);
  if (!changed.length) return prev;
  const next: MailServer = { ...prev, ...config, updatedAt: now, version: prev.version + 1 };
  await repos.servers.update(next, prev.version);
  if (serverChangeClearsPasswords(prev, next)) {
    // Admin-made accounts on this server must not carry their password to the new host.
    for (const a of await repos.accounts.list({ serverId: prev.id })) {
      if (a.source !== 'env') await clearAccountPassword(repos, ctx, ENV_ACTOR, a, 'the deploy-time server host, port or security changed');
    }
  }
  await audit(repos, ctx, ENV_ACTOR, 'server.update', { type: 'server', id: prev.id }, prev, next);
  changes.push(...changed.map((c) => `server.${c}`));
  return next;
}

/** `orphan`: the secret the account stops pointing at, deleted once the account is saved (a foreign key guards it). */
async function applyPassword(repos: Repositories, prev: StoredAccount | undefined, password: string | undefined): Promise<{ secretId: string | null; changed: boolean; orphan?: string }> {
  const secretId = prev?.passwordSecretId ?? null;
  if (!password) return { secretId: null, changed: secretId !== null, ...(secretId ? { orphan: secretId } : {}) };
  if (!secretId) return { secretId: await repos.secrets.put(password), changed: true };
  if ((await repos.secrets.reveal(secretId)) === password) return { secretId, changed: false };
  await repos.secrets.replace(secretId, password);
  return { secretId, changed: true };
}

/**
 * Whether `account` would log in somewhere other than where the variables point: another
 * server, another login, or the env server re-pointed by an admin (SMTP mode, host, port or
 * security overridden away from the variables' values, or an IMAP section on another host).
 * MAILROOM_SMTP_PASSWORD goes only to the endpoint it was deployed with: re-applied at a start
 * after an admin moved the server (which cleared it), it went to the port the admin had chosen.
 */
function awayFromDeployEndpoint(account: Pick<StoredAccount, 'serverId' | 'login'>, server: MailServer, want: ServerConfig, v: DeployVars): boolean {
  return account.serverId !== server.id || (account.login ?? null) !== (v.username ?? null) || serverChangeClearsPasswords(want, server);
}

async function applyAccount(repos: Repositories, ctx: CoreContext, server: MailServer, want: ServerConfig, v: DeployVars, changes: string[]): Promise<StoredAccount> {
  const now = ctx.clock.now();
  const prev = (await repos.accounts.list()).find((a) => a.source === 'env');
  const wantAccount = { serverId: server.id, address: v.fromAddress, fromName: v.fromName ?? null, login: v.username ?? null };
  const keep = (k: string) => prev !== undefined && prev.overridden.includes(k);
  const next: StoredAccount = prev
    ? { ...prev }
    : { id: newId('acc'), ...wantAccount, replyTo: null, aliases: [], passwordRef: null, passwordSecretId: null, auth: { type: 'password' }, clientSecretId: null, refreshTokenId: null, passwordSet: false, active: true, ownerId: null, rateLimit: null, inbound: null, source: 'env', overridden: [], createdAt: now, updatedAt: now, version: 1 };
  const changed: string[] = [];
  for (const k of ['serverId', 'address', 'fromName', 'login'] as const) {
    if (keep(k) || next[k] === wantAccount[k]) continue;
    (next as unknown as Record<string, unknown>)[k] = wantAccount[k];
    changed.push(k);
  }
  // A password (or reference) the admin set through the API wins over the environment's. The
  // environment's goes only to the endpoint it was deployed with: while the account logs in
  // elsewhere it is not applied, and one applied before is removed (as a removed variable is).
  let orphan: string | undefined;
  if (!keep('passwordRef')) {
    const pw = await applyPassword(repos, prev, awayFromDeployEndpoint(next, server, want, v) ? undefined : v.password);
    orphan = pw.orphan;
    if (pw.changed) changed.push('password');
    next.passwordSecretId = pw.secretId;
    next.passwordRef = null;
    next.passwordSet = pw.secretId !== null;
  }
  if (!prev) {
    await repos.accounts.insert(next);
    await audit(repos, ctx, ENV_ACTOR, 'account.create', { type: 'account', id: next.id }, undefined, { ...publicAccount(next), ...(next.passwordSecretId ? { password: 'set' } : {}) });
    changes.push('account.create');
    return next;
  }
  if (!changed.length) return prev;
  const updated: StoredAccount = { ...next, updatedAt: now, version: prev.version + 1 };
  await repos.accounts.update(updated, prev.version);
  if (orphan) await repos.secrets.delete(orphan);
  const after = { ...publicAccount(updated), ...(changed.includes('password') ? { password: 'changed' } : {}) };
  await audit(repos, ctx, ENV_ACTOR, 'account.update', { type: 'account', id: prev.id }, publicAccount(prev), after);
  changes.push(...changed.map((c) => `account.${c}`));
  return updated;
}

/** Makes the env account the system default unless an admin chose another one. */
async function applyDefault(repos: Repositories, ctx: CoreContext, accountId: string, changes: string[]): Promise<void> {
  const row = (await repos.settings.all()).defaultAccountId;
  if (row && (row.updatedBy !== ENV_WRITER || row.value === accountId)) return;
  await repos.settings.set('defaultAccountId', accountId, ENV_WRITER);
  await audit(repos, ctx, ENV_ACTOR, 'settings.update', { type: 'settings', id: 'defaultAccountId' }, row ? { defaultAccountId: row.value } : undefined, { defaultAccountId: accountId });
  changes.push('settings.defaultAccountId');
}

/**
 * Validates the variables (throws MAILROOM_E_CONFIG naming every problem) and applies them.
 * With the log driver a server and account always exist, so routing has a sender even
 * though nothing is sent.
 */
export async function applyDeployConfig(ctx: CoreContext, input: DeployConfigInput): Promise<DeployOutcome> {
  const vars = parseDeployVars(input.mailDriver, input.deploySmtp);
  if (!vars) return { serverId: null, accountId: null, changes: [] };
  const run = () =>
    ctx.store.transaction(async (repos) => {
      const changes: string[] = [];
      const want = desiredServer(input.mailDriver, vars);
      const server = await applyServer(repos, ctx, want, changes);
      const account = await applyAccount(repos, ctx, server, want, vars, changes);
      await applyDefault(repos, ctx, account.id, changes);
      return { serverId: server.id, accountId: account.id, changes };
    });
  try {
    return await run();
  } catch (err) {
    // Two processes starting together on PostgreSQL: one inserted first; apply again on top of it.
    if (isDuplicateKey(err)) return run();
    throw err;
  }
}
