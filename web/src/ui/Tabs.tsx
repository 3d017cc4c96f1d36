import type { ReactNode } from 'react';

interface Props<T extends string> {
  label: string;
  tabs: readonly T[];
  // The tabs alone fix T, so a setter of the narrower state type (a union of names) fits onSelect.
  current: NoInfer<T>;
  onSelect(tab: NoInfer<T>): void;
  /** How a tab is worded; the item itself unless told. */
  labelOf?(tab: T): ReactNode;
  /** A tab that cannot be chosen now (greyed out). */
  unavailable?(tab: T): boolean;
}

/** A row of tabs, one per item, the current one marked for sight and for screen readers; the panel below is the caller's. */
export function Tabs<T extends string>({ label, tabs, current, onSelect, labelOf = (t) => t, unavailable }: Props<T>) {
  return (
    <div className="tabs" role="tablist" aria-label={label}>
      {tabs.map((t) => (
        <button key={t} type="button" role="tab" aria-selected={t === current} className={t === current ? 'tab active' : 'tab'} onClick={() => onSelect(t)} disabled={unavailable?.(t)}>
          {labelOf(t)}
        </button>
      ))}
    </div>
  );
}
