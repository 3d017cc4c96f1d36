import { useCallback, useState } from 'react';
import { isNotFound } from '../api.js';
import { useResource, type Resource } from '../hooks.js';

export interface Item<T> extends Resource<T> {
  /**
   * The API answered 404 for it (deleted elsewhere while the page was open, or a stale link): the
   * page shows <Gone> instead of its content, so its actions, forms and polling go with it.
   */
  gone: boolean;
  /**
   * Passes a request about the item through (an action, a save, a sub-list's or a part's load): a
   * 404 has the item asked for again, and it is `gone` if that is a 404 too. Asked, not assumed:
   * a 404 may be about something else the request names (a delivery the retention deleted, a
   * test's sender account), and then the item stays, with the request's refusal said where it was.
   */
  watch<R>(request: Promise<R>): Promise<R>;
}

/**
 * One item a detail page shows (a webhook endpoint, a message, a server …), loaded as
 * `useResource` loads, that someone else (or the retention) may delete while the page is open. A
 * failed reload keeps the last data beside the error: right for a passing failure, wrong for a
 * 404, after which the page would go on showing (and polling, and offering actions on) something
 * that is not there. A 404 from the item's own load makes it `gone` for good (ids are not reused);
 * so does one from a request passed through `watch`, once the item's own load confirms it.
 */
export function useItem<T>(load: () => Promise<T>, deps: unknown[]): Item<T> {
  const key = JSON.stringify(deps);
  const [goneKey, setGoneKey] = useState<string | null>(null);
  const resource = useResource(
    () =>
      load().catch((err: unknown) => {
        if (isNotFound(err)) setGoneKey(key);
        throw err;
      }),
    deps,
  );
  const { reload } = resource;
  const watch = useCallback(
    <R>(request: Promise<R>): Promise<R> =>
      request.catch((err: unknown) => {
        if (isNotFound(err)) reload();
        throw err;
      }),
    [reload],
  );
  return { ...resource, gone: goneKey === key, watch };
}
