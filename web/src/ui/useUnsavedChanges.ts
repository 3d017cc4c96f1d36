import { useCallback, useState } from 'react';

/**
 * Whether a form holds unsaved work, for its UnsavedChangesGuard and its "Saved.".
 *
 * `shown` is the form's snapshot: a string that changes exactly when what a save would store
 * changes (JSON of the draft, or the form's own snapshot function). Its first value is what was
 * loaded; `dirty` is true while the form shows something else. So a field typed into and emptied
 * again, or a box ticked and unticked, is no change, and nothing is asked about a form merely
 * touched. A snapshot should hold what was typed and chosen as the form holds it, with an
 * absent value and an empty one alike (null and '').
 *
 * After a save, `markSaved(snapshot)` makes what the form now shows the stored state: the values
 * the API answered with when the form takes them over, else the snapshot that was sent. A form
 * that starts afresh with each saved version (remounted) gets it from the remount instead, but
 * marking it at once means no question comes in between. `justSaved` holds while the form still
 * shows what was saved here ("Saved." goes with the next edit).
 */
export function useUnsavedChanges(shown: string) {
  const [stored, setStored] = useState(shown);
  const [savedHere, setSavedHere] = useState<string | null>(null);
  const markSaved = useCallback((snapshot: string) => {
    setStored(snapshot);
    setSavedHere(snapshot);
  }, []);
  return { dirty: shown !== stored, justSaved: savedHere === shown, markSaved };
}
