import { useRef, useState } from 'react';

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

/** Whether `seconds` reads well in `unit`: a whole number, or one with a few decimals someone typed (1.5 hours). */
function tidy(seconds: number | null, unit: number): boolean {
  if (seconds === null) return true;
  const thousandths = (seconds / unit) * 1000;
  return Math.abs(thousandths - Math.round(thousandths)) < 1e-6;
}

/**
 * A length of time typed as a number and a unit; the API keeps seconds. Empty means "none"
 * when `allowEmpty` (e.g. "use the server's default").
 *
 * Choosing another unit keeps the number and changes the duration: "10" then "hours" is 10 hours,
 * as the box and the unit read together say. The same holds for a value loaded from the server:
 * it is shown whole in its largest unit (3 days), so someone who wants that duration has nothing
 * to change, while someone who picks another unit is changing it; converting instead would replace
 * the number they see with one nobody typed (0.1666… hours for 10 minutes). A value set from
 * outside (a form put back to what was loaded) that the chosen unit cannot show tidily is shown in
 * its own unit instead.
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
  invalid,
}: {
  id: string;
  seconds: number | null;
  onChange: (seconds: number | null) => void;
  minSeconds?: number;
  allowEmpty?: boolean;
  placeholder?: string;
  disabled?: boolean;
  describedBy?: string;
  /** The API refused the value: the number is marked invalid (a FieldError beside it is read with it and takes the focus). */
  invalid?: boolean;
}) {
  const [chosen, setUnit] = useState(() => unitFor(seconds));
  // What this input last gave its form: any other value was set from outside (an Undo, a reset).
  const emitted = useRef<number | null | undefined>(undefined);
  const emit = (value: number | null) => {
    emitted.current = value;
    onChange(value);
  };
  // A value set from outside that the chosen unit cannot show tidily is shown in its own unit,
  // and that unit becomes the chosen one, so what is typed next is read in the unit on screen.
  // A value typed here keeps the unit it was typed in, tidy or not.
  const unit = seconds === emitted.current || tidy(seconds, chosen) ? chosen : unitFor(seconds);
  if (unit !== chosen) setUnit(unit);
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
        aria-invalid={invalid ? true : undefined}
        required={!allowEmpty}
        onChange={(e) => emit(e.target.value === '' ? (allowEmpty ? null : 0) : Math.round(Number(e.target.value) * unit))}
      />
      <select
        aria-label="unit"
        value={unit}
        disabled={disabled}
        onChange={(e) => {
          const next = Number(e.target.value);
          setUnit(next);
          // The number shown stays; the duration becomes that many of the new unit.
          if (seconds !== null) emit(Math.round((seconds / unit) * next));
        }}
      >
        {UNITS.map((u) => (
          <option key={u.sec} value={u.sec}>
            {u.label}
          </option>
        ))}
      </select>
    </span>
  );
}
