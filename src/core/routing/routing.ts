import type { Principal } from '../access/auth.js';
import { ErrorCodes, invalid, MailroomError } from '../kernel/errors.js';
import type { Repositories } from '../ports.js';
import type { StoredAccount } from '../senders/ports.js';
import { builtinPurpose, DEFAULT_PRIORITY, isBuiltinPurpose, purposeDisabled, unknownPurpose, type Purpose } from './purposes.js';
import { assertFromAllowed, fromAllowed } from './sender-identity.js';
import type { MailServer } from '../senders/servers.js';
import { readRoutingSettings } from './settings.js';
import { parseMailbox, type Mailbox } from '../kernel/addresses.js';

export { reserveSendSlot, type SendSlot } from './send-slots.js';

/**
 * Routing decides which account every message leaves from. Order: the message's own
 * account/server override (when its caller may override) → the purpose's first active account
 * → the system default account → the first active account → MAILROOM_E_NO_SENDER.
 *
 * `purpose: ''` means "no purpose given": the purpose step is skipped, nothing is copied, the
 * priority is the middle one and the expiry is the server's.
 */
export interface RouteRequest {
  purpose: string;
  accountId?: string;
  serverId?: string;
  /** The message's From, if it sets one: "a@b" or "Name <a@b>"; must be an identity of the account. */
  from?: string;
  /**
   * Every author of the message, when the caller knows them all (the relay: each From mailbox and
   * the Sender of the application's own header). Given, an account is chosen or failed over to
   * only if it may send as each of them: a purpose's accounts that may not are passed over, and a
   * message none of them may send is refused naming the author. Without it (the API's messages,
   * whose one author is `from`) the purpose's first active account is the one, as always.
   */
  authors?: readonly RouteAuthor[];
  principal: Principal;
}

/** An author of a message and the header field it is in ("from", "sender"), which a refusal names. */
export interface RouteAuthor {
  field: string;
  address: string;
}

export interface Route {
  account: StoredAccount;
  server: MailServer;
  /** Human readable, stored on the message as routing.reason. */
  reason: string;
  reasonCode: 'override' | 'purpose' | 'default' | 'first_active';
  /** Ordered, starting with account.id; later attempts after transient failures move along it. */
  failoverAccountIds: string[];
  /** Higher is sooner (two_factor, password_reset high; report low). */
  priority: number;
  /** The purpose's default expiry (two_factor: 600), else null (the server's retry policy). */
  expireAfterSec: number | null;
  globalCc: string[];
  globalBcc: string[];
}

/** The purpose as stored, or a built-in's defaults when it was never stored; unknown keys are refused. */
export async function loadPurpose(repos: Repositories, key: string, now = Date.now()): Promise<Purpose> {
  return storedOrBuiltin(await repos.purposes.get(key), key, now);
}

/**
 * loadPurpose for a write about to name the purpose (a template, a rule, an SMTP credential),
 * inside its transaction: until that ends, no other transaction can delete the purpose.
 */
export async function holdPurpose(repos: Repositories, key: string, now = Date.now()): Promise<Purpose> {
  return storedOrBuiltin(await repos.purposes.hold(key), key, now);
}

function storedOrBuiltin(stored: Purpose | undefined, key: string, now: number): Purpose {
  if (stored) return stored;
  if (isBuiltinPurpose(key)) return builtinPurpose(key, now);
  throw unknownPurpose(key);
}

async function serverOf(repos: Repositories, account: StoredAccount): Promise<MailServer> {
  const server = await repos.servers.get(account.serverId);
  // The foreign key makes this impossible short of a corrupted store; say so plainly.
  if (!server) throw new MailroomError(ErrorCodes.INTERNAL, `account ${account.address} points at server ${account.serverId}, which does not exist`);
  return server;
}

function byAge(a: StoredAccount, b: StoredAccount): number {
  return a.createdAt - b.createdAt || a.id.localeCompare(b.id);
}

interface ParsedAuthor {
  field: string;
  m: Mailbox;
}

/** The authors every account of the route must be allowed to send as: `authors` when given, else the From, else none. */
function authorsOf(req: RouteRequest): ParsedAuthor[] {
  if (req.authors) return req.authors.map((a) => ({ field: a.field, m: parseMailbox(a.field, a.address) }));
  return req.from ? [{ field: 'from', m: parseMailbox('from', req.from) }] : [];
}

/** The first author `account` may not send as, if any. */
function refusedAuthor(account: StoredAccount, authors: readonly ParsedAuthor[]): ParsedAuthor | undefined {
  return authors.find((a) => !fromAllowed(account, a.m));
}

/** Why the purpose's accounts before the chosen one were passed over, for routing.reason. */
function passedOver(before: readonly StoredAccount[], authors: readonly ParsedAuthor[]): string {
  if (!before.length) return '';
  const refused = before.map((a) => (a.active ? refusedAuthor(a, authors) : undefined));
  // Only inactive ones: the words routing has always stored.
  if (refused.every((r) => r === undefined)) return ` (the ${before.length} listed before it ${before.length > 1 ? 'are' : 'is'} inactive)`;
  return ` (passed over: ${before.map((a, i) => `${a.address} ${refused[i] ? `may not send as ${refused[i].m.address}` : 'is inactive'}`).join(', ')})`;
}

/**
 * None of the purpose's active accounts may send as every author. Named: the first author none of
 * them may use, or, when each author has an account but no account has them all, what each one lacks.
 */
function noAccountForAuthors(purpose: Purpose, accounts: readonly StoredAccount[], authors: readonly ParsedAuthor[]): MailroomError {
  const fix = 'an admin can add the address (or its "@domain") to the aliases of one of them, or list an account that may on the purpose';
  const addresses = accounts.map((a) => a.address).join(', ');
  const orphan = authors.find((au) => !accounts.some((a) => fromAllowed(a, au.m)));
  if (orphan) {
    return new MailroomError(ErrorCodes.FROM_NOT_ALLOWED, `${orphan.field}: none of the accounts purpose "${purpose.key}" sends through (${addresses}) may send as ${orphan.m.address}; ${fix}`, {
      field: orphan.field,
      from: orphan.m.address,
      accountIds: accounts.map((a) => a.id),
    });
  }
  const gaps = accounts.map((a) => `${a.address} may not send as ${refusedAuthor(a, authors)?.m.address}`).join('; ');
  return new MailroomError(
    ErrorCodes.FROM_NOT_ALLOWED,
    `${authors[0].field}: no single account purpose "${purpose.key}" sends through may send as all of ${authors.map((a) => a.m.address).join(', ')}: ${gaps}; ${fix}`,
    { field: authors[0].field, from: authors.map((a) => a.m.address), accountIds: accounts.map((a) => a.id) },
  );
}

async function overrideRoute(repos: Repositories, req: RouteRequest, purpose: Purpose | undefined, all: StoredAccount[]): Promise<{ account: StoredAccount; reason: string }> {
  if (!req.principal.allowOverride) {
    const what = req.accountId ? 'account' : 'server';
    // A key made to allow overrides is held back only by its creator's role now: say that, not "allow it".
    const heldBack = req.principal.kind === 'apikey' && req.principal.limitedBy && (await repos.apiKeys.get(req.principal.id))?.allowOverride;
    const why = heldBack
      ? ` (${req.principal.limitedBy}): it may again once its creator is an admin; or leave accountId/serverId out and let the purpose decide`
      : ': an admin must allow overrides on this API key, or leave accountId/serverId out and let the purpose decide';
    throw new MailroomError(ErrorCodes.OVERRIDE_NOT_ALLOWED, `${req.principal.label} may not choose the sending ${what}${why}`, { field: req.accountId ? 'accountId' : 'serverId' });
  }
  if (req.accountId) {
    const account = all.find((a) => a.id === req.accountId);
    if (!account) throw invalid('accountId', `account ${req.accountId} does not exist`);
    if (req.serverId && account.serverId !== req.serverId) throw invalid('serverId', `account ${account.address} does not send through server ${req.serverId}`);
    if (!account.active) {
      throw new MailroomError(ErrorCodes.ACCOUNT_INACTIVE, `account ${account.address} is switched off; activate it or send without accountId`, { accountId: account.id });
    }
    return { account, reason: req.principal.accountChosenBy ? `account ${account.address} chosen by ${req.principal.accountChosenBy}` : `account ${account.address} chosen by the message (accountId override)` };
  }
  const server = await repos.servers.get(req.serverId as string);
  if (!server) throw invalid('serverId', `server ${req.serverId} does not exist`);
  const onServer = all.filter((a) => a.serverId === server.id && a.active);
  const listed = purpose?.accountIds.map((id) => onServer.find((a) => a.id === id)).find((a) => a !== undefined);
  const account = listed ?? onServer.sort(byAge)[0];
  if (!account) {
    throw new MailroomError(ErrorCodes.NO_SENDER, `server "${server.name}" has no active account: add or activate an account on it (POST /api/v1/accounts with serverId ${server.id})`, {
      serverId: server.id,
    });
  }
  return { account, reason: `server "${server.name}" chosen by ${req.principal.accountChosenBy ?? 'the message (serverId override)'}; its account ${account.address}` };
}

function noSender(purposeKey: string, all: StoredAccount[], purpose: Purpose | undefined, hasServer: boolean): MailroomError {
  const what = purposeKey ? `${purposeKey.replace(/_/g, ' ')} mail` : 'this message';
  let fix: string;
  if (!hasServer) fix = 'create a mail server (POST /api/v1/servers, or set MAILROOM_SMTP_HOST and the other MAILROOM_* variables) and an account on it (POST /api/v1/accounts)';
  else if (all.length === 0) fix = 'create an account on your mail server (POST /api/v1/accounts)';
  else fix = `activate one of the ${all.length} account${all.length > 1 ? 's' : ''} (PATCH /api/v1/accounts/:id {"active": true})`;
  const purposeHint = purpose ? `, then list it on purpose "${purpose.key}" (PATCH /api/v1/purposes/${purpose.key}) or make it the default (PATCH /api/v1/settings {"defaultAccountId": …})` : '';
  return new MailroomError(ErrorCodes.NO_SENDER, `no account can send ${what}: ${fix}${purposeHint}`, { purpose: purposeKey || null });
}

/**
 * Resolves the account a message leaves from. Throws MAILROOM_E_UNKNOWN_PURPOSE,
 * PURPOSE_DISABLED, OVERRIDE_NOT_ALLOWED, ACCOUNT_INACTIVE, FROM_NOT_ALLOWED or NO_SENDER.
 */
export async function resolveRoute(repos: Repositories, req: RouteRequest): Promise<Route> {
  const purpose = req.purpose ? await loadPurpose(repos, req.purpose) : undefined;
  if (purpose && !purpose.enabled) throw purposeDisabled(purpose.key);
  const authors = authorsOf(req);
  const [all, settings] = await Promise.all([repos.accounts.list(), readRoutingSettings(repos)]);
  const active = all.filter((a) => a.active);

  let account: StoredAccount | undefined;
  let reason: string;
  let reasonCode: Route['reasonCode'];
  let failover: string[] | undefined;
  if (req.accountId || req.serverId) {
    ({ account, reason } = await overrideRoute(repos, req, purpose, all));
    reasonCode = 'override';
    failover = [account.id];
  } else {
    const listed = purpose ? purpose.accountIds.map((id) => all.find((a) => a.id === id)).filter((a): a is StoredAccount => a !== undefined) : [];
    // With every author known, an account that may not send as one of them is passed over like an inactive one.
    const eligible = (a: StoredAccount) => a.active && (!req.authors || !refusedAuthor(a, authors));
    const firstActive = listed.findIndex(eligible);
    const dflt = settings.defaultAccountId ? active.find((a) => a.id === settings.defaultAccountId) : undefined;
    const why = !purpose ? 'the message names no purpose' : listed.length ? `purpose "${purpose.key}" lists no active account` : `purpose "${purpose.key}" lists no account`;
    if (purpose && firstActive >= 0) {
      account = listed[firstActive];
      reasonCode = 'purpose';
      reason = `purpose "${purpose.key}" → account ${account.address}${passedOver(listed.slice(0, firstActive), authors)}`;
      // Later accounts of the list stay in, even when inactive now: they are checked again at each attempt.
      failover = listed.slice(firstActive).filter((a) => !refusedAuthor(a, authors)).map((a) => a.id);
    } else if (purpose && req.authors && listed.some((a) => a.active)) {
      // The purpose has accounts, none of them for these authors: refused rather than sent through
      // the default account, which the purpose never meant its mail to leave from.
      throw noAccountForAuthors(purpose, listed.filter((a) => a.active), authors);
    } else if (dflt) {
      account = dflt;
      reasonCode = 'default';
      reason = `${why} → system default account ${account.address}`;
    } else {
      account = [...active].sort(byAge)[0];
      reasonCode = 'first_active';
      reason = `${why} and no default account is set → first active account ${account?.address}`;
    }
    if (!account) throw noSender(req.purpose, all, purpose, (await repos.servers.list()).length > 0);
  }
  for (const a of authors) assertFromAllowed(account, a.m.address, a.field);
  const server = await serverOf(repos, account);
  const copies = purpose?.globalCopies === true;
  return {
    account,
    server,
    reason,
    reasonCode,
    failoverAccountIds: failover && failover[0] === account.id ? failover : [account.id],
    priority: purpose?.priority ?? DEFAULT_PRIORITY,
    expireAfterSec: purpose ? purpose.expireAfterSec : null,
    globalCc: copies ? settings.globalCc : [],
    globalBcc: copies ? settings.globalBcc : [],
  };
}

export interface AttemptSender {
  account: StoredAccount;
  server: MailServer;
}

/**
 * The account for an attempt after `failedAttempts` transient failures (0 for the first
 * try): the next active account along the failover list, wrapping around to the first once
 * the list is exhausted (retries go on until the message expires). Inactive or deleted
 * accounts are skipped. Throws NO_SENDER when none of the list is active any more.
 */
export async function chooseAttemptAccount(repos: Repositories, failoverAccountIds: readonly string[], failedAttempts: number): Promise<AttemptSender> {
  const usable: StoredAccount[] = [];
  const deleted: string[] = [];
  for (const id of failoverAccountIds) {
    const a = await repos.accounts.get(id);
    if (!a) deleted.push(id);
    else if (a.active) usable.push(a);
  }
  if (!usable.length) {
    // A deleted account does not come back: say so rather than ask for it to be activated.
    const message =
      deleted.length > 0 && deleted.length === failoverAccountIds.length
        ? `none of the accounts this message may use (${failoverAccountIds.join(', ')}) exists any more: they were deleted, so it cannot be sent; cancel it (or let it expire)`
        : `none of the accounts this message may use (${failoverAccountIds.join(', ')}) is active any more${deleted.length ? ` (deleted: ${deleted.join(', ')})` : ''}: activate one and retry the message`;
    throw new MailroomError(ErrorCodes.NO_SENDER, message, { accountIds: failoverAccountIds });
  }
  const account = usable[Math.max(0, Math.floor(failedAttempts)) % usable.length];
  return { account, server: await serverOf(repos, account) };
}
