import { parseMailbox } from '../kernel/addresses.js';
import type { Actor } from '../kernel/audit.js';
import { requirePermission, type Principal } from '../access/auth.js';
import { audit, type CoreContext } from '../context.js';
import { invalid, isMailroomError, notFound } from '../kernel/errors.js';
import { submitMessage } from './messages.service.js';
import type { RateWindow } from '../kernel/rate-window.js';
import { arr, doc, onlyKeys, optStr, str } from '../kernel/validate.js';

function recipient(v: unknown): string | undefined {
  const to = optStr('to', v, { max: 320 });
  return to === undefined ? undefined : parseMailbox('to', to).address;
}

/**
 * "Send test email": a plain-text message from the account, to itself unless `to` is given,
 * through the normal outbox (purpose "test"), so it is logged, retried and followed like
 * any other message (GET /messages/:id).
 */
async function sendOne(ctx: CoreContext, principal: Principal, actor: Actor, accountId: string, to: string | undefined): Promise<{ messageId: string }> {
  const account = await ctx.store.repos.accounts.get(accountId);
  if (!account) throw notFound('account', accountId);
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
    { source: 'test' },
  );
  await audit(ctx.store.repos, ctx, actor, 'account.test', { type: 'account', id: accountId }, undefined, { messageId: id, to: rcpt });
  return { messageId: id };
}

export async function sendTestEmail(ctx: CoreContext, limiter: RateWindow, principal: Principal, actor: Actor, accountId: string, body: unknown): Promise<{ messageId: string }> {
  requirePermission(principal, 'admin');
  const d = doc('body', body ?? {});
  onlyKeys('body', d, ['to']);
  const to = recipient(d.to);
  limiter.take(principal.id);
  return sendOne(ctx, principal, actor, accountId, to);
}

export type TestEmailResult = { accountId: string; messageId: string } | { accountId: string; error: { code: string; message: string } };

/** Several accounts at once; each succeeds or fails on its own. */
export async function sendTestEmails(ctx: CoreContext, limiter: RateWindow, principal: Principal, actor: Actor, body: unknown): Promise<{ results: TestEmailResult[] }> {
  requirePermission(principal, 'admin');
  const d = doc('body', body);
  onlyKeys('body', d, ['accountIds', 'to']);
  if (d.accountIds === undefined) throw invalid('accountIds', 'is required: the accounts to test');
  const ids = [...new Set(arr('accountIds', d.accountIds, 50).map((v, i) => str(`accountIds[${i}]`, v, { max: 100 })))];
  if (!ids.length) throw invalid('accountIds', 'must name at least one account');
  const to = recipient(d.to);
  const results: TestEmailResult[] = [];
  for (const accountId of ids) {
    try {
      limiter.take(principal.id);
      results.push({ accountId, ...(await sendOne(ctx, principal, actor, accountId, to)) });
    } catch (err) {
      if (!isMailroomError(err)) throw err;
      results.push({ accountId, error: { code: err.code, message: err.message } });
    }
  }
  return { results };
}
