/**
 * One page of a newest-first list (the email log, the audit log, the relay's refusals). Ids are
 * time-ordered, so the query reads `id < cursor` in id order, `limit + 1` rows: the extra row
 * only says that another page exists, and the last id of this page is its cursor.
 */
export function keysetPage<R extends { id: string }, T>(rows: R[], limit: number, map: (row: R) => T): { items: T[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  return { items: page.map(map), nextCursor: rows.length > limit ? page[page.length - 1].id : null };
}
