import type { MessageStatus, MessageSummary } from '../../api.js';
import { listed } from '../../format.js';
import { MESSAGE_STATUSES } from './statuses.js';

/**
 * What a filter of the email log matches, as far as it is known: `total` messages (`totalMore`:
 * that many or more), how many of each status among them when they were all seen (`byStatus`),
 * and how many of them the action takes (`taken`, `takenMore` likewise).
 */
export interface BulkCounts {
  total: number;
  totalMore: boolean;
  byStatus: Partial<Record<MessageStatus, number>> | null;
  taken: number;
  takenMore: boolean;
}

/** The question a bulk action asks; `none`: it would change nothing, so it offers no "Yes". `one`: the way out says "it". */
export interface BulkQuestion {
  text: string;
  one: boolean;
  none: boolean;
}

/** Counts from rows seen: exact when `more` is false (every matching message is among them). */
export function countRows(rows: readonly MessageSummary[], more: boolean, statuses: readonly MessageStatus[]): BulkCounts {
  const byStatus: Partial<Record<MessageStatus, number>> = {};
  for (const m of rows) byStatus[m.status] = (byStatus[m.status] ?? 0) + 1;
  const taken = rows.filter((m) => statuses.includes(m.status)).length;
  return { total: rows.length, totalMore: more, byStatus: more ? null : byStatus, taken, takenMore: more };
}

/** What became of a message of each status, for "they were sent" / "it is queued". */
const FATE: Record<MessageStatus, [one: string, many: string]> = {
  queued: ['is queued', 'are queued'],
  sending: ['is being sent', 'are being sent'],
  deferred: ['is deferred', 'are deferred'],
  sent: ['was sent', 'were sent'],
  failed: ['failed', 'failed'],
  expired: ['expired', 'expired'],
  cancelled: ['was cancelled', 'were cancelled'],
  logged: ['was logged', 'were logged'],
  bounced: ['bounced', 'bounced'],
  suppressed: ['was suppressed', 'were suppressed'],
  received: ['was received', 'were received'],
  quarantined: ['was quarantined', 'were quarantined'],
};

/** "they were sent", "it is queued", "2 were sent and 1 was logged": the messages an action leaves, by status. */
function whatTheyAre(byStatus: Partial<Record<MessageStatus, number>>, leave: readonly MessageStatus[]): string {
  const parts = MESSAGE_STATUSES.filter((s) => leave.includes(s) && (byStatus[s] ?? 0) > 0).map((s) => [s, byStatus[s] ?? 0] as const);
  if (parts.length === 1) {
    const [s, n] = parts[0]!;
    return n === 1 ? `it ${FATE[s][0]}` : `they ${FATE[s][1]}`;
  }
  const said = parts.map(([s, n]) => `${n} ${FATE[s][n === 1 ? 0 : 1]}`);
  return `${said.slice(0, -1).join(', ')} and ${said[said.length - 1]}`;
}

const PARTICIPLE = { Retry: 'retried', Cancel: 'cancelled' } as const;

/**
 * "Retry the 3 failed … messages that match?", "Retry the 2 … messages among the 5 that match?
 * The other 3 stay as they are: they were sent.", "None of the 12 matching messages can be
 * retried: they were sent.": what the action takes and what it leaves, with the numbers known.
 * `statuses`: those the action takes (within the filter); `after`: a sentence added when it takes some.
 */
export function bulkQuestion(verb: 'Retry' | 'Cancel', statuses: readonly MessageStatus[], c: BulkCounts, after = ''): BulkQuestion {
  const kinds = listed(statuses);
  const orMore = (more: boolean) => (more ? ' or more' : '');
  const left = c.byStatus ? MESSAGE_STATUSES.filter((s) => !statuses.includes(s)) : [];
  // None among the rows shown, older ones not seen yet (still being counted): how many is not known.
  if (c.taken === 0 && c.takenMore) return { text: `${verb} every ${kinds} message that matches?${after}`, one: false, none: false };
  if (c.taken === 0) {
    const only = ` Only ${kinds} messages can be ${PARTICIPLE[verb]}.`;
    if (!c.byStatus) return { text: `None of the ${c.total}${orMore(c.totalMore)} matching messages can be ${PARTICIPLE[verb]}: none of them is ${kinds}.`, one: false, none: true };
    const what = whatTheyAre(c.byStatus, left);
    const text = c.total === 1 ? `The one matching message cannot be ${PARTICIPLE[verb]}: ${what}.` : `None of the ${c.total} matching messages can be ${PARTICIPLE[verb]}: ${what}.`;
    return { text: `${text}${only}`, one: c.total === 1, none: true };
  }
  const all = !c.takenMore && !c.totalMore && c.taken === c.total;
  if (all) {
    const one = c.taken === 1;
    return { text: `${one ? `${verb} the one ${kinds} message that matches?` : `${verb} the ${c.taken} ${kinds} messages that match?`}${after}`, one, none: false };
  }
  const one = c.taken === 1 && !c.takenMore;
  const taken = one ? `the one ${kinds} message` : `the ${c.taken}${orMore(c.takenMore)} ${kinds} messages`;
  if (c.takenMore) return { text: `${verb} ${taken} that match? Any others stay as they are.${after}`, one, none: false };
  const others = c.total - c.taken;
  const rest = !c.byStatus ? ' The others stay as they are.' : others === 1 ? ` The other one stays as it is: ${whatTheyAre(c.byStatus, left)}.` : ` The other ${others} stay as they are: ${whatTheyAre(c.byStatus, left)}.`;
  return { text: `${verb} ${taken} among the ${c.total}${orMore(c.totalMore)} that match?${rest}${after}`, one, none: false };
}
