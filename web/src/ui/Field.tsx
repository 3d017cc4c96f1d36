import type { ReactNode } from 'react';

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
