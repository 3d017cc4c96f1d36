import { foreignCursor } from '../core/kernel/ids.js';

/**
 * One page of a newest-first list (the email log, the audit log, the relay's refusals). Ids are
 * time-ordered, so the query reads `id < cursor` in id order, `limit + 1` rows: the extra row
 * only says that another page exists, and the last id of this page is its cursor.
 */
export function keysetPage<R extends { id: string }, T>(rows: R[], limit: number, map: (row: R) => T): { items: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { items: page.map(map), nextCursor: rows.length > limit ? page[page.length - 1].id : null };
}

/**
 * A cursor is the last row of a page the list handed out, so its row exists: one probe of the
 * primary key (`probe` selects that row) before the page is read. A made-up cursor of the right
 * shape was read as a position: above every row it restarted at page one, below every row it
 * answered an empty page, as if the list were done. Refused instead, in the words of every
 * other foreign cursor. (A cursor whose row was deleted since, by a user or retention, is
 * refused the same way: the client starts again at page one, told so.)
 */
export async function assertCursorRow(probe: { executeTakeFirst(): Promise<unknown> }): Promise<void> {
  if (!(await probe.executeTakeFirst())) throw foreignCursor();
}
