import type { Actor } from '../kernel/audit.js';
import { requirePermission, type Principal } from '../access/auth.js';
import { audit, type CoreContext } from '../context.js';
import { parseMailbox } from '../kernel/addresses.js';
import type { RateWindow } from '../kernel/rate-window.js';
import { doc, onlyKeys, optStr } from '../kernel/validate.js';
import { submitMessage } from '../outbox/messages.service.js';
import { readReportMail } from '../routing/settings.js';
import { callerAddress } from '../templates/preview.service.js';
import { REPORT_PURPOSE, reportText, SAMPLE_REPORT } from './report-mail.js';

/**
 * "Send a test email to me": the report mail as the saved settings make it (sample report
 * values), from the account they choose, to the signed-in admin (or `to`). Sent even while
 * report mail is switched off, so it can be checked before it is switched on.
 */
export async function sendReportTest(ctx: CoreContext, limiter: RateWindow, principal: Principal, actor: Actor, input: unknown): Promise<{ messageId: string; to: string }> {
  requirePermission(principal, 'admin');
  const d = doc('body', input ?? {});
  onlyKeys('body', d, ['to']);
  const given = optStr('to', d.to, { max: 320 });
  const to = given === undefined ? await callerAddress(ctx, principal) : parseMailbox('to', given).address;
  limiter.take(principal.id);
  const settings = await readReportMail(ctx.store.repos);
  const message: Record<string, unknown> = { purpose: REPORT_PURPOSE, to: [to], ...reportText(settings, SAMPLE_REPORT) };
  if (!settings.useDefault) {
    message.accountId = settings.accountId ?? undefined;
    message.serverId = settings.serverId ?? undefined;
  }
  // The admin chose the account in the settings: an override whatever the caller's own flag.
  const { id } = await submitMessage(ctx, { ...principal, allowOverride: true }, message, { source: 'test' });
  await audit(ctx.store.repos, ctx, actor, 'settings.reports_test', { type: 'settings', id: 'reports' }, undefined, { messageId: id, to });
  return { messageId: id, to };
}
