import { useState } from 'react';

const UNITS = [
  { label: 'seconds', sec: 1 },
  { label: 'minutes', sec: 60 },
  { label: 'hours', sec: 3_600 },
  { label: 'days', sec: 86_400 },
] as const;

/** The largest unit that shows `seconds` as a whole number (3 days, not 259200 seconds). */
function unitFor(seconds: number | null): number {
  if (!seconds) return 60;
  return [...UNITS].reverse().find((u) => seconds % u.sec === 0)?.sec ?? 1;
}

/**
 * A length of time typed as a number and a unit; the API keeps seconds. Empty means "none"
 * when `allowEmpty` (e.g. "use the server's default").
 */
export function DurationInput({
  id,
  seconds,
  onChange,
  minSeconds = 1,
  allowEmpty,
  placeholder,
  disabled,
  describedBy,
}: {
  id: string;
  seconds: number | null;
  onChange: (seconds: number | null) => void;
  minSeconds?: number;
  allowEmpty?: boolean;
  placeholder?: string;
  disabled?: boolean;
  describedBy?: string;
}) {
  const [unit, setUnit] = useState(() => unitFor(seconds));
  const shown = seconds === null ? '' : String(seconds / unit);
  return (
    <span className="duration-input">
      <input
        id={id}
        type="number"
        min={Math.max(1, Math.ceil(minSeconds / unit))}
        step="any"
        value={shown}
        placeholder={placeholder}
        disabled={disabled}
        aria-describedby={describedBy}
        required={!allowEmpty}
        onChange={(e) => onChange(e.target.value === '' ? (allowEmpty ? null : 0) : Math.round(Number(e.target.value) * unit))}
      />
      <select aria-label="unit" value={unit} disabled={disabled} onChange={(e) => setUnit(Number(e.target.value))}>
        {UNITS.map((u) => (
          <option key={u.sec} value={u.sec}>
            {u.label}
          </option>
        ))}
      </select>
    </span>
  );
}
