import { useState, type ReactNode } from 'react';

export function Spinner({ label = 'Loading…' }: { label?: string }) {
  return (
    <span className="spinner" role="status" aria-live="polite">
      <span className="spinner-dot" aria-hidden="true" />
      {label}
    </span>
  );
}

/** The API's own message, shown where the action happened. */
export function ErrorBox({ error, title }: { error: string | null | undefined; title?: string }) {
  if (!error) return null;
  return (
    <div className="alert alert-error" role="alert">
      {title ? <strong>{title}: </strong> : null}
      {error}
    </div>
  );
}

export function Notice({ kind = 'info', children }: { kind?: 'info' | 'success' | 'warning'; children: ReactNode }) {
  return <div className={`alert alert-${kind}`} role={kind === 'success' ? 'status' : undefined}>{children}</div>;
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children ? <div className="empty-body">{children}</div> : null}
    </div>
  );
}

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <header className="page-header">
      <div>
        <h1>{title}</h1>
        {subtitle ? <p className="muted">{subtitle}</p> : null}
      </div>
      {actions ? <div className="page-actions">{actions}</div> : null}
    </header>
  );
}

/** A labelled form control; `hint` explains, `id` ties the label to the input for screen readers. */
export function Field({ label, id, hint, children, wide }: { label: string; id: string; hint?: ReactNode; children: ReactNode; wide?: boolean }) {
  return (
    <div className={wide ? 'field field-wide' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children}
      {hint ? (
        <small className="hint" id={`${id}-hint`}>
          {hint}
        </small>
      ) : null}
    </div>
  );
}

const CHIP_KIND: Record<string, string> = {
  sent: 'ok',
  logged: 'ok',
  pass: 'ok',
  accepted: 'ok',
  queued: 'neutral',
  sending: 'info',
  deferred: 'warn',
  skip: 'neutral',
  failed: 'bad',
  fail: 'bad',
  rejected: 'bad',
  bounced: 'bad',
  expired: 'bad',
  cancelled: 'neutral',
  suppressed: 'warn',
};

export function StatusChip({ status }: { status: string }) {
  return <span className={`chip chip-${CHIP_KIND[status] ?? 'neutral'}`}>{status}</span>;
}

/** A destructive button that asks first; the question is a real dialog the keyboard can answer. */
export function ConfirmButton({ label, question, onConfirm, busy, className = 'btn btn-danger' }: { label: string; question: string; onConfirm: () => void; busy?: boolean; className?: string }) {
  const [open, setOpen] = useState(false);
  if (!open) {
    return (
      <button type="button" className={className} onClick={() => setOpen(true)} disabled={busy}>
        {label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label={question}>
      <span className="confirm-q">{question}</span>
      <button
        type="button"
        className="btn btn-danger"
        autoFocus
        onClick={() => {
          setOpen(false);
          onConfirm();
        }}
      >
        Yes, {label.toLowerCase()}
      </button>
      <button type="button" className="btn" onClick={() => setOpen(false)}>
        Cancel
      </button>
    </span>
  );
}

export function Badge({ children, kind = 'neutral', title }: { children: ReactNode; kind?: string; title?: string }) {
  return (
    <span className={`badge badge-${kind}`} title={title}>
      {children}
    </span>
  );
}
