import { useEffect, useRef, useState } from 'react';
import { guardLeaving, type Occasion, type Work, type WorkKind } from '../leave-guard.js';
import { leaveQuestion } from './leave-question.js';
import { useWorkScope } from './WorkScope.js';

/** Where the focus returns after "Keep editing": where it was, unless that is gone or hidden (a phone's closed menu), else the page. */
function refocus(was: HTMLElement | null): void {
  if (was?.isConnected && was.checkVisibility()) was.focus();
  else document.getElementById('main')?.focus({ preventScroll: true });
}

/**
 * While `active`, the work named `what` is not lost without a question: leaving in the app (a
 * link, the menu, Back or Forward, Log out) opens this dialog, and a reload or closing the tab
 * gets the browser's own question (beforeunload; browsers word it themselves). A switch on the
 * page that replaces the part this guard is in asks it too (ui/WorkScope, leave-guard.ts).
 * `kind` says what would be lost: unsaved changes (UnsavedChangesGuard) or a value shown only
 * once that was not copied (ShownOnceGuard); the question's words follow (leave-question.ts).
 *
 * With several guards on the page, one of them asks, naming all (leave-guard.ts).
 *
 * The button that keeps the work comes first and takes the focus: Enter or Escape, pressed in
 * passing, keep it.
 */
export function WorkGuard({ active, what, kind }: { active: boolean; what: string; kind: WorkKind }) {
  const scope = useWorkScope();
  // What is asked about: this guard's work, and any other's on the page (or in the scope).
  const [asking, setAsking] = useState<{ work: Work[]; occasion: Occasion } | null>(null);
  const answer = useRef<((go: boolean) => void) | null>(null);
  const focusBefore = useRef<HTMLElement | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(() => {
    if (!active) return;
    const onBeforeUnload = (e: BeforeUnloadEvent) => {
      e.preventDefault();
      // Older browsers ask only when returnValue is set.
      e.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    const release = guardLeaving(
      { what, kind },
      scope,
      (work, occasion) =>
        new Promise<boolean>((resolve) => {
          // Another way out while the question is open (Back pressed twice): the earlier one is
          // answered "stay", the open question now answers the latest.
          answer.current?.(false);
          answer.current = resolve;
          // Asked again while open: the focus is on the dialog's own buttons, not where it returns to.
          if (!dialog.current?.open) focusBefore.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
          setAsking({ work, occasion });
        }),
    );
    return () => {
      window.removeEventListener('beforeunload', onBeforeUnload);
      release();
    };
  }, [active, what, kind, scope]);

  // Gone while asking (the session ended): no navigation waits for an answer that cannot come.
  useEffect(() => () => answer.current?.(false), []);

  useEffect(() => {
    // Modal: the page behind cannot be used meanwhile, and the browser focuses the first button.
    if (asking && !dialog.current?.open) dialog.current?.showModal();
  }, [asking]);

  const reply = (go: boolean) => {
    const resolve = answer.current;
    const leaving = asking?.occasion === 'leave';
    answer.current = null;
    // Closed at once (not at the next render): the page must not be inert when the focus moves.
    dialog.current?.close();
    setAsking(null);
    // Leaving: the focus starts at the next page's start, as after a menu link. Staying, or a
    // switch on this page: where it was (the button of the switch).
    if (go && leaving) document.getElementById('main')?.focus({ preventScroll: true });
    else refocus(focusBefore.current);
    resolve?.(go);
  };

  if (!asking) return null;
  const q = leaveQuestion(asking.work, asking.occasion);
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
      <h2 id="leave-dialog-h">{q.title}</h2>
      <p id="leave-dialog-text">{q.text}</p>
      <div className="form-actions">
        <button type="button" className="btn btn-primary" onClick={() => reply(false)}>
          {q.stay}
        </button>
        <button type="button" className="btn btn-danger" onClick={() => reply(true)}>
          {q.go}
        </button>
      </div>
    </dialog>
  );
}
