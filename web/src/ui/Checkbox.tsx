import type { ReactNode } from 'react';

/** A yes/no switch with its label beside it; the label's text is the checkbox's accessible name. */
export function Checkbox({ checked, onChange, disabled, children }: { checked: boolean; onChange(checked: boolean): void; disabled?: boolean; children: ReactNode }) {
  return (
    <label className="checkbox-inline">
      <input type="checkbox" checked={checked} disabled={disabled} onChange={(e) => onChange(e.target.checked)} /> {children}
    </label>
  );
}
