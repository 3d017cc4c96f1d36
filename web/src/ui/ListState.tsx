import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ErrorBox } from './ErrorBox.js';
import { Spinner } from './Spinner.js';

/** A list as a page loads it: `data` arrives once, `items` is what there is to show. */
export interface ListLike {
  data: unknown;
  error: string | null;
  loading: boolean;
  items: readonly unknown[];
}

/**
 * What a list narrowed by a search or filters says of its results: `query` names the search (its
 * address-bar query, say) and `say(count)` words what it found ("12 messages match", "No message
 * matches these filters"), or null for nothing (a query refused at its field says so there).
 */
export interface Found {
  query: string;
  say(count: number): string | null;
}

/**
 * Says politely (role=status, the focus left where it is) what a new search or filter found, once
 * its answer is in: the rows or the empty state appear far below the filters, and a screen reader
 * would otherwise hear nothing after Apply. Said only when `query` changes — not when the page
 * opens (its heading is read then), nor at a refresh or poll of the same query — and not for a
 * refused query (its refusal is said as an alert).
 */
function FoundStatus({ list, found }: { list: ListLike; found: Found }) {
  const [text, setText] = useState('');
  // The query last said (or the page's first, said by nothing); whether its answer is still to come.
  const said = useRef(found.query);
  const awaiting = useRef(false);
  const { query } = found;
  useEffect(() => {
    if (query === said.current) {
      awaiting.current = false;
      return;
    }
    // While the previous answer is still shown, a new query has not been answered: wait for its load to end.
    if (list.loading) {
      awaiting.current = true;
      return;
    }
    if (!awaiting.current) return;
    awaiting.current = false;
    said.current = query;
    setText(list.error ? '' : (found.say(list.items.length) ?? ''));
  }, [query, list.loading, list.error, list.items.length, found]);
  return (
    <div className="sr-only" role="status" data-testid="list-found">
      {text}
    </div>
  );
}

/**
 * Everything a list page says before its list: why it could not load, that it is loading,
 * or `empty` when it loaded with nothing in it. `children` (the table) once there are items.
 * A refused query leaves no items (useResource drops the answer to the query before), so its
 * refusal stands alone; a failed refresh of the same query keeps the rows it last gave.
 * `found`: a list a search or filters narrow says what each new one found (FoundStatus).
 */
export function ListState({ list, empty, found, children }: { list: ListLike; empty: ReactNode; found?: Found; children: ReactNode }) {
  return (
    <>
      <ErrorBox error={list.error} />
      {found ? <FoundStatus list={list} found={found} /> : null}
      {list.loading && !list.data ? <Spinner /> : null}
      {list.data && list.items.length === 0 ? empty : null}
      {list.items.length > 0 ? children : null}
    </>
  );
}
