import { effectiveLogin } from '../senders/accounts.js';
import { requirePermission, type Principal } from '../access/auth.js';
import type { AuditAction, AuditTargetType } from '../kernel/audit-actions.js';
import type { Actor } from '../kernel/audit.js';
import { audit, type CoreContext } from '../context.js';
import {
  normalizeDiagnosticRequest,
  type AuthFailure,
  type DiagnosticRequest,
  type DiagnosticResult,
  type DiagnosticsRunner,
  type ImapStepName,
  type SmtpStepName,
} from './diagnostics.js';
import { invalid, isMailroomError, notFound } from '../kernel/errors.js';
import type { NetworkPolicy } from './network-policy.js';
import { isDirect } from '../senders/servers.js';
import { OAUTH2_SUBJECT } from '../credentials/references.js';
import type { Repositories } from '../ports.js';
import type { StoredAccount } from '../senders/ports.js';
import type { RateWindow } from '../kernel/rate-window.js';
import { endpointMoved, normalizeServerConfig, type MailServer, type SmtpSettings } from '../senders/servers.js';

export interface DiagnosticsDeps {
  runner: DiagnosticsRunner;
  policy: NetworkPolicy;
  /** Per-principal limit on diagnostics. */
  limiter: RateWindow;
  /** The account's password (stored secret or reference), undefined when it has none. */
  resolvePassword(repos: Repositories, account: StoredAccount): Promise<string | undefined>;
}

interface Resolved {
  server?: MailServer;
  account?: StoredAccount;
}

async function loadSaved(ctx: CoreContext, req: DiagnosticRequest): Promise<Resolved> {
  const repos = ctx.store.repos;
  const account = req.accountId ? await repos.accounts.get(req.accountId) : undefined;
  if (req.accountId && !account) throw notFound('account', req.accountId);
  const serverId = req.serverId ?? account?.serverId;
  const server = serverId ? await repos.servers.get(serverId) : undefined;
  if (serverId && !server) throw notFound('server', serverId);
  return { server, account };
}


/**
 * Which credentials a diagnostic may use. Typed ones always; the saved password only when
 * the test goes to the very server (host, port, security) and login it was saved for, so a
 * diagnostic cannot be used to send a stored password somewhere new.
 */
async function credentials(
  ctx: CoreContext,
  deps: DiagnosticsDeps,
  req: DiagnosticRequest,
  saved: Resolved,
  endpoint: { host: string; port: number; security: string },
  savedEndpoint: { host: string; port: number; security: string } | undefined,
): Promise<{ auth?: { user: string; password: string; mechanism?: 'XOAUTH2' }; authUnavailable?: string; authFailed?: AuthFailure }> {
  if (req.auth?.password !== undefined) return { auth: { user: req.auth.user, password: req.auth.password } };
  const account = saved.account;
  if (!account) return req.auth ? { authUnavailable: 'a user name was given without a password' } : {};
  const user = req.auth?.user ?? effectiveLogin(account);
  const oauth2 = account.auth.type === 'oauth2';
  if (!account.passwordSet && !oauth2) return { authUnavailable: `account ${account.address} has no password set` };
  const sameServer = saved.server?.id === account.serverId && savedEndpoint !== undefined && !endpointMoved(savedEndpoint, endpoint);
  if (!sameServer || user !== effectiveLogin(account)) {
    return { authUnavailable: 'the saved password is only sent to the server and login it was saved for; type the password to test other values' };
  }
  try {
    const password = await deps.resolvePassword(ctx.store.repos, account);
    // An OAuth2 account's "password" is its access token: the auth step logs in with XOAUTH2.
    return password ? { auth: { user, password, ...(oauth2 ? { mechanism: 'XOAUTH2' as const } : {}) } } : { authUnavailable: `account ${account.address} has no password set` };
  } catch (err) {
    if (isMailroomError(err)) {
      const given = (err.details as { hint?: unknown } | undefined)?.hint;
      const hint =
        typeof given === 'string'
          ? given
          : oauth2
            ? "The account cannot get an OAuth2 access token: check its OAuth2 settings and sign in again; until then every send and IMAP login of this account fails the same way."
            : "The account's password reference cannot be read: set the variable or file, or fix the secret or provider it names; until then every send and IMAP login of this account fails the same way.";
      // The token's errors name their subject ("OAuth2 token for a@…: …"): said once, not twice.
      const detail = oauth2 ? (err.message.startsWith(OAUTH2_SUBJECT) ? `could not get an ${err.message}` : `could not get an OAuth2 token: ${err.message}`) : `the account's password cannot be read: ${err.message}`;
      return { authFailed: { detail, hint } };
    }
    throw err;
  }
}

/** The diagnostic goes to the saved server's own host and port (the network policy lets it reach an internal address). */
function isSavedEndpoint(endpoint: { host: string; port: number }, savedEndpoint: { host: string; port: number } | undefined): boolean {
  return savedEndpoint !== undefined && savedEndpoint.host.toLowerCase() === endpoint.host.toLowerCase() && savedEndpoint.port === endpoint.port;
}

function failedStep(r: DiagnosticResult): string | null {
  return r.steps.find((s) => s.status === 'fail')?.name ?? null;
}

/** Runs `fn`, auditing the attempt whether it ran, failed a step or was refused by policy. */
async function audited<T extends DiagnosticResult>(
  ctx: CoreContext,
  actor: Actor,
  action: AuditAction,
  saved: Resolved,
  about: Record<string, unknown>,
  fn: () => Promise<T>,
): Promise<T> {
  const target: { type: AuditTargetType; id: string | null } = saved.account ? { type: 'account', id: saved.account.id } : saved.server ? { type: 'server', id: saved.server.id } : { type: 'diagnostic', id: null };
  try {
    const result = await fn();
    await audit(ctx.store.repos, ctx, actor, action, target, undefined, { ...about, ok: result.ok, failedStep: failedStep(result) });
    return result;
  } catch (err) {
    const code = isMailroomError(err) ? err.code : 'error';
    await audit(ctx.store.repos, ctx, actor, action, target, undefined, { ...about, ok: false, refused: code });
    throw err;
  }
}

export async function diagnoseSmtp(ctx: CoreContext, deps: DiagnosticsDeps, principal: Principal, actor: Actor, body: unknown): Promise<DiagnosticResult<SmtpStepName>> {
  requirePermission(principal, 'admin');
  deps.limiter.take(principal.id);
  const req = normalizeDiagnosticRequest(body, 'smtp');
  const saved = await loadSaved(ctx, req);
  const smtp: SmtpSettings = req.smtp
    ? normalizeServerConfig({ smtp: req.smtp, ...(saved.server ? {} : { name: 'diagnostic' }) }, saved.server).smtp
    : saved.server!.smtp;
  if (isDirect(smtp)) {
    throw invalid('smtp.mode', 'a direct server has no host to test: each recipient domain\'s exchanger is looked up at send time. Check a sender domain with the domain check and send a test message instead');
  }
  // Over a plain relay (SMTP security "none") delivery never sends AUTH: a saved account's
  // password there is its IMAP login only, so the test sends without it too, as the mail goes.
  // An account without a password is told only the first half: it has no password to explain.
  const plainRelay = 'not used: encryption is off for this server, so Mailroom sends through it without logging in';
  const creds =
    smtp.security === 'none' && saved.account && req.auth?.password === undefined
      ? { authUnavailable: saved.account.passwordSet ? `${plainRelay}; the account's password is its IMAP login only` : plainRelay }
      : await credentials(ctx, deps, req, saved, smtp, saved.server?.smtp);
  const about = { host: smtp.host, port: smtp.port, security: smtp.security, user: creds.auth?.user ?? null, send: req.send ?? null };
  const own = isSavedEndpoint(smtp, saved.server?.smtp);
  return audited(ctx, actor, 'diagnostics.smtp', saved, about, () => deps.runner.smtp({ smtp, saved: own, ...creds, ...(req.send ? { send: req.send } : {}) }, deps.policy));
}

export async function diagnoseImap(ctx: CoreContext, deps: DiagnosticsDeps, principal: Principal, actor: Actor, body: unknown): Promise<DiagnosticResult<ImapStepName>> {
  requirePermission(principal, 'admin');
  deps.limiter.take(principal.id);
  const req = normalizeDiagnosticRequest(body, 'imap');
  const saved = await loadSaved(ctx, req);
  const server = saved.server;
  const imap = req.imap
    ? normalizeServerConfig({ name: 'diagnostic', smtp: server?.smtp ?? { host: 'localhost' }, imap: { ...(server?.imap ?? {}), ...(req.imap as object) } }).imap
    : server?.imap;
  if (!imap) throw invalid('imap', server ? `server "${server.name}" has no IMAP section; give the imap settings to test` : 'give the imap settings to test');
  const savedEndpoint = server?.imap ?? undefined;
  const creds = await credentials(ctx, deps, req, saved, imap, savedEndpoint);
  const about = { host: imap.host, port: imap.port, security: imap.security, user: creds.auth?.user ?? null };
  const tlsTrust = server?.smtp.tlsTrust ?? { mode: 'system' as const };
  const timeoutSec = server?.smtp.connectTimeoutSec ?? 30;
  const own = isSavedEndpoint(imap, savedEndpoint);
  // An account that reads its mailbox: the folders its reader opens, and where it moves mail.
  const inbound = saved.account?.inbound;
  const folders = inbound ? { folders: inbound.folders, ...(inbound.afterProcessing === 'move' && inbound.moveTo ? { moveTo: inbound.moveTo } : {}) } : {};
  return audited(ctx, actor, 'diagnostics.imap', saved, about, () => deps.runner.imap({ imap, saved: own, tlsTrust, timeoutSec, ...creds, ...folders }, deps.policy));
}
