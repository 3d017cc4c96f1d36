import { useEffect, useRef, useState } from 'react';
import { guardLeaving } from '../leave-guard.js';

/** Where the focus returns after "Keep editing": where it was, unless that is gone or hidden (a phone's closed menu), else the page. */
function refocus(was: HTMLElement | null): void {
  if (was?.isConnected && was.checkVisibility()) was.focus();
  else document.getElementById('main')?.focus({ preventScroll: true });
}

/** "a", "a and b", "a, b and c": the work the question names. */
function inWords(what: string[]): string {
  return what.length < 2 ? (what[0] ?? '') : `${what.slice(0, -1).join(', ')} and ${what[what.length - 1]}`;
}

/**
 * While `dirty`, unsaved work is not lost without a question: leaving in the app (a link, the
 * menu, Back or Forward, Log out) opens this dialog, and a reload or closing the tab gets the
 * browser's own question (beforeunload; browsers word it themselves). `what` names the work
 * ("this template"). Nothing is asked while nothing changed, so right after a save neither:
 * `dirty` says the form differs from what was loaded or saved (see useUnsavedChanges).
 *
 * With several forms holding work on one page, one of them asks, naming all (leave-guard.ts).
 *
 * "Keep editing" comes first and takes the focus: Enter or Escape, pressed in passing, keep the work.
 */
export function UnsavedChangesGuard({ dirty, what }: { dirty: boolean; what: string }) {
  // What is asked about: this form's work, and any other form's on the page.
  const [asking, setAsking] = useState<string[] | null>(null);
  const answer = useRef<((leave: boolean) => void) | null>(null);
  const focusBefore = useRef<HTMLElement | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    if (!dirty) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      // Older browsers ask only when returnValue is set.
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    const release = guardLeaving(
      what,
      (all) =>
        new Promise<boolean>((resolve) => {
          // Another way out while the question is open (Back pressed twice): the earlier one is
          // answered "stay", the open question now answers the latest.
          answer.current?.(false);
          answer.current = resolve;
          // Asked again while open: the focus is on the dialog's own buttons, not where it returns to.
          if (!dialog.current?.open) focusBefore.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
          setAsking(all);
        }),
    );
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      release();
    };
  }, [dirty, what]);

  // Gone while asking (the session ended): no navigation waits for an answer that cannot come.
  useEffect(() => () => answer.current?.(false), []);

  useEffect(() => {
    // Modal: the page behind cannot be used meanwhile, and the browser focuses the first button.
    if (asking && !dialog.current?.open) dialog.current?.showModal();
  }, [asking]);

  const reply = (leave: boolean) => {
    const resolve = answer.current;
    answer.current = null;
    // Closed at once (not at the next render): the page must not be inert when the focus moves.
    dialog.current?.close();
    setAsking(null);
    // Leaving: the focus starts at the next page's start, as after a menu link; staying: where it was.
    if (leave) document.getElementById('main')?.focus({ preventScroll: true });
    else refocus(focusBefore.current);
    resolve?.(leave);
  };

  if (!asking) return null;
  return (
    <dialog
      ref={dialog}
      className="leave-dialog"
      aria-labelledby="leave-dialog-h"
      aria-describedby="leave-dialog-text"
      onCancel={(e) => {
        // Escape: stay. The dialog closes through reply(), like with the buttons.
        e.preventDefault();
        reply(false);
      }}
    >
      <h2 id="leave-dialog-h">Leave without saving?</h2>
      <p id="leave-dialog-text">Your changes to {inWords(asking)} are not saved. If you leave now, they are lost.</p>
      <div className="form-actions">
        <button type="button" className="btn btn-primary" onClick={() => reply(false)}>
          Keep editing
        </button>
        <button type="button" className="btn btn-danger" onClick={() => reply(true)}>
          Discard changes and leave
        </button>
      </div>
    </dialog>
  );
}
