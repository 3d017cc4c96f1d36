import { useState } from 'react';
import { api, errorMessage, notifyChanged, type List, type Page, type Query } from './api.js';
import { useAction, useResource, type Resource } from './hooks.js';

const NONE: never[] = [];

export interface ListResource<T> extends Resource<List<T>> {
  /** The list's items; empty until it has loaded. */
  items: T[];
}

/** GET a whole list (`{ items }`: servers, accounts, users …), again when `query` changes. */
export function useList<T>(path: string, query?: Query): ListResource<T> {
  const key = JSON.stringify(query ?? {});
  const list = useResource(() => api.get<List<T>>(path, query), [path, key]);
  return { ...list, items: list.data?.items ?? NONE };
}

export interface PagedList<T> extends Resource<Page<T>> {
  /** The first page and every older page loaded since. */
  items: T[];
  /** Where the next older page starts; null when there is none. */
  cursor: string | null;
  loadMore(): Promise<void>;
  /** Loads the first page again and forgets the older ones. */
  restart(): void;
  loadingMore: boolean;
  moreError: string | null;
}

/**
 * GET a paged list (`{ items, nextCursor }`: the email log, the audit log): the first page
 * whenever `query` changes, older pages on `loadMore`. Older pages belong to the query they
 * were loaded for; a new query starts again from its first page.
 */
export function usePagedList<T>(path: string, query: Query): PagedList<T> {
  const key = `${path}?${JSON.stringify(query)}`;
  const first = useResource(() => api.get<Page<T>>(path, query), [key]);
  const [more, setMore] = useState<{ key: string; items: T[]; nextCursor: string | null }>({ key, items: [], nextCursor: null });
  const [loadingMore, setLoadingMore] = useState(false);
  // Like the older pages, a failure to load one belongs to the query it was asked for.
  const [moreFailure, setMoreFailure] = useState<{ key: string; message: string } | null>(null);
  const moreError = moreFailure?.key === key ? moreFailure.message : null;
  const older = more.key === key ? more.items : NONE;
  const cursor = older.length ? more.nextCursor : (first.data?.nextCursor ?? null);

  const loadMore = async () => {
    if (!cursor) return;
    setLoadingMore(true);
    setMoreFailure(null);
    try {
      const next = await api.get<Page<T>>(path, { ...query, cursor });
      setMore((m) => ({ key, items: [...(m.key === key ? m.items : []), ...next.items], nextCursor: next.nextCursor ?? null }));
    } catch (err) {
      setMoreFailure({ key, message: errorMessage(err) });
    } finally {
      setLoadingMore(false);
    }
  };

  const restart = () => {
    setMore({ key, items: [], nextCursor: null });
    setMoreFailure(null);
    first.reload();
  };

  return { ...first, items: [...(first.data?.items ?? []), ...older], cursor, loadMore, restart, loadingMore, moreError };
}

/**
 * Deletes one item of a list (DELETE at `pathOf(item)`), then tells every view that configuration
 * changed (the setup banner re-checks) and reloads the list. `error` says why it was refused;
 * `remove` resolves whether it was deleted.
 */
export function useRemove<T>(list: { reload(): void }, pathOf: (item: T) => string) {
  const action = useAction();
  // Resolves whether it was deleted: the page then says so (useListOutcome).
  const remove = async (item: T): Promise<boolean> => {
    if (!(await action.run(() => api.del(pathOf(item)).then(() => true)))) return false;
    notifyChanged();
    list.reload();
    return true;
  };
  return { busy: action.busy, error: action.error, remove };
}
