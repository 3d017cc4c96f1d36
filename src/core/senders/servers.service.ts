import type { Actor } from '../kernel/audit.js';
import { audit, type CoreContext } from '../context.js';
import { ErrorCodes, MailroomError, notFound } from '../kernel/errors.js';
import { newId } from '../kernel/ids.js';
import type { Repositories } from '../ports.js';
import { normalizeServerConfig, serverChangeClearsPasswords, type MailServer, type ServerConfig } from './servers.js';
import { changesNothing, requireVersion, versionConflict } from '../kernel/versioning.js';
import { clearAccountPassword } from './accounts.service.js';
import { inUseError } from '../kernel/in-use.js';
import { settingsAsUsers } from '../routing/settings-as-users.js';
import { settingsNamingServer } from '../routing/settings.js';

export async function listServers(ctx: CoreContext): Promise<MailServer[]> {
  return ctx.store.repos.servers.list();
}

export async function getServer(ctx: CoreContext, id: string): Promise<MailServer> {
  const s = await ctx.store.repos.servers.get(id);
  if (!s) throw notFound('server', id);
  return s;
}

function assertWritable(ctx: CoreContext): void {
  if (ctx.serverWritesLockedReason) throw new MailroomError(ErrorCodes.LOCKED, ctx.serverWritesLockedReason);
}

async function assertNameFree(repos: Repositories, name: string, exceptId?: string): Promise<void> {
  const other = await repos.servers.findByName(name);
  if (other && other.id !== exceptId) {
    throw new MailroomError(ErrorCodes.DUPLICATE, `a server named "${name}" already exists; choose another name`, { field: 'name' });
  }
}


export async function createServer(ctx: CoreContext, actor: Actor, input: unknown, source: MailServer['source'] = 'database'): Promise<MailServer> {
  if (source === 'database') assertWritable(ctx);
  const config = normalizeServerConfig(input);
  return ctx.store.transaction(async (repos) => {
    await assertNameFree(repos, config.name);
    const now = ctx.clock.now();
    const server: MailServer = { id: newId('srv'), ...config, source, overridden: [], createdAt: now, updatedAt: now, version: 1 };
    await repos.servers.insert(server);
    await audit(repos, ctx, actor, 'server.create', { type: 'server', id: server.id }, undefined, server);
    return server;
  });
}

function changedFields(before: ServerConfig, after: ServerConfig): string[] {
  const out: string[] = [];
  for (const k of ['name', 'imap', 'retry', 'rateLimit'] as const) {
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) out.push(k);
  }
  for (const k of Object.keys(after.smtp) as (keyof ServerConfig['smtp'])[]) {
    if (JSON.stringify(before.smtp[k]) !== JSON.stringify(after.smtp[k])) out.push(`smtp.${k}`);
  }
  return out;
}

export async function updateServer(ctx: CoreContext, actor: Actor, id: string, input: unknown): Promise<MailServer> {
  assertWritable(ctx);
  const version = requireVersion(input);
  return ctx.store.transaction(async (repos) => {
    const prev = await repos.servers.get(id);
    if (!prev) throw notFound('server', id);
    if (prev.version !== version) throw versionConflict('server', id, prev.version, version);
    const config = normalizeServerConfig(input, prev);
    await assertNameFree(repos, config.name, id);
    const changed = changedFields(prev, config);
    const next: MailServer = {
      ...prev,
      ...config,
      // Env-sourced servers stay env-sourced; the admin's edits are listed as overrides.
      overridden: prev.source === 'env' ? [...new Set([...prev.overridden, ...changed])] : prev.overridden,
      updatedAt: ctx.clock.now(),
      version: prev.version + 1,
    };
    if (changesNothing(prev, next, ['smtp.direct.requireTlsDomains'])) return prev;
    if (!(await repos.servers.update(next, version))) throw versionConflict('server', id, prev.version + 1, version);
    if (serverChangeClearsPasswords(prev, next)) {
      for (const account of await repos.accounts.list({ serverId: id })) {
        await clearAccountPassword(repos, ctx, actor, account, "the server's SMTP or IMAP host, port or security changed");
      }
    }
    await audit(repos, ctx, actor, 'server.update', { type: 'server', id }, prev, next);
    return next;
  });
}

export async function deleteServer(ctx: CoreContext, actor: Actor, id: string): Promise<void> {
  assertWritable(ctx);
  await ctx.store.transaction(async (repos) => {
    // Locked first: a settings change that names the server holds it, so none slips in unseen.
    const prev = await repos.servers.lockForDelete(id);
    if (!prev) throw notFound('server', id);
    const accounts = await repos.accounts.list({ serverId: id });
    const used = inUseError(
      `server "${prev.name}"`,
      [
        { kind: 'accounts', noun: ['account', 'accounts'], items: accounts.map((a) => ({ id: a.id, shown: a.address })) },
        settingsAsUsers(await settingsNamingServer(repos, id)),
      ],
      'point them at another server (or delete them) first',
    );
    if (used) throw used;
    await repos.servers.delete(id);
    await audit(repos, ctx, actor, 'server.delete', { type: 'server', id }, prev, undefined);
  });
}
