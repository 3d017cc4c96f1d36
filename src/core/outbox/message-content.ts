import type { CoreContext } from '../context.js';
import { ErrorCodes, MailroomError, notFound } from '../kernel/errors.js';

/**
 * A message's HTML part exactly as stored, for the log viewer. It may be hostile (replies and
 * bounces come from anyone): whoever shows it must sandbox it (src/http/content-security.ts).
 */
export async function messageHtml(ctx: CoreContext, id: string): Promise<string> {
  const m = await ctx.store.repos.messages.get(id);
  if (!m) throw notFound('message', id);
  if (m.html === null || m.html === '') throw new MailroomError(ErrorCodes.NOT_FOUND, `message ${id} has no HTML part (see its text part)`, { kind: 'message html', id });
  return m.html;
}
