import type { ReactNode } from 'react';
import { CopyButton } from './CopyButton.js';

/**
 * A credential in the one answer that carries it (a new API key, a webhook secret): shown with
 * a Copy button and a plain warning that it will not be shown again. `onDone` hides it.
 */
export function ShownOnce({ title, value, label, note, onDone, testId }: { title: string; value: string; label: string; note: ReactNode; onDone(): void; testId?: string }) {
  return (
    <section className="card key-once" aria-label={title} data-testid={testId}>
      <h2>{title}</h2>
      <p>
        <strong>Copy it now: it is shown this once and never again.</strong> {note}
      </p>
      <div className="inline">
        <code className="secret" aria-label={label}>
          {value}
        </code>
        <CopyButton text={value} label={`Copy: ${title}`} />
        <button type="button" className="btn btn-small" onClick={onDone}>
          Done
        </button>
      </div>
    </section>
  );
}
