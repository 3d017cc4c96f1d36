import { useEffect, useRef, type ReactNode } from 'react';
import { CopyButton } from './CopyButton.js';
import { ShownOnceGuard, useCopied } from './ShownOnceGuard.js';

/**
 * A credential in the one answer that carries it (a new API key, a webhook secret): shown with
 * a Copy button and a plain warning that it will not be shown again. `onDone` hides it.
 * It takes the focus when it appears, which also scrolls it into view: it often appears far from
 * the button that made it, and is lost once the admin moves on: so until it is copied, leaving
 * the page or putting another in its place asks first, naming it `what` (ShownOnceGuard).
 */
export function ShownOnce({ title, what, value, label, note, onDone, testId }: { title: string; what: string; value: string; label: string; note: ReactNode; onDone(): void; testId?: string }) {
  const ref = useFocusOnMount<HTMLElement>();
  const { copied, markCopied } = useCopied(value);
  return (
    <section className="card key-once" aria-label={title} data-testid={testId} tabIndex={-1} ref={ref}>
      <h2>{title}</h2>
      <p>
        <strong>Copy it now: it is shown this once and never again.</strong> {note}
      </p>
      <div className="inline">
        <code className="secret" aria-label={label} onCopy={markCopied}>
          {value}
        </code>
        <CopyButton text={value} label={`Copy: ${title}`} onCopied={markCopied} />
        <button type="button" className="btn btn-small" onClick={onDone}>
          Done
        </button>
      </div>
      <ShownOnceGuard copied={copied} what={what} />
    </section>
  );
}

/** A ref whose element takes the focus once, when it first appears (a credential shown once). */
export function useFocusOnMount<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  useEffect(() => ref.current?.focus(), []);
  return ref;
}
