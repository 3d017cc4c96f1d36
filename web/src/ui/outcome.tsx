import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import { focusRow } from './focus-row.js';
import { Notice } from './Notice.js';

/** A list as a page loads it: `data` is a new object at each answer, `items` its rows. */
interface LoadedList<T> {
  data: unknown;
  items: readonly T[];
}

/** Where the focus goes once the list answers again: the item's row, else its neighbour's. */
interface Refocus {
  key: string;
  neighbour: string | null;
  /** The answer the list held when the action was done: the next one shows its outcome. */
  before: unknown;
}

/** Focuses an element that is not a control (a heading), without adding it to the Tab order. */
function focusStill(el: HTMLElement | null): void {
  if (!el) return;
  if (!el.hasAttribute('tabindex')) el.tabIndex = -1;
  el.focus();
}

/**
 * What an action did (a row added, revoked, removed, rotated), said as Users says "… was added as
 * viewer": a success notice with role=status, which a screen reader reads out without moving the
 * focus. `notice` is that notice (nothing until there is something to say); `say(null)` and
 * `clear()` take it away (a new attempt, whose refusal would otherwise stand beside it).
 */
export function useOutcome() {
  // `n` counts what was said: each new message is a new notice, read out even in the same words.
  const [message, setMessage] = useState<{ text: string; n: number } | null>(null);
  // Stable, as a setter is: a page may clear the notice in an effect (a new search).
  const say = useCallback((text: string | null) => setMessage((m) => (text ? { text, n: (m?.n ?? 0) + 1 } : null)), []);
  const clear = useCallback(() => setMessage(null), []);
  const notice: ReactNode = message ? (
    <Notice key={message.n} kind="success">
      {message.text}
    </Notice>
  ) : null;
  return { notice, say, clear };
}

/**
 * useOutcome for an action on a list's row. `done(message, item)` says it and also places the
 * focus once the list has answered again: the button that had it went with the row (or with the
 * question ConfirmButton asked), and the focus would drop to the page's start. It goes to the
 * item's row when the row is still there (a key revoked stays listed), else to the row that
 * followed it (or preceded it, for the last), else — the list is empty — to `heading()` (the
 * page's h1 unless told). It never takes the focus from where the reader or something else put
 * it meanwhile.
 */
export function useListOutcome<T>(list: LoadedList<T>, keyOf: (item: T) => string, heading: () => HTMLElement | null = () => document.querySelector('main h1')) {
  const { notice, say, clear } = useOutcome();
  const [refocus, setRefocus] = useState<Refocus | null>(null);
  // The list as it stands when an action ends (its callback was made by an older render).
  const latest = useRef(list);
  latest.current = list;
  const headingOf = useRef(heading);
  headingOf.current = heading;
  const keyOfRef = useRef(keyOf);
  keyOfRef.current = keyOf;

  useEffect(() => {
    if (!refocus || list.data === refocus.before) return;
    setRefocus(null);
    const active = document.activeElement;
    if (active && active !== document.body) return;
    if (focusRow(refocus.key) || (refocus.neighbour && focusRow(refocus.neighbour))) return;
    focusStill(headingOf.current());
  }, [refocus, list.data]);

  // null: the page says it otherwise (someone else removed the row first), only the focus is placed.
  const done = useCallback(
    (text: string | null, item: T) => {
      say(text);
      const { items, data } = latest.current;
      const keyOf = keyOfRef.current;
      const key = keyOf(item);
      const at = items.findIndex((x) => keyOf(x) === key);
      const neighbour = at < 0 ? null : (items[at + 1] ?? items[at - 1] ?? null);
      setRefocus({ key, neighbour: neighbour ? keyOf(neighbour) : null, before: data });
    },
    [say],
  );
  return { notice, say, done, clear };
}
