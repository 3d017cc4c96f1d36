import { useCallback, useState } from 'react';
import { isNotFound } from '../api.js';
import { useResource, type Resource } from '../hooks.js';

export interface Item<T> extends Resource<T> {
  /**
   * The API answered 404 for it (deleted elsewhere while the page was open, or a stale link): the
   * page shows <Gone> instead of its content, so its actions, forms and polling go with it.
   */
  gone: boolean;
  /** Passes a request about the item through, noting a 404 as `gone` (an action, a sub-list's reload). */
  watch<R>(request: Promise<R>): Promise<R>;
}

/**
 * One item a detail page shows (a webhook endpoint, a message …), loaded as `useResource` loads,
 * that someone else may delete while the page is open. A failed reload keeps the last data beside
 * the error: right for a passing failure, wrong for a 404, after which the page would go on showing
 * (and polling, and offering actions on) something that is not there. A 404 from the item's own
 * reload, or from any request passed through `watch`, makes it `gone` for good (ids are not reused).
 */
export function useItem<T>(load: () => Promise<T>, deps: unknown[]): Item<T> {
  const key = JSON.stringify(deps);
  const [goneKey, setGoneKey] = useState<string | null>(null);
  const watch = useCallback(
    <R>(request: Promise<R>): Promise<R> =>
      request.catch((err: unknown) => {
        if (isNotFound(err)) setGoneKey(key);
        throw err;
      }),
    [key],
  );
  const resource = useResource(() => watch(load()), deps);
  return { ...resource, gone: goneKey === key, watch };
}
