import type { ReactNode, SelectHTMLAttributes } from 'react';

type SelectAttributes = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange' | 'children'>;

export interface SelectProps<T> extends SelectAttributes {
  /** What there is to choose from, in this order. */
  options: readonly T[];
  /** An option's value: what `value` holds and `onChange` gets. */
  valueOf(option: T): string;
  /** What an option shows; its value when omitted. */
  labelOf?(option: T): ReactNode;
  value: string;
  onChange(value: string): void;
  /** The label of the empty choice (''), offered first: what choosing nothing means. */
  none?: string;
}

/** A select over a list (accounts, purposes, fixed choices); the other attributes (id, required, aria-label …) go on the `<select>`. */
export function Select<T>({ options, valueOf, labelOf = valueOf, value, onChange, none, ...attributes }: SelectProps<T>) {
  return (
    <select {...attributes} value={value} onChange={(e) => onChange(e.target.value)}>
      {none === undefined ? null : <option value="">{none}</option>}
      {options.map((o) => (
        <option key={valueOf(o)} value={valueOf(o)}>
          {labelOf(o)}
        </option>
      ))}
    </select>
  );
}
