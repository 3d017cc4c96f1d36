import { useCallback, useState } from 'react';

/** A set of chosen ids (rows of a table, scopes of a key) and the ways to change it. */
export interface Selection {
  selected: ReadonlySet<string>;
  /** Adds the id when absent, removes it when present. */
  toggle(id: string): void;
  /** Chooses exactly these ids (none: clears). */
  setAll(ids: Iterable<string>): void;
}

export function useSelection(initial: Iterable<string> = []): Selection {
  const [selected, setSelected] = useState<ReadonlySet<string>>(() => new Set(initial));
  const toggle = useCallback(
    (id: string) =>
      setSelected((s) => {
        const next = new Set(s);
        if (next.has(id)) next.delete(id);
        else next.add(id);
        return next;
      }),
    [],
  );
  const setAll = useCallback((ids: Iterable<string>) => setSelected(new Set(ids)), []);
  return { selected, toggle, setAll };
}
