import { parseMailbox } from '../kernel/addresses.js';
import type { Actor } from '../kernel/audit.js';
import { requirePermission, type Principal } from '../access/auth.js';
import { audit, type CoreContext } from '../context.js';
import { ErrorCodes, invalid, isMailroomError, MailroomError, notFound } from '../kernel/errors.js';
import { submitMessage } from './messages.service.js';
import type { RateWindow } from '../kernel/rate-window.js';
import { arr, bool, doc, onlyKeys, optStr, str } from '../kernel/validate.js';
import { confirmationAt } from '../inbound/confirmation.js';
import { readerTrouble } from '../inbound/status.service.js';

function recipient(v: unknown): string | undefined {
  const to = optStr('to', v, { max: 320 });
  return to === undefined ? undefined : parseMailbox('to', to).address;
}

/** A test email accepted; with `confirm`, its confirmation as the message reads now (pending, or reader_failing with the reader's error). */
export type TestEmailSent = { messageId: string } | { messageId: string; confirmation: 'pending' | 'reader_failing'; confirmationError: string | null };

/**
 * "Send test email": a plain-text message from the account, to itself unless `to` is given,
 * through the normal outbox (purpose "test"), so it is logged, retried and followed like
 * any other message (GET /messages/:id). With `confirm`, it goes to the account's own mailbox
 * and waits there: the IMAP reader settles its `confirmation` (core/inbound/confirmation.ts).
 */
async function sendOne(ctx: CoreContext, principal: Principal, actor: Actor, accountId: string, to: string | undefined, confirm = false): Promise<TestEmailSent> {
  const account = await ctx.store.repos.accounts.get(accountId);
  if (!account) throw notFound('account', accountId);
  // Nobody would ever see it arrive: refused rather than left "pending" until it times out.
  if (confirm && !(account.active && account.inbound?.enabled)) {
    throw new MailroomError(
      ErrorCodes.INBOUND_NOT_READ,
      `account ${account.address} does not read its mailbox, so Mailroom cannot see the test email arrive; switch reading on (inbound.enabled, on a server with an IMAP section) or send without confirm`,
      { field: 'confirm', accountId },
    );
  }
  const rcpt = to ?? account.address;
  const at = new Date(ctx.clock.now()).toISOString();
  // The admin chose the account explicitly; that is an override whatever the key's own flag.
  const asAdmin: Principal = { ...principal, allowOverride: true };
  const { id } = await submitMessage(
    ctx,
    asAdmin,
    {
      purpose: 'test',
      accountId,
      to: [rcpt],
      subject: `Mailroom test message from ${account.address}`,
      text: `This is a test message sent by Mailroom at ${at} from the account ${account.address}, at the request of ${actor.label}.\n\nIf you can read it, this account can send mail.\n`,
    },
    { source: 'test', confirm },
  );
  await audit(ctx.store.repos, ctx, actor, 'account.test', { type: 'account', id: accountId }, undefined, { messageId: id, to: rcpt, ...(confirm ? { confirm } : {}) });
  if (!confirm) return { messageId: id };
  // As the message will read (GET /messages/:id): "reader_failing" at once while the account's
  // reader fails, so the admin learns it from this answer rather than from a later look.
  const now = ctx.clock.now();
  const shown = confirmationAt({ confirmation: 'pending', createdAt: now, accountId }, now, await readerTrouble(ctx, [{ confirmation: 'pending', accountId }]));
  return { messageId: id, confirmation: shown.confirmation as 'pending' | 'reader_failing', confirmationError: shown.confirmationError };
}

export async function sendTestEmail(ctx: CoreContext, limiter: RateWindow, principal: Principal, actor: Actor, accountId: string, body: unknown): Promise<TestEmailSent> {
  requirePermission(principal, 'admin');
  const d = doc('body', body ?? {});
  onlyKeys('body', d, ['to', 'confirm']);
  const to = recipient(d.to);
  const confirm = d.confirm === undefined ? false : bool('confirm', d.confirm);
  if (confirm && to !== undefined) throw invalid('to', 'a confirmed test email goes to the account\'s own mailbox; leave "to" out');
  limiter.take(principal.id);
  return sendOne(ctx, principal, actor, accountId, to, confirm);
}

export type TestEmailResult = ({ accountId: string } & TestEmailSent) | { accountId: string; error: { code: string; message: string } };

/**
 * Several accounts at once; each succeeds or fails on its own. With `confirm`, each goes to its
 * own account's mailbox as the single test does; an account that does not read its mailbox gets
 * its own MAILROOM_E_INBOUND_NOT_READ result while the others are sent.
 */
export async function sendTestEmails(ctx: CoreContext, limiter: RateWindow, principal: Principal, actor: Actor, body: unknown): Promise<{ results: TestEmailResult[] }> {
  requirePermission(principal, 'admin');
  const d = doc('body', body);
  onlyKeys('body', d, ['accountIds', 'to', 'confirm']);
  if (d.accountIds === undefined) throw invalid('accountIds', 'is required: the accounts to test');
  const ids = [...new Set(arr('accountIds', d.accountIds, 50).map((v, i) => str(`accountIds[${i}]`, v, { max: 100 })))];
  if (!ids.length) throw invalid('accountIds', 'must name at least one account');
  const to = recipient(d.to);
  const confirm = d.confirm === undefined ? false : bool('confirm', d.confirm);
  if (confirm && to !== undefined) throw invalid('to', 'a confirmed test email goes to each account\'s own mailbox; leave "to" out');
  const results: TestEmailResult[] = [];
  for (const accountId of ids) {
    try {
      limiter.take(principal.id);
      results.push({ accountId, ...(await sendOne(ctx, principal, actor, accountId, to, confirm)) });
    } catch (err) {
      if (!isMailroomError(err)) throw err;
      results.push({ accountId, error: { code: err.code, message: err.message } });
    }
  }
  return { results };
}
