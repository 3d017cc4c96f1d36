/** A page of a list route: its items and the cursor of the next page (null on the last). */
export interface Page<T> {
  items: T[];
  nextCursor?: string | null;
}

/** Every item of a cursor-paged list, fetching the next page only as the loop reaches it. */
export async function* everyItem<T, F extends object>(page: (filter: F & { cursor?: string }) => Promise<Page<T>>, filter: F): AsyncGenerator<T, void, undefined> {
  let cursor: string | undefined;
  do {
    const p = await page({ ...filter, ...(cursor ? { cursor } : {}) });
    yield* p.items;
    cursor = p.nextCursor ?? undefined;
  } while (cursor);
}
