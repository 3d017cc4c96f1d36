import type { PagedList } from '../lists.js';
import { ErrorBox } from './ErrorBox.js';

/** "Load older …" under a paged list while the server has more, and why the last try failed. */
export function LoadMore({ list, label }: { list: Pick<PagedList<unknown>, 'cursor' | 'loadMore' | 'loadingMore' | 'moreError'>; label: string }) {
  return (
    <>
      <ErrorBox error={list.moreError} />
      {list.cursor ? (
        <div className="center">
          <button type="button" className="btn" onClick={() => void list.loadMore()} disabled={list.loadingMore}>
            {list.loadingMore ? 'Loading…' : label}
          </button>
        </div>
      ) : null}
    </>
  );
}
