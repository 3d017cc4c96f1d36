import { useState } from 'react';
import { useVersionConflict, type VersionConflictState } from './VersionConflict.js';

/** What an edit form's wrapper renders it with: see useFreshStart. */
export type FreshStart<T> = {
  /** The inner form's key: a new one on each load remounts it, dropping what was typed. */
  key: number;
  /** The thing the form edits: the version loaded, or the page's own once that is newer. */
  value: T;
  /** Held by the wrapper, not the form, so "loaded" and its note outlive the remount. */
  conflict: VersionConflictState;
  /** For VersionConflict's `load`: start the form afresh from the version now stored. */
  onFresh(loaded: NonNullable<T>): void;
};

/**
 * An edit form that sends the version it opened, started afresh by *Load the saved version*
 * after a conflict, as when it was opened: the wrapper renders the inner form with `key` and
 * `value`, `conflict` and `onFresh` (which goes to VersionConflict's `load`).
 *
 * `onLoaded` tells the page the loaded version, so what it shows around the form (a header, a
 * facts card, a list row) shows what is stored too, not the version the form was opened on.
 *
 * The loaded version stands in for `initial` only until the page passes a newer one (an action
 * beside the form, such as Switch off, made one without remounting the form): the form then sends
 * that one's version, as it did before any conflict, instead of a stale one refused again.
 */
export function useFreshStart<T extends { version: number } | null | undefined>(initial: T, onLoaded?: (loaded: NonNullable<T>) => void): FreshStart<T> {
  const [fresh, setFresh] = useState<{ value: NonNullable<T>; n: number } | null>(null);
  const conflict = useVersionConflict();
  const value: T = fresh && !(initial && initial.version > fresh.value.version) ? fresh.value : initial;
  const onFresh = (loaded: NonNullable<T>) => {
    setFresh((f) => ({ value: loaded, n: (f?.n ?? 0) + 1 }));
    onLoaded?.(loaded);
  };
  return { key: fresh?.n ?? 0, value, conflict, onFresh };
}
