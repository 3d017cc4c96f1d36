import type { ReactNode } from 'react';

/**
 * A list's filter bar: a search landmark whose fields apply together when submitted (Enter in
 * any field, or the submit button); `actions` are further buttons beside that one.
 */
export function FilterForm({ label, submitLabel, onApply, actions, children }: { label: string; submitLabel: string; onApply(): void; actions?: ReactNode; children: ReactNode }) {
  return (
    <form
      className="card filters"
      role="search"
      aria-label={label}
      onSubmit={(e) => {
        e.preventDefault();
        onApply();
      }}
    >
      {children}
      <div className="filter-actions">
        <button type="submit" className="btn btn-primary">
          {submitLabel}
        </button>
        {actions}
      </div>
    </form>
  );
}
