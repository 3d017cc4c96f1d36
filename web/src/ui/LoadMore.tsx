import { useEffect, useRef, type MouseEvent } from 'react';
import type { PagedList } from '../lists.js';
import { ErrorBox } from './ErrorBox.js';

/**
 * The rows of the list a LoadMore sits under: the nearest earlier sibling holding a table's rows
 * or a list's top-level items (an audit entry's own lists are not rows).
 */
function rowsAbove(el: HTMLElement | null): HTMLElement[] {
  for (let p = el?.previousElementSibling ?? null; p; p = p.previousElementSibling) {
    const rows = [...p.querySelectorAll<HTMLElement>('tbody > tr, ul > li')].filter((r) => r.tagName === 'TR' || !r.parentElement?.closest('li'));
    if (rows.length) return rows;
  }
  return [];
}

/**
 * "Load older …" under a paged list while the server has more, and why the last try failed.
 * While loading the button stays focusable (aria-disabled, clicks ignored): `disabled` dropped
 * keyboard focus to the page's start. When the last page came and the button went away, focus
 * moves to the first row it loaded, where the reader goes on.
 */
export function LoadMore({ list, label }: { list: Pick<PagedList<unknown>, 'cursor' | 'loadMore' | 'loadingMore' | 'moreError'>; label: string }) {
  const box = useRef<HTMLDivElement>(null);
  // The number of rows shown when loading began, while the button held focus; null otherwise.
  const rowsBefore = useRef<number | null>(null);
  useEffect(() => {
    if (list.loadingMore || rowsBefore.current === null) return;
    const first = rowsBefore.current;
    rowsBefore.current = null;
    // Only when the button is gone and focus with it: a button still there keeps its focus.
    if (list.cursor || (document.activeElement && document.activeElement !== document.body)) return;
    const row = rowsAbove(box.current)[first];
    if (!row) return;
    if (!row.hasAttribute('tabindex')) row.tabIndex = -1;
    row.focus();
  }, [list.loadingMore, list.cursor]);

  const load = (e: MouseEvent<HTMLButtonElement>) => {
    if (list.loadingMore) return;
    rowsBefore.current = document.activeElement === e.currentTarget ? rowsAbove(box.current).length : null;
    void list.loadMore();
  };

  return (
    <div ref={box} className="load-more">
      <ErrorBox error={list.moreError} />
      {list.cursor ? (
        <div className="center">
          <button type="button" className="btn" onClick={load} aria-disabled={list.loadingMore ? true : undefined}>
            {list.loadingMore ? 'Loading…' : label}
          </button>
        </div>
      ) : null}
    </div>
  );
}
