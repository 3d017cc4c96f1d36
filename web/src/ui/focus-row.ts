/**
 * Moves the keyboard focus to a list's row (DataTable marks each with its key), scrolled into
 * view: where a reader continues once a panel about that item closes (a credential shown once
 * and dismissed), instead of the page's start. Returns whether the row was there.
 */
export function focusRow(key: string): boolean {
  const row = document.querySelector<HTMLTableRowElement>(`tr[data-row-key="${CSS.escape(key)}"]`);
  if (!row) return false;
  // A row is not focusable by Tab; -1 lets it take the focus from here only.
  row.tabIndex = -1;
  row.focus();
  return true;
}
