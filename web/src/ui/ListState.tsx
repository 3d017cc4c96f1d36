import type { ReactNode } from 'react';
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
 * Everything a list page says before its list: why it could not load, that it is loading,
 * or `empty` when it loaded with nothing in it. `children` (the table) once there are items.
 * A refused query leaves no items (useResource drops the answer to the query before), so its
 * refusal stands alone; a failed refresh of the same query keeps the rows it last gave.
 */
export function ListState({ list, empty, children }: { list: ListLike; empty: ReactNode; children: ReactNode }) {
  return (
    <>
      <ErrorBox error={list.error} />
      {list.loading && !list.data ? <Spinner /> : null}
      {list.data && list.items.length === 0 ? empty : null}
      {list.items.length > 0 ? children : null}
    </>
  );
}
